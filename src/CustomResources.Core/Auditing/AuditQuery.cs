namespace CustomResources.Core.Auditing;

/// <summary>
/// A filter over audit records. Every criterion left null matches anything; strings compare exactly (ordinal).
/// <see cref="Since"/> is inclusive and <see cref="Until"/> exclusive, so adjacent windows never share a record.
/// <see cref="Namespace"/> "" selects cluster-scoped requests. <see cref="Limit"/> is applied by whoever reads
/// (the first <c>Limit</c> matches in log order), not by <see cref="Matches"/>.
/// </summary>
public sealed record AuditQuery
{
    public static AuditQuery All { get; } = new();

    public DateTimeOffset? Since { get; init; }

    public DateTimeOffset? Until { get; init; }

    public string? User { get; init; }

    public string? Verb { get; init; }

    public string? Namespace { get; init; }

    public string? Resource { get; init; }

    /// <summary>At most this many records; null for no limit. Must be positive when set.</summary>
    public int? Limit
    {
        get;
        init
        {
            if (value is <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Limit must be positive.");
            }

            field = value;
        }
    }

    public bool Matches(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return (Since is not { } since || record.Time >= since)
            && (Until is not { } until || record.Time < until)
            && (User is null || record.User == User)
            && (Verb is null || record.Verb == Verb)
            && (Namespace is null || record.Namespace == Namespace)
            && (Resource is null || record.Resource == Resource);
    }
}
