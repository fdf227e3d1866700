using System.Globalization;
using CustomResources.Core.Auditing;
using CustomResources.Embedded.Auditing;

namespace CustomResources.Server.Security;

/// <summary><c>audit</c>: prints the audit log (current and rotated files, oldest first) as JSON lines, filtered.</summary>
public static class AuditCommand
{
    public const string Usage = """
        usage: audit [--since TIME] [--until TIME] [--user NAME] [--verb VERB] [--namespace NS] [--resource PLURAL] [--limit N]
        TIME is ISO 8601 (e.g. 2026-11-30T10:00:00Z). Prints one JSON object per line; --store PATH picks the store.
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, string path, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var query = AuditQuery.All;
        for (var i = 0; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : null;
            AuditQuery? next = (args[i], value) switch
            {
                (_, null) => null,
                ("--since", _) => Time(value) is { } since ? query with { Since = since } : null,
                ("--until", _) => Time(value) is { } until ? query with { Until = until } : null,
                ("--user", _) => query with { User = value },
                ("--verb", _) => query with { Verb = value },
                ("--namespace", _) => query with { Namespace = value },
                ("--resource", _) => query with { Resource = value },
                ("--limit", _) => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit > 0 ? query with { Limit = limit } : null,
                _ => null,
            };
            if (next is null)
            {
                await error.WriteLineAsync($"unexpected argument '{args[i]}'\n{Usage}");
                return 2;
            }

            query = next;
            i++;
        }

        await foreach (var record in AuditLogReader.ReadAsync(path, query, CancellationToken.None))
        {
            await output.WriteLineAsync(AuditJson.Serialize(record));
        }

        return 0;
    }

    private static DateTimeOffset? Time(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;
}
