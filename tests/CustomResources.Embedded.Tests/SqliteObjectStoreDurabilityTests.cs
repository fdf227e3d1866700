using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CustomResources.Core.Storage;
using CustomResources.Embedded.Sqlite;
using Microsoft.Data.Sqlite;

namespace CustomResources.Embedded.Tests;

public sealed partial class SqliteObjectStoreDurabilityTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TempDirectory directory = new();

    private string DatabasePath => Path.Combine(directory.Path, "data", "store.db");

    public void Dispose() => directory.Dispose();

    [Fact]
    public async Task The_constructor_creates_the_directory_and_an_empty_store()
    {
        using var store = Open();

        Assert.True(File.Exists(DatabasePath));
        Assert.Equal(0, await store.CountAsync(new CollectionKey("g", "things", null), None));
    }

    [Fact]
    public async Task Data_survives_dispose_and_reopen()
    {
        StoredObject kept, updated;
        using (var store = Open())
        {
            kept = await store.CreateAsync(Key("kept"), Thing("kept", 1), None);
            var changing = await store.CreateAsync(Key("changed"), Thing("changed", 1), None);
            updated = await store.UpdateAsync(Key("changed"), Thing("changed", 2), changing.ResourceVersion, None);
            await store.CreateAsync(Key("gone"), Thing("gone", 1), None);
            await store.DeleteAsync(Key("gone"), null, None);
        }

        using (var store = Open())
        {
            var readKept = await store.GetAsync(Key("kept"), None);
            var readUpdated = await store.GetAsync(Key("changed"), None);
            Assert.Equal(kept.ResourceVersion, readKept!.ResourceVersion);
            Assert.Equal(updated.ResourceVersion, readUpdated!.ResourceVersion);
            Assert.Equal(2, readUpdated.Object["spec"]!["value"]!.GetValue<int>());
            Assert.Null(await store.GetAsync(Key("gone"), None));
            Assert.Equal(2, await store.CountAsync(new CollectionKey("g", "things", "ns"), None));

            // Versions keep increasing after a reopen; they are never reused.
            var next = await store.UpdateAsync(Key("kept"), Thing("kept", 3), kept.ResourceVersion, None);
            Assert.True(long.Parse(next.ResourceVersion) > long.Parse(updated.ResourceVersion) + 1);
        }
    }

    [Fact]
    public async Task Every_acknowledged_write_survives_kill_9()
    {
        const int Wanted = 200;
        var committed = new List<string>();
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new System.Text.StringBuilder();

        var start = new ProcessStartInfo(BuiltExecutables.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(BuiltExecutables.AssemblyPath("CrashProbePath"));
        start.ArgumentList.Add(DatabasePath);

        using var probe = new Process { StartInfo = start };
        probe.OutputDataReceived += (_, e) =>
        {
            // Only whole lines count: the kill may cut the last line short.
            if (e.Data is { } line && CommittedLine().Match(line) is { Success: true } match)
            {
                lock (committed)
                {
                    committed.Add(match.Groups[1].Value);
                    if (committed.Count >= Wanted)
                    {
                        enough.TrySetResult();
                    }
                }
            }
        };
        probe.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };

        Assert.True(probe.Start());
        probe.BeginOutputReadLine();
        probe.BeginErrorReadLine();
        try
        {
            var first = await Task.WhenAny(enough.Task, probe.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(90)));
            Assert.True(first == enough.Task, $"the probe did not commit {Wanted} objects; stderr: {errors}");
        }
        finally
        {
            // SIGKILL on Linux: no finalizers, no dispose, no checkpoint.
            probe.Kill(entireProcessTree: true);
            await probe.WaitForExitAsync();
        }

        string[] acknowledged;
        lock (committed)
        {
            acknowledged = [.. committed];
        }

        Assert.True(acknowledged.Length >= Wanted);
        Assert.Equal("ok", IntegrityCheck());

        using var store = Open();
        foreach (var name in acknowledged)
        {
            var read = await store.GetAsync(new ObjectKey("example.com", "widgets", "crash", name), None);
            Assert.True(read is not null, $"{name} was acknowledged but is missing after kill -9");
        }

        Assert.True(await store.CountAsync(new CollectionKey("example.com", "widgets", "crash"), None) >= acknowledged.Length);

        // The reopened store accepts writes.
        await store.CreateAsync(new ObjectKey("example.com", "widgets", "crash", "after-crash"), Thing("after-crash", 1), None);
    }

    private SqliteObjectStore Open() => new(new SqliteStoreOptions { Path = DatabasePath });

    private string IntegrityCheck()
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        return (string)command.ExecuteScalar()!;
    }

    private static ObjectKey Key(string name) => new("g", "things", "ns", name);

    private static JsonObject Thing(string name, int value) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "ns" },
        ["spec"] = new JsonObject { ["value"] = value },
    };

    [GeneratedRegex(@"^committed (probe-\d{8})$")]
    private static partial Regex CommittedLine();
}
