// Crash probe for the SQLite store: writes objects in a loop and prints "committed <name>" after each commit
// returns. A test kills the process with SIGKILL and checks that every printed name survived.
// Usage: CustomResources.StoreCrashProbe <database path>
using System.Text.Json.Nodes;
using CustomResources.Core.Storage;
using CustomResources.Embedded.Sqlite;

if (args.Length != 1)
{
    await Console.Error.WriteLineAsync("usage: CustomResources.StoreCrashProbe <database path>");
    return 2;
}

using var store = new SqliteObjectStore(new SqliteStoreOptions { Path = args[0] });
var stdout = Console.Out;

// Stop by itself if nobody kills it, so an aborted test run leaves no process behind.
var deadline = DateTime.UtcNow.AddMinutes(2);
for (var i = 0; DateTime.UtcNow < deadline; i++)
{
    var name = $"probe-{i:D8}";
    var value = new JsonObject
    {
        ["apiVersion"] = "example.com/v1",
        ["kind"] = "Widget",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "crash" },
        ["spec"] = new JsonObject { ["index"] = i, ["padding"] = new string('x', 200) },
    };
    var created = await store.CreateAsync(new ObjectKey("example.com", "widgets", "crash", name), value, CancellationToken.None);

    // Keep the write path busy with updates too, so the kill can land in any kind of transaction.
    if (i % 4 == 0)
    {
        await store.UpdateAsync(new ObjectKey("example.com", "widgets", "crash", name), created.Object, created.ResourceVersion, CancellationToken.None);
    }

    await stdout.WriteLineAsync($"committed {name}");
    await stdout.FlushAsync();
}

return 0;
