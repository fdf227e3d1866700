using System.Text.Json.Nodes;
using CustomResources.Core.Auditing;
using CustomResources.Embedded.Auditing;
using static CustomResources.Embedded.Tests.Auditing.AuditTestRecords;

namespace CustomResources.Embedded.Tests.Auditing;

public sealed class JsonLinesAuditSinkTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Records_round_trip_through_the_file()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "audit.log");
        var written = Enumerable.Range(0, 10).Select(Numbered).ToList();

        await using (var sink = new JsonLinesAuditSink(path))
        {
            foreach (var record in written)
            {
                await sink.WriteAsync(record, None);
            }
        }

        Assert.Equal(written, await ReadAllAsync(path));
    }

    [Fact]
    public async Task A_completed_write_is_already_in_the_file_as_one_camel_case_line()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "audit.log");
        await using var sink = new JsonLinesAuditSink(path);

        await sink.WriteAsync(Numbered(7), None);

        var text = await ReadSharedAsync(path);
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var json = Assert.Single(lines);
        var node = JsonNode.Parse(json)!.AsObject();
        Assert.Equal("req-00007", (string?)node["requestId"]);
        Assert.Equal("2026-11-30T12:00:07.0000000Z", (string?)node["time"]);
        Assert.Equal("Conflict", (string?)node["reason"]);
    }

    [Fact]
    public async Task Concurrent_writers_produce_exactly_that_many_intact_lines()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "audit.log");
        const int Writers = 32;
        const int PerWriter = 100;

        // A tiny queue makes most writers wait for room: nothing may be dropped.
        await using var sink = new JsonLinesAuditSink(path, new JsonLinesAuditSinkOptions { QueueCapacity = 4 });
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < PerWriter; i++)
            {
                await sink.WriteAsync(Numbered((w * PerWriter) + i), None);
            }
        })));

        var lines = (await ReadSharedAsync(path)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Writers * PerWriter, lines.Length);
        var ids = lines.Select(l => AuditJson.TryDeserialize(l, out var r) ? r.RequestId : "corrupt").ToHashSet();
        Assert.Equal(Enumerable.Range(0, Writers * PerWriter).Select(i => Numbered(i).RequestId).ToHashSet(), ids);
    }

    [Fact]
    public async Task Concurrent_writers_across_rotations_lose_and_tear_nothing()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "audit.log");
        var options = new JsonLinesAuditSinkOptions { MaxBytes = 16 * 1024, RetainedFiles = 1000, QueueCapacity = 16 };

        await using (var sink = new JsonLinesAuditSink(path, options))
        {
            await Task.WhenAll(Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
            {
                for (var i = 0; i < 125; i++)
                {
                    await sink.WriteAsync(Numbered((w * 125) + i), None);
                }
            })));
        }

        var statistics = new AuditReadStatistics();
        var read = await ReadAllAsync(path, statistics: statistics);
        Assert.True(statistics.Files > 5, $"expected several rotations, got {statistics.Files} files");
        Assert.Equal(0, statistics.CorruptLines);
        Assert.Equal(2000, read.Count);
        Assert.Equal(2000, read.Select(r => r.RequestId).Distinct().Count());
    }

    [Fact]
    public async Task Rotation_keeps_the_newest_records_in_n_files_in_order()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "audit.log");
        var lineBytes = AuditJson.SerializeToUtf8Bytes(Uniform(100)).Length + 1;
        var options = new JsonLinesAuditSinkOptions { MaxBytes = lineBytes * 10, RetainedFiles = 3 };

        await using (var sink = new JsonLinesAuditSink(path, options))
        {
            for (var i = 100; i < 300; i++)
            {
                await sink.WriteAsync(Uniform(i), None);
            }

            Assert.Equal(0, sink.RotationFailures);
        }

        Assert.True(File.Exists(path));
        Assert.All(Enumerable.Range(1, 3), i => Assert.True(File.Exists($"{path}.{i}")));
        Assert.False(File.Exists($"{path}.4"));
        Assert.All(new[] { path, $"{path}.1", $"{path}.2", $"{path}.3" }, f => Assert.InRange(new FileInfo(f).Length, 1, options.MaxBytes));

        // 10 records a file, 4 files: the last 40 written, oldest file first.
        var read = await ReadAllAsync(path);
        Assert.Equal(Enumerable.Range(260, 40).Select(Uniform), read);
        Assert.Equal("req-00299", AuditJson.TryDeserialize(File.ReadLines(path).Last(), out var last) ? last.RequestId : null);
    }

    [Fact]
    public async Task With_no_retained_files_rotation_starts_the_file_afresh()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "audit.log");
        var lineBytes = AuditJson.SerializeToUtf8Bytes(Uniform(100)).Length + 1;

        await using (var sink = new JsonLinesAuditSink(path, new JsonLinesAuditSinkOptions { MaxBytes = lineBytes * 5, RetainedFiles = 0 }))
        {
            for (var i = 100; i < 112; i++)
            {
                await sink.WriteAsync(Uniform(i), None);
            }
        }

        Assert.Single(Directory.GetFiles(dir.Path));
        Assert.Equal(Enumerable.Range(110, 2).Select(Uniform), await ReadAllAsync(path));
    }

    [Fact]
    public async Task A_record_larger_than_the_limit_still_gets_written()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "audit.log");

        await using (var sink = new JsonLinesAuditSink(path, new JsonLinesAuditSinkOptions { MaxBytes = 10, RetainedFiles = 2 }))
        {
            await sink.WriteAsync(Numbered(1), None);
            await sink.WriteAsync(Numbered(2), None);
        }

        Assert.Equal([Numbered(1), Numbered(2)], await ReadAllAsync(path));
        Assert.Single(File.ReadLines(path));
        Assert.Single(File.ReadLines($"{path}.1"));
    }

    [Fact]
    public async Task When_rotation_fails_records_are_kept_in_the_current_file()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "audit.log");
        Directory.CreateDirectory($"{path}.1"); // a directory where the rotated file must go: rename and delete fail

        await using (var sink = new JsonLinesAuditSink(path, new JsonLinesAuditSinkOptions { MaxBytes = 10, RetainedFiles = 1 }))
        {
            for (var i = 0; i < 5; i++)
            {
                await sink.WriteAsync(Numbered(i), None);
            }

            Assert.Equal(4, sink.RotationFailures);
        }

        Assert.Equal(Enumerable.Range(0, 5).Select(Numbered), await ReadAllAsync(path));
    }

    [Fact]
    public async Task No_query_string_ends_up_in_the_file()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "audit.log");

        await using (var sink = new JsonLinesAuditSink(path))
        {
            await sink.WriteAsync(Numbered(1) with { Path = "/api/v1/namespaces/a/pods/p/exec?command=ls&access_token=s3cret" }, None);
        }

        var text = await File.ReadAllTextAsync(path);
        Assert.DoesNotContain("s3cret", text, StringComparison.Ordinal);
        Assert.DoesNotContain("access_token", text, StringComparison.Ordinal);
        Assert.Equal("/api/v1/namespaces/a/pods/p/exec", Assert.Single(await ReadAllAsync(path)).Path);
    }

    [Fact]
    public async Task After_a_torn_last_line_the_next_record_starts_on_a_line_of_its_own()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "audit.log");
        await using (var sink = new JsonLinesAuditSink(path))
        {
            await sink.WriteAsync(Numbered(1), None);
        }

        var torn = AuditJson.Serialize(Numbered(2));
        await File.AppendAllTextAsync(path, torn[..(torn.Length / 2)]);

        await using (var sink = new JsonLinesAuditSink(path))
        {
            await sink.WriteAsync(Numbered(3), None);
        }

        var statistics = new AuditReadStatistics();
        Assert.Equal([Numbered(1), Numbered(3)], await ReadAllAsync(path, statistics: statistics));
        Assert.Equal(1, statistics.CorruptLines);
    }

    [Fact]
    public async Task Writes_after_dispose_are_refused_and_earlier_ones_are_kept()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "audit.log");
        var sink = new JsonLinesAuditSink(path);
        var writes = Enumerable.Range(0, 50).Select(i => sink.WriteAsync(Numbered(i), None).AsTask()).ToList();
        await Task.WhenAll(writes);

        await sink.DisposeAsync();
        await sink.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => sink.WriteAsync(Numbered(99), None).AsTask());
        Assert.Equal(50, (await ReadAllAsync(path)).Count);
    }

    [Fact]
    public void Options_are_checked()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "audit.log");

        Assert.Throws<ArgumentOutOfRangeException>(() => new JsonLinesAuditSink(path, new JsonLinesAuditSinkOptions { MaxBytes = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new JsonLinesAuditSink(path, new JsonLinesAuditSinkOptions { RetainedFiles = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new JsonLinesAuditSink(path, new JsonLinesAuditSinkOptions { QueueCapacity = 0 }));
    }

    [Fact]
    public void The_default_path_is_beside_the_store_file()
    {
        using var dir = new TempDirectory();

        Assert.Equal(Path.Combine(dir.Path, "audit.log"), JsonLinesAuditSinkOptions.DefaultPathBeside(Path.Combine(dir.Path, "store.db")));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Files_are_readable_by_the_owner_only()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "audit.log");
        var lineBytes = AuditJson.SerializeToUtf8Bytes(Numbered(100)).Length + 1;
        const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

        await using (var sink = new JsonLinesAuditSink(path, new JsonLinesAuditSinkOptions { MaxBytes = lineBytes * 2 }))
        {
            for (var i = 100; i < 105; i++)
            {
                await sink.WriteAsync(Numbered(i), None);
            }
        }

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode($"{path}.1"));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode($"{path}.2"));

        // A file made earlier with a looser mode is tightened when the sink opens it.
        var older = Path.Combine(dir.Path, "older.log");
        await File.WriteAllTextAsync(older, "");
        File.SetUnixFileMode(older, OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        await using (var sink = new JsonLinesAuditSink(older))
        {
            await sink.WriteAsync(Numbered(1), None);
        }

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(older));
    }

    // Same-length lines (three-digit i), so a size limit means a known number of records a file.
    private static AuditRecord Uniform(int i) =>
        Numbered(i) with { User = "alice", Verb = "create", Namespace = "team-a", Resource = "crontabs", StatusCode = 201, Reason = null };

    private static async Task<string> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }
}
