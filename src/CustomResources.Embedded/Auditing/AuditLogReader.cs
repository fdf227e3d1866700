using System.Globalization;
using System.Runtime.CompilerServices;
using CustomResources.Core.Auditing;

namespace CustomResources.Embedded.Auditing;

/// <summary>What one read saw: files opened, lines read, lines that were not records (a torn last line after a crash).</summary>
public sealed class AuditReadStatistics
{
    public int Files { get; internal set; }

    public long Lines { get; internal set; }

    public long CorruptLines { get; internal set; }

    public long Matched { get; internal set; }
}

/// <summary>
/// Reads a <see cref="JsonLinesAuditSink"/>'s log: the rotated files oldest first (<c>{path}.N</c> .. <c>{path}.1</c>), then
/// the current file, yielding records that match a query in the order they were written (which is time order up to
/// the jitter of concurrent requests). Lines that are not whole records are skipped and counted, never fatal. Reading
/// while the sink rotates is best effort: a file renamed between listing and opening may be missed or read twice.
/// </summary>
public static class AuditLogReader
{
    public static IAsyncEnumerable<AuditRecord> ReadAsync(string path, AuditQuery query, CancellationToken cancellationToken) =>
        ReadAsync(path, query, new AuditReadStatistics(), cancellationToken);

    public static async IAsyncEnumerable<AuditRecord> ReadAsync(
        string path,
        AuditQuery query,
        AuditReadStatistics statistics,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(statistics);

        var matched = 0;
        foreach (var file in FilesOldestFirst(path))
        {
            cancellationToken.ThrowIfCancellationRequested();
            FileStream stream;
            try
            {
                stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, useAsync: true);
            }
            catch (FileNotFoundException)
            {
                continue; // rotated away since listing
            }

            statistics.Files++;
            using var reader = new StreamReader(stream);
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                statistics.Lines++;
                if (!AuditJson.TryDeserialize(line, out var record))
                {
                    statistics.CorruptLines++;
                    continue;
                }

                if (!query.Matches(record))
                {
                    continue;
                }

                statistics.Matched++;
                matched++;
                yield return record;
                if (matched >= query.Limit)
                {
                    yield break;
                }
            }
        }
    }

    /// <summary>
    /// The log's files as they are now: every <c>{path}.{n}</c>, highest n (oldest) first, then <c>{path}</c>; gaps and
    /// files beyond the retained count are included. Also what to copy for an export.
    /// </summary>
    public static IEnumerable<string> FilesOldestFirst(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        path = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(path)!;
        var prefix = Path.GetFileName(path) + ".";
        var rotated = new List<(int Index, string File)>();
        if (Directory.Exists(directory))
        {
            foreach (var file in Directory.EnumerateFiles(directory, prefix + "*"))
            {
                // The pattern also matches the bare name ("*" may match nothing), so check the prefix by hand.
                var name = Path.GetFileName(file);
                if (!name.StartsWith(prefix, StringComparison.Ordinal))
                {
                    continue;
                }

                var suffix = name[prefix.Length..];
                if (suffix.Length > 0 && suffix.All(char.IsAsciiDigit) && int.TryParse(suffix, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    rotated.Add((index, file));
                }
            }
        }

        foreach (var (_, file) in rotated.OrderByDescending(r => r.Index))
        {
            yield return file;
        }

        if (File.Exists(path))
        {
            yield return path;
        }
    }
}
