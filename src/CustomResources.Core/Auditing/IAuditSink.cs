namespace CustomResources.Core.Auditing;

/// <summary>
/// Where audit records go (a JSON-lines file in embedded mode). A write completes once the record is stored as far as
/// the sink promises; a sink never drops records silently, so callers may rely on a completed write.
/// </summary>
public interface IAuditSink
{
    ValueTask WriteAsync(AuditRecord record, CancellationToken cancellationToken);
}
