namespace CustomResources.Core.Auditing;

/// <summary>A sink that keeps nothing, for hosts that run with auditing switched off (so the pipeline needs no null checks).</summary>
public sealed class NullAuditSink : IAuditSink
{
    public static NullAuditSink Instance { get; } = new();

    private NullAuditSink()
    {
    }

    public ValueTask WriteAsync(AuditRecord record, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
