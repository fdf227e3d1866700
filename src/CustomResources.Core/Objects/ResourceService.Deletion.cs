using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;
using CustomResources.Core.Errors;
using CustomResources.Core.Schema;
using CustomResources.Core.Storage;

namespace CustomResources.Core.Objects;

/// <summary>Deletion: finalizers, namespaces and definitions that wait for their contents, owner references.</summary>
public sealed partial class ResourceService
{
    public async Task<StoredObject> DeleteAsync(ResourceTarget target, string? ns, string name, DeleteOptions options, CancellationToken cancellationToken)
    {
        var key = Key(target, ns, name);
        var current = await store.GetAsync(key, cancellationToken)
            ?? throw ApiException.NotFound(target.Plural, target.Group, name);
        var meta = ObjectMetadata.Metadata(current.Object);
        if (options.PreconditionUid is { } uid && uid != ObjectMetadata.GetString(meta["uid"]))
        {
            throw ApiException.Conflict(target.Plural, target.Group, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {ObjectMetadata.GetString(meta["uid"])}");
        }

        if (options.PreconditionResourceVersion is { } rv && rv != current.ResourceVersion)
        {
            throw ApiException.Conflict(target.Plural, target.Group, name, $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {current.ResourceVersion}");
        }

        if (target.Definition == BuiltInDefinitions.CustomResourceDefinitions)
        {
            await DeleteDefinitionObjectsAsync(current.Object, options, cancellationToken);
        }
        else if (target.Definition == BuiltInDefinitions.Namespaces)
        {
            await DeleteNamespaceObjectsAsync(name, options, cancellationToken);
        }

        if (options.DryRun)
        {
            return InVersion(current, target);
        }

        try
        {
            return InVersion(await store.DeleteAsync(key, current.ResourceVersion, cancellationToken), target);
        }
        catch (StoreException e) when (e.Kind == StoreErrorKind.NotFound)
        {
            throw ApiException.NotFound(target.Plural, target.Group, name);
        }
        catch (StoreException e) when (e.Kind == StoreErrorKind.Conflict)
        {
            throw ApiException.Conflict(target.Plural, target.Group, name, "the object has been modified; please apply your changes to the latest version and try again");
        }
    }

    private async Task DeleteDefinitionObjectsAsync(JsonObject crd, DeleteOptions options, CancellationToken cancellationToken)
    {
        if (DefinitionParser.Parse(crd).Definition is not { } definition)
        {
            return;
        }

        var collection = new CollectionKey(definition.Group, definition.Names.Plural, null);
        var count = await store.CountAsync(collection, cancellationToken);
        if (count == 0)
        {
            return;
        }

        if (options.PropagationPolicy is not ("Background" or "Foreground"))
        {
            throw new ApiException(409, "Conflict",
                $"customresourcedefinitions.apiextensions.k8s.io \"{definition.Name}\" still has {count} object(s); delete them first, or delete the definition with propagationPolicy=Background or Foreground to delete them with it",
                new ErrorSubject(BuiltInDefinitions.ApiExtensionsGroup, "customresourcedefinitions", definition.Name));
        }

        if (!options.DryRun)
        {
            await DeleteAllAsync(collection, cancellationToken);
        }
    }

    private async Task DeleteNamespaceObjectsAsync(string ns, DeleteOptions options, CancellationToken cancellationToken)
    {
        if (ns is "default")
        {
            throw new ApiException(403, "Forbidden", "namespaces \"default\" is forbidden: this namespace may not be deleted", new ErrorSubject("", "namespaces", ns));
        }

        if (options.DryRun)
        {
            return;
        }

        foreach (var entry in await catalog.ListAsync(cancellationToken))
        {
            if (entry.Definition.Namespaced)
            {
                await DeleteAllAsync(new CollectionKey(entry.Definition.Group, entry.Definition.Names.Plural, ns), cancellationToken);
            }
        }
    }

    private async Task DeleteAllAsync(CollectionKey collection, CancellationToken cancellationToken)
    {
        while (true)
        {
            var page = await store.ListAsync(collection, new ListRequest(500), cancellationToken);
            foreach (var item in page.Items)
            {
                var meta = ObjectMetadata.Metadata(item.Object);
                var key = new ObjectKey(collection.Group, collection.Resource, ObjectMetadata.GetString(meta["namespace"]) ?? "", ObjectMetadata.Name(item.Object));
                try
                {
                    await store.DeleteAsync(key, null, cancellationToken);
                }
                catch (StoreException e) when (e.Kind == StoreErrorKind.NotFound)
                {
                    // Deleted concurrently: the goal is reached.
                }
            }

            if (page.Continue is null || page.Items.Count == 0)
            {
                return;
            }
        }
    }
}
