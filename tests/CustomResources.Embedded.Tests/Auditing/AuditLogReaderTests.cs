using CustomResources.Core.Auditing;
using CustomResources.Embedded.Auditing;
using static CustomResources.Embedded.Tests.Auditing.AuditTestRecords;

namespace CustomResources.Embedded.Tests.Auditing;

/// <summary>One log of 100 records spread over the current file and four rotated ones, queried every way.</summary>
public sealed class AuditLogReaderTests : IAsyncLifetime, IDisposable
{
    private const int Count = 100;
    private readonly TempDirectory _dir = new();
    private readonly List<AuditRecord> _written = [.. Enumerable.Range(0, Count).Select(Numbered)];

    private string LogPath => Path.Combine(_dir.Path, "audit.log");

    public async Task InitializeAsync()
    {
        var lineBytes = _written.Max(r => AuditJson.SerializeToUtf8Bytes(r).Length) + 1;
        await using var sink = new JsonLinesAuditSink(LogPath, new JsonLinesAuditSinkOptions { MaxBytes = lineBytes * 25, RetainedFiles = 5 });
        foreach (var record in _written)
        {
            await sink.WriteAsync(record, CancellationToken.None);
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Everything_comes_back_in_write_order_across_rotated_files()
    {
        var statistics = new AuditReadStatistics();

        var read = await ReadAllAsync(LogPath, statistics: statistics);

        Assert.True(File.Exists($"{LogPath}.3"), "the fixture should span several rotated files");
        Assert.Equal(_written, read);
        Assert.Equal(AuditLogReader.FilesOldestFirst(LogPath).Count(), statistics.Files);
        Assert.Equal(Count, statistics.Lines);
        Assert.Equal(0, statistics.CorruptLines);
    }

    public static TheoryData<string> Queries => ["user", "verb", "namespace", "cluster", "resource", "since", "until", "window", "combined"];

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task Each_filter_selects_what_it_names(string name)
    {
        var query = name switch
        {
            "user" => new AuditQuery { User = "bob" },
            "verb" => new AuditQuery { Verb = "delete" },
            "namespace" => new AuditQuery { Namespace = "team-b" },
            "cluster" => new AuditQuery { Namespace = "" },
            "resource" => new AuditQuery { Resource = "secrets" },
            "since" => new AuditQuery { Since = T0.AddSeconds(90) },
            "until" => new AuditQuery { Until = T0.AddSeconds(10) },
            "window" => new AuditQuery { Since = T0.AddSeconds(20), Until = T0.AddSeconds(80) },
            _ => new AuditQuery { User = "alice", Verb = "create", Resource = "crontabs", Since = T0.AddSeconds(5) },
        };

        var read = await ReadAllAsync(LogPath, query);

        var expected = _written.Where(query.Matches).ToList();
        Assert.NotEmpty(expected);
        Assert.True(expected.Count < Count);
        Assert.Equal(expected, read);
    }

    [Fact]
    public async Task Limit_stops_after_the_first_matches()
    {
        var read = await ReadAllAsync(LogPath, new AuditQuery { Namespace = "team-a", Limit = 3 });

        Assert.Equal(["req-00000", "req-00004", "req-00008"], read.Select(r => r.RequestId));
    }

    [Fact]
    public async Task A_torn_last_line_is_skipped_and_counted()
    {
        var torn = AuditJson.Serialize(Numbered(Count));
        await File.AppendAllTextAsync(LogPath, torn[..(torn.Length - 7)]);
        var statistics = new AuditReadStatistics();

        var read = await ReadAllAsync(LogPath, statistics: statistics);

        Assert.Equal(_written, read);
        Assert.Equal(1, statistics.CorruptLines);
        Assert.Equal(Count + 1, statistics.Lines);
    }

    [Fact]
    public async Task Garbage_in_a_rotated_file_is_skipped_and_counted()
    {
        await File.AppendAllTextAsync($"{LogPath}.2", "not json\n{\"time\":\"2026\n\n");
        var statistics = new AuditReadStatistics();

        var read = await ReadAllAsync(LogPath, statistics: statistics);

        Assert.Equal(_written, read);
        Assert.Equal(2, statistics.CorruptLines);
    }

    [Fact]
    public async Task Files_are_ordered_by_number_not_by_name()
    {
        var dir = Path.Combine(_dir.Path, "numbers");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "audit.log");
        foreach (var (index, record) in new[] { (10, 1), (9, 2), (2, 3), (1, 4) })
        {
            await File.WriteAllTextAsync($"{path}.{index}", AuditJson.Serialize(Numbered(record)) + "\n");
        }

        await File.WriteAllTextAsync(path, AuditJson.Serialize(Numbered(5)) + "\n");
        await File.WriteAllTextAsync($"{path}.bak", AuditJson.Serialize(Numbered(6)) + "\n");

        Assert.Equal(Enumerable.Range(1, 5).Select(Numbered), await ReadAllAsync(path));
    }

    [Fact]
    public async Task A_missing_log_reads_as_empty()
    {
        var statistics = new AuditReadStatistics();

        Assert.Empty(await ReadAllAsync(Path.Combine(_dir.Path, "nowhere", "audit.log"), statistics: statistics));
        Assert.Equal(0, statistics.Files);
    }

    [Fact]
    public async Task Reading_can_be_cancelled()
    {
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in AuditLogReader.ReadAsync(LogPath, AuditQuery.All, cancel.Token))
            {
            }
        });
    }
}
