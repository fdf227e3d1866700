using CustomResources.Core.Definitions;
using CustomResources.Core.Errors;
using CustomResources.Core.Storage;

namespace CustomResources.Core.Objects;

/// <summary>Operations on whole collections.</summary>
public sealed partial class ResourceService
{
    /// <summary>
    /// <c>deletecollection</c>: deletes every object of the collection that matches the selectors, each with the usual
    /// semantics (finalizers, propagation), and returns them as deleted or marked. Namespaces cannot be deleted this way.
    /// </summary>
    public async Task<IReadOnlyList<StoredObject>> DeleteCollectionAsync(ResourceTarget target, string? ns, ListOptions selection, DeleteOptions options, CancellationToken cancellationToken)
    {
        if (target.Definition == BuiltInDefinitions.Namespaces)
        {
            throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource: namespaces cannot be deleted as a collection");
        }

        var matching = new List<StoredObject>();
        string? token = null;
        do
        {
            var page = await ListAsync(target, ns, selection with { Limit = 500, Continue = token }, cancellationToken);
            matching.AddRange(page.Items);
            token = page.Continue;
        }
        while (token is not null);

        var deleted = new List<StoredObject>();
        foreach (var item in matching)
        {
            var itemNamespace = target.Definition.Namespaced ? ObjectMetadata.GetString(item.Object["metadata"]?["namespace"]) : null;
            try
            {
                deleted.Add(await DeleteAsync(target, itemNamespace, ObjectMetadata.Name(item.Object), options, cancellationToken));
            }
            catch (ApiException e) when (e.Code == 404)
            {
                // Deleted meanwhile: nothing left to do for it.
            }
        }

        return deleted;
    }
}
