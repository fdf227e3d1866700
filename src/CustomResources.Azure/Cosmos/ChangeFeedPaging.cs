using System.Text.Json.Nodes;
using CustomResources.Core.Storage;

namespace CustomResources.Azure.Cosmos;

/// <summary>One read of the change feed: whether it had changes, its documents, and where the feed continues.</summary>
internal sealed record FeedPage(bool Modified, IReadOnlyList<JsonObject> Documents, string Continuation);

/// <summary>
/// Turns change-feed pages into a change batch of at most <c>limit</c> changes of one collection (or of all).
/// </summary>
/// <remarks>
/// A position is (continuation of a page, documents of that page already handed out). A page can hold more documents
/// than the caller's limit, and a continuation cannot point inside a page, so a read that stops in the middle of a page
/// returns that page's continuation with the number of its documents it has passed; the next read skips them.
/// </remarks>
internal static class ChangeFeedPaging
{
    public static async Task<(List<ObjectChange> Changes, string Continuation, int Skip)> ReadAsync(
        Func<string, CancellationToken, Task<FeedPage>> readPage,
        string continuation,
        int skip,
        CollectionKey? collection,
        int limit,
        int maxPages,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(readPage);
        var changes = new List<ObjectChange>();
        for (var pages = 0; pages < maxPages; pages++)
        {
            var page = await readPage(continuation, cancellationToken).ConfigureAwait(false);
            if (!page.Modified)
            {
                // Caught up: the feed's continuation is past everything read so far.
                return (changes, page.Continuation, 0);
            }

            for (var index = skip; index < page.Documents.Count; index++)
            {
                if (changes.Count == limit)
                {
                    return (changes, continuation, index);
                }

                if (ToChange(page.Documents[index]) is { } change && (collection is null || InCollection(change.Key, collection.Value)))
                {
                    changes.Add(change);
                }
            }

            continuation = page.Continuation;
            skip = 0;
            if (changes.Count == limit)
            {
                break;
            }
        }

        return (changes, continuation, skip);
    }

    // A document that is not one of ours (written by someone else into the container) is not a change of any object.
    private static ObjectChange? ToChange(JsonObject document)
    {
        try
        {
            return CosmosResourceDocument.ToChange(document);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static bool InCollection(ObjectKey key, CollectionKey collection) =>
        key.Group == collection.Group && key.Resource == collection.Resource && (collection.Namespace is null || key.Namespace == collection.Namespace);
}
