using System.Text.Json.Nodes;
using CustomResources.Azure.Cosmos;
using CustomResources.Core.Storage;

namespace CustomResources.Azure.Tests.Cosmos;

/// <summary>
/// Paging over change-feed pages, with a fake feed (the stand-in's feed does not advance): limits that cut a page,
/// filtering by collection, foreign documents, catching up.
/// </summary>
public sealed class ChangeFeedPagingTests
{
    private static readonly CollectionKey Widgets = new("example.com", "widgets", "default");

    // Continuation "0" holds a, b(other ns), c; "1" holds d, foreign, e; "2" is the end of the feed.
    private static readonly Dictionary<string, FeedPage> Feed = new()
    {
        ["0"] = new FeedPage(true, [Document("a"), Document("b", ns: "other"), Document("c")], "1"),
        ["1"] = new FeedPage(true, [Document("d"), new JsonObject { ["id"] = "lease" }, Document("e", writes: 2)], "2"),
        ["2"] = new FeedPage(false, [], "2"),
    };

    private static JsonObject Document(string name, string ns = "default", long writes = 1)
    {
        var document = CosmosResourceDocument.Create(
            new ObjectKey("example.com", "widgets", ns, name),
            new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } },
            writes,
            deleted: false,
            DateTimeOffset.UnixEpoch,
            null);
        document["_etag"] = $"\"etag-{name}\"";
        return document;
    }

    private static Task<(List<ObjectChange> Changes, string Continuation, int Skip)> Read(string continuation, int skip, CollectionKey? collection, int limit) =>
        ChangeFeedPaging.ReadAsync((c, _) => Task.FromResult(Feed[c]), continuation, skip, collection, limit, maxPages: 100, CancellationToken.None);

    [Fact]
    public async Task A_large_limit_reads_to_the_end_and_returns_the_feeds_continuation()
    {
        var (changes, continuation, skip) = await Read("0", 0, null, 100);

        Assert.Equal(["a", "b", "c", "d", "e"], changes.Select(c => c.Key.Name));
        Assert.Equal(ChangeType.Modified, changes[^1].Type);
        Assert.Equal(("2", 0), (continuation, skip));
    }

    [Fact]
    public async Task A_limit_inside_a_page_resumes_after_what_was_handed_out()
    {
        var seen = new List<string>();
        var positions = new List<(string, int)>();
        var (continuation, skip) = ("0", 0);
        for (var reads = 0; reads < 10; reads++)
        {
            var batch = await Read(continuation, skip, null, 2);
            seen.AddRange(batch.Changes.Select(c => c.Key.Name));
            (continuation, skip) = (batch.Continuation, batch.Skip);
            positions.Add((continuation, skip));
            if (batch.Changes.Count == 0)
            {
                break;
            }
        }

        Assert.Equal(["a", "b", "c", "d", "e"], seen);
        Assert.Equal([("0", 2), ("1", 1), ("2", 0), ("2", 0)], positions);
    }

    [Fact]
    public async Task Only_the_collections_changes_count_against_the_limit_and_the_position_passes_the_rest()
    {
        var first = await Read("0", 0, Widgets, 2);
        var second = await Read(first.Continuation, first.Skip, Widgets, 2);

        Assert.Equal(["a", "c"], first.Changes.Select(c => c.Key.Name));
        Assert.Equal(("1", 0), (first.Continuation, first.Skip));
        Assert.Equal(["d", "e"], second.Changes.Select(c => c.Key.Name));
        Assert.Equal(("2", 0), (second.Continuation, second.Skip));
        Assert.Empty((await Read(second.Continuation, second.Skip, new CollectionKey("example.com", "gadgets", null), 5)).Changes);
    }

    [Fact]
    public async Task Reading_stops_after_the_page_budget()
    {
        var batch = await ChangeFeedPaging.ReadAsync((c, _) => Task.FromResult(Feed[c]), "0", 0, new CollectionKey("example.com", "gadgets", null), 10, maxPages: 1, CancellationToken.None);

        Assert.Empty(batch.Changes);
        Assert.Equal(("1", 0), (batch.Continuation, batch.Skip));
    }
}
