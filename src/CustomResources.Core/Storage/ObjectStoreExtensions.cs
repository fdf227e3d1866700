using System.Runtime.CompilerServices;

namespace CustomResources.Core.Storage;

public static class ObjectStoreExtensions
{
    /// <summary>The page size <see cref="ListAllAsync"/> reads with.</summary>
    public const int ListAllPageSize = 500;

    /// <summary>Every object of <paramref name="collection"/>, read page by page (each page a consistent read of its own).</summary>
    public static async IAsyncEnumerable<StoredObject> ListAllAsync(this IObjectStore store, CollectionKey collection, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        string? token = null;
        do
        {
            var page = await store.ListAsync(collection, new ListRequest(ListAllPageSize, token), cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items)
            {
                yield return item;
            }

            token = page.Continue;
        }
        while (token is not null);
    }
}
