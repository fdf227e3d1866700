using CustomResources.Core.Auditing;

namespace CustomResources.Embedded.Tests.Auditing;

internal static class AuditTestRecords
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Record i: a second after T0 per i, users/verbs/namespaces/resources cycling at different periods.</summary>
    public static AuditRecord Numbered(int i) => new()
    {
        Time = T0.AddSeconds(i),
        RequestId = $"req-{i:D5}",
        User = i % 2 == 0 ? "alice" : "bob",
        Groups = ["system:authenticated"],
        Verb = (i % 3) switch { 0 => "create", 1 => "patch", _ => "delete" },
        ApiGroup = "stable.example.com",
        Resource = i % 5 == 0 ? "secrets" : "crontabs",
        Namespace = (i % 4) switch { 0 => "team-a", 1 => "team-b", 2 => "", _ => "team-c" },
        Name = $"obj-{i}",
        Method = "POST",
        Path = $"/apis/stable.example.com/v1/namespaces/team-a/crontabs/obj-{i}",
        StatusCode = i % 7 == 0 ? 409 : 201,
        Reason = i % 7 == 0 ? "Conflict" : null,
        SourceIp = "127.0.0.1",
        UserAgent = "kubectl/v1.32.0 (linux/amd64)",
    };

    public static async Task<List<AuditRecord>> ReadAllAsync(string path, AuditQuery? query = null, Embedded.Auditing.AuditReadStatistics? statistics = null)
    {
        var records = new List<AuditRecord>();
        await foreach (var record in Embedded.Auditing.AuditLogReader.ReadAsync(path, query ?? AuditQuery.All, statistics ?? new(), CancellationToken.None))
        {
            records.Add(record);
        }

        return records;
    }
}
