using System.Text.Json.Nodes;
using CustomResources.Core.Admission;
using CustomResources.Core.Definitions;
using CustomResources.Core.Errors;
using CustomResources.Core.Storage;

namespace CustomResources.Core.Objects;

/// <summary>
/// Deletion, as Kubernetes does it: an object with finalizers is only marked (<c>deletionTimestamp</c>) and goes
/// when its last finalizer is removed; a namespace or a definition is marked Terminating, deletes its contents
/// (honouring their finalizers) and goes once empty; owner references propagate deletion to dependents
/// (Background: after the owner; Foreground: before it; Orphan: never).
/// </summary>
public sealed partial class ResourceService
{
    private const int CompletionRetries = 5;

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

        if (target.Definition == BuiltInDefinitions.Namespaces && name == "default")
        {
            throw new ApiException(403, "Forbidden", "namespaces \"default\" is forbidden: this namespace may not be deleted", new ErrorSubject("", "namespaces", name));
        }

        if (target.Definition == BuiltInDefinitions.CustomResourceDefinitions)
        {
            await CheckDefinitionCascadeAsync(current.Object, options, cancellationToken);
        }

        if (admission is not null)
        {
            // Validating webhooks see DELETE with the object as oldObject (mutating webhooks are not called for DELETE).
            var request = new AdmissionRequest(
                "DELETE",
                target.Definition,
                target.Version.Name,
                "",
                target.Definition.Namespaced ? key.Namespace : null,
                name,
                null,
                InVersion(current, target).Object,
                options.DryRun,
                AdmissionWebhooks.Options("DELETE", options.DryRun, options.PropagationPolicy));
            await admission.ValidateAsync(request, [], cancellationToken);
        }

        if (options.DryRun)
        {
            return InVersion(current, target);
        }

        var deleted = await DeleteObjectAsync(target.Definition, key, current, options.PropagationPolicy ?? "Background", collectDependents: true, cancellationToken);
        return InVersion(deleted, target);
    }

    /// <summary>
    /// Deletes or marks one object and propagates per <paramref name="policy"/>. Returns the object as the client
    /// should see it: its last state when removed, or the marked object while something still holds it.
    /// </summary>
    private async Task<StoredObject> DeleteObjectAsync(ResourceDefinition definition, ObjectKey key, StoredObject current, string policy, bool collectDependents, CancellationToken cancellationToken)
    {
        var obj = current.Object;
        if (policy == "Orphan")
        {
            await OrphanDependentsAsync(definition, obj, cancellationToken);
        }

        var finalizers = Finalizers.Of(obj);
        if (policy == "Foreground" && !finalizers.Contains(Finalizers.ForegroundDeletion) && (await FindDependentsAsync(definition, obj, cancellationToken)).Count > 0)
        {
            finalizers.Add(Finalizers.ForegroundDeletion);
        }

        var container = IsContainer(definition);
        if (!Finalizers.IsDeleting(obj) && finalizers.Count == 0 && !container)
        {
            var removed = await RemoveAsync(definition, key, current.ResourceVersion, cancellationToken);
            await AfterRemovalAsync(definition, removed.Object, collectDependents && policy != "Orphan", cancellationToken);
            return removed;
        }

        if (!Finalizers.IsDeleting(obj) || !finalizers.SequenceEqual(Finalizers.Of(obj)))
        {
            MarkDeleting(definition, obj, finalizers);
            current = await WriteMarkedAsync(definition, key, obj, current.ResourceVersion, cancellationToken);
        }

        if (container)
        {
            await DeleteContentsAsync(definition, current.Object, cancellationToken);
        }

        if (policy == "Foreground")
        {
            foreach (var dependent in await FindDependentsAsync(definition, current.Object, cancellationToken))
            {
                await DeleteQuietlyAsync(dependent.Definition, dependent.Key, dependent.Stored, "Foreground", collectDependents: true, cancellationToken);
            }
        }

        return await CompleteDeletionAsync(definition, key, cancellationToken) ?? current;
    }

    /// <summary>
    /// Finishes the deletion of a marked object once nothing holds it: no finalizers (a Foreground owner's
    /// finalizer is released when its dependents are gone) and, for namespaces and definitions, no contents.
    /// Returns the removed object, the still-marked object, or null when it is already gone.
    /// </summary>
    private async Task<StoredObject?> CompleteDeletionAsync(ResourceDefinition definition, ObjectKey key, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var current = await store.GetAsync(key, cancellationToken);
            if (current is null || !Finalizers.IsDeleting(current.Object))
            {
                return current;
            }

            try
            {
                var finalizers = Finalizers.Of(current.Object);
                if (finalizers.Contains(Finalizers.ForegroundDeletion) && (await FindDependentsAsync(definition, current.Object, cancellationToken)).Count == 0)
                {
                    finalizers.Remove(Finalizers.ForegroundDeletion);
                    Finalizers.Set(current.Object, finalizers);
                    current = await WriteMarkedAsync(definition, key, current.Object, current.ResourceVersion, cancellationToken);
                }

                if (finalizers.Count > 0 || (IsContainer(definition) && await HasContentsAsync(definition, current.Object, cancellationToken)))
                {
                    return current;
                }

                var removed = await RemoveAsync(definition, key, current.ResourceVersion, cancellationToken);
                await AfterRemovalAsync(definition, removed.Object, collectDependents: true, cancellationToken);
                return removed;
            }
            catch (ApiException e) when (e.Code is 404 or 409 && attempt < CompletionRetries)
            {
                // Someone else changed or finished it meanwhile; look again.
            }
        }
    }

    /// <summary>After an object is gone: collect its dependents, and release whatever waited for it.</summary>
    private async Task AfterRemovalAsync(ResourceDefinition definition, JsonObject removed, bool collectDependents, CancellationToken cancellationToken)
    {
        if (collectDependents)
        {
            await CollectDependentsAsync(definition, removed, cancellationToken);
        }

        var ns = ObjectMetadata.GetString(removed["metadata"]?["namespace"]);
        if (!string.IsNullOrEmpty(ns))
        {
            await CompleteDeletionAsync(BuiltInDefinitions.Namespaces, NamespaceKey(ns), cancellationToken);
        }

        if (!definition.BuiltIn)
        {
            await CompleteDeletionAsync(BuiltInDefinitions.CustomResourceDefinitions, DefinitionCatalog.DefinitionKey(definition.Name), cancellationToken);
        }

        foreach (var reference in OwnerReferences(removed))
        {
            if (await ResolveOwnerAsync(reference, ns ?? "", cancellationToken) is { } owner)
            {
                await CompleteDeletionAsync(owner.Definition, owner.Key, cancellationToken);
            }
        }
    }

    /// <summary>Background collection: a dependent whose owners are all gone is deleted; one with a living owner only loses the dangling reference.</summary>
    private async Task CollectDependentsAsync(ResourceDefinition definition, JsonObject removed, CancellationToken cancellationToken)
    {
        var uid = ObjectMetadata.GetString(removed["metadata"]?["uid"]);
        foreach (var dependent in await FindDependentsAsync(definition, removed, cancellationToken))
        {
            var others = OwnerReferences(dependent.Stored.Object).Where(r => ObjectMetadata.GetString(r["uid"]) != uid).ToList();
            var alive = false;
            foreach (var other in others)
            {
                alive |= await ResolveOwnerAsync(other, dependent.Key.Namespace, cancellationToken) is not null;
            }

            if (alive)
            {
                await RemoveOwnerReferenceAsync(dependent, uid!, cancellationToken);
            }
            else
            {
                await DeleteQuietlyAsync(dependent.Definition, dependent.Key, dependent.Stored, "Background", collectDependents: true, cancellationToken);
            }
        }
    }

    private async Task OrphanDependentsAsync(ResourceDefinition definition, JsonObject owner, CancellationToken cancellationToken)
    {
        var uid = ObjectMetadata.GetString(owner["metadata"]?["uid"])!;
        foreach (var dependent in await FindDependentsAsync(definition, owner, cancellationToken))
        {
            await RemoveOwnerReferenceAsync(dependent, uid, cancellationToken);
        }
    }

    private async Task RemoveOwnerReferenceAsync(Dependent dependent, string ownerUid, CancellationToken cancellationToken)
    {
        var stored = dependent.Stored;
        for (var attempt = 0; attempt <= CompletionRetries; attempt++)
        {
            var obj = stored.Object;
            var remaining = OwnerReferences(obj).Where(r => ObjectMetadata.GetString(r["uid"]) != ownerUid).Select(r => (JsonNode)r.DeepClone()).ToArray();
            var meta = ObjectMetadata.Metadata(obj);
            if (remaining.Length == 0)
            {
                meta.Remove("ownerReferences");
            }
            else
            {
                meta["ownerReferences"] = new JsonArray(remaining);
            }

            try
            {
                await store.UpdateAsync(dependent.Key, obj, stored.ResourceVersion, cancellationToken);
                return;
            }
            catch (StoreException e) when (e.Kind == StoreErrorKind.Conflict)
            {
                stored = await store.GetAsync(dependent.Key, cancellationToken) ?? stored;
            }
            catch (StoreException e) when (e.Kind == StoreErrorKind.NotFound)
            {
                return;
            }
        }
    }

    private sealed record Dependent(ResourceDefinition Definition, ObjectKey Key, StoredObject Stored);

    /// <summary>
    /// Objects whose <c>ownerReferences</c> name this owner's uid. Dependents of a namespaced owner live in its
    /// namespace (Kubernetes forbids cross-namespace owners); a cluster-scoped owner's may live anywhere.
    /// This scans those collections: O(objects in scope) per owner.
    /// </summary>
    private async Task<List<Dependent>> FindDependentsAsync(ResourceDefinition ownerDefinition, JsonObject owner, CancellationToken cancellationToken)
    {
        var dependents = new List<Dependent>();
        var uid = ObjectMetadata.GetString(owner["metadata"]?["uid"]);
        if (uid is null || ownerDefinition == BuiltInDefinitions.CustomResourceDefinitions)
        {
            return dependents;
        }

        var ownerNamespace = ObjectMetadata.GetString(owner["metadata"]?["namespace"]) ?? "";
        foreach (var entry in await catalog.ListAsync(cancellationToken))
        {
            var definition = entry.Definition;
            if (definition.BuiltIn || (ownerNamespace.Length > 0 && !definition.Namespaced))
            {
                continue;
            }

            var scope = definition.Namespaced ? (ownerNamespace.Length > 0 ? ownerNamespace : null) : "";
            await foreach (var item in store.ListAllAsync(new CollectionKey(definition.Group, definition.Names.Plural, scope), cancellationToken))
            {
                if (OwnerReferences(item.Object).Any(r => ObjectMetadata.GetString(r["uid"]) == uid))
                {
                    var ns = ObjectMetadata.GetString(item.Object["metadata"]?["namespace"]) ?? "";
                    dependents.Add(new Dependent(definition, new ObjectKey(definition.Group, definition.Names.Plural, ns, ObjectMetadata.Name(item.Object)), item));
                }
            }
        }

        return dependents;
    }

    /// <summary>The living owner an owner reference points at (same uid), or null.</summary>
    private async Task<(ResourceDefinition Definition, ObjectKey Key)?> ResolveOwnerAsync(JsonObject reference, string dependentNamespace, CancellationToken cancellationToken)
    {
        var apiVersion = ObjectMetadata.GetString(reference["apiVersion"]) ?? "";
        var kind = ObjectMetadata.GetString(reference["kind"]);
        var name = ObjectMetadata.GetString(reference["name"]);
        var uid = ObjectMetadata.GetString(reference["uid"]);
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        var group = slash < 0 ? "" : apiVersion[..slash];
        if (kind is null || name is null || uid is null)
        {
            return null;
        }

        foreach (var entry in await catalog.ListAsync(cancellationToken))
        {
            if (entry.Definition.Group != group || entry.Definition.Names.Kind != kind)
            {
                continue;
            }

            var key = new ObjectKey(group, entry.Definition.Names.Plural, entry.Definition.Namespaced ? dependentNamespace : "", name);
            if (!NameRules.IsDns1123Subdomain(name) || (key.Namespace.Length > 0 && !NameRules.IsDns1123Label(key.Namespace)))
            {
                return null;
            }

            var owner = await store.GetAsync(key, cancellationToken);
            return owner is not null && ObjectMetadata.GetString(owner.Object["metadata"]?["uid"]) == uid ? (entry.Definition, key) : null;
        }

        return null;
    }

    private static IEnumerable<JsonObject> OwnerReferences(JsonObject obj) =>
        (obj["metadata"]?["ownerReferences"] as JsonArray)?.OfType<JsonObject>() ?? [];

    /// <summary>Namespaces and definitions hold objects: they are marked Terminating and go once empty.</summary>
    private static bool IsContainer(ResourceDefinition definition) =>
        definition == BuiltInDefinitions.Namespaces || definition == BuiltInDefinitions.CustomResourceDefinitions;

    private void MarkDeleting(ResourceDefinition definition, JsonObject obj, List<string> finalizers)
    {
        var meta = ObjectMetadata.Metadata(obj);
        var now = ObjectMetadata.Timestamp(clock.GetUtcNow());
        meta["deletionTimestamp"] ??= now;
        meta["deletionGracePeriodSeconds"] ??= 0;
        Finalizers.Set(obj, finalizers);
        if (definition == BuiltInDefinitions.Namespaces)
        {
            var status = obj["status"] as JsonObject ?? new JsonObject();
            status["phase"] = "Terminating";
            obj["status"] = status;
        }
        else if (definition == BuiltInDefinitions.CustomResourceDefinitions && obj["status"]?["conditions"] is JsonArray conditions
            && !conditions.OfType<JsonObject>().Any(c => ObjectMetadata.GetString(c["type"]) == "Terminating"))
        {
            conditions.Add(new JsonObject
            {
                ["type"] = "Terminating",
                ["status"] = "True",
                ["lastTransitionTime"] = now,
                ["reason"] = "InstanceDeletionInProgress",
                ["message"] = "CustomResource deletion is in progress",
            });
        }
    }

    private async Task CheckDefinitionCascadeAsync(JsonObject crd, DeleteOptions options, CancellationToken cancellationToken)
    {
        if (DefinitionParser.Parse(crd).Definition is not { } definition)
        {
            return;
        }

        var count = await store.CountAsync(new CollectionKey(definition.Group, definition.Names.Plural, null), cancellationToken);
        if (count > 0 && options.PropagationPolicy is not ("Background" or "Foreground"))
        {
            throw new ApiException(409, "Conflict",
                $"customresourcedefinitions.apiextensions.k8s.io \"{definition.Name}\" still has {count} object(s); delete them first, or delete the definition with propagationPolicy=Background or Foreground to delete them with it",
                new ErrorSubject(BuiltInDefinitions.ApiExtensionsGroup, "customresourcedefinitions", definition.Name));
        }
    }

    /// <summary>Deletes everything a namespace or definition holds, each object with its own finalizers honoured.</summary>
    private async Task DeleteContentsAsync(ResourceDefinition container, JsonObject obj, CancellationToken cancellationToken)
    {
        foreach (var (definition, collection) in await ContentsAsync(container, obj, cancellationToken))
        {
            // Everything in a namespace goes, so owner references inside it need no separate collection.
            var collect = container != BuiltInDefinitions.Namespaces;
            await foreach (var item in store.ListAllAsync(collection, cancellationToken))
            {
                if (Finalizers.IsDeleting(item.Object))
                {
                    continue;
                }

                var ns = ObjectMetadata.GetString(item.Object["metadata"]?["namespace"]) ?? "";
                var key = new ObjectKey(collection.Group, collection.Resource, ns, ObjectMetadata.Name(item.Object));
                await DeleteQuietlyAsync(definition, key, item, "Background", collect, cancellationToken);
            }
        }
    }

    private async Task<bool> HasContentsAsync(ResourceDefinition container, JsonObject obj, CancellationToken cancellationToken)
    {
        foreach (var (_, collection) in await ContentsAsync(container, obj, cancellationToken))
        {
            if (await store.CountAsync(collection, cancellationToken) > 0)
            {
                return true;
            }
        }

        return false;
    }

    private async Task<List<(ResourceDefinition Definition, CollectionKey Collection)>> ContentsAsync(ResourceDefinition container, JsonObject obj, CancellationToken cancellationToken)
    {
        var result = new List<(ResourceDefinition, CollectionKey)>();
        if (container == BuiltInDefinitions.Namespaces)
        {
            var ns = ObjectMetadata.Name(obj);
            foreach (var entry in await catalog.ListAsync(cancellationToken))
            {
                if (entry.Definition.Namespaced)
                {
                    result.Add((entry.Definition, new CollectionKey(entry.Definition.Group, entry.Definition.Names.Plural, ns)));
                }
            }
        }
        else if (container == BuiltInDefinitions.CustomResourceDefinitions && DefinitionParser.Parse(obj).Definition is { } definition)
        {
            result.Add((definition, new CollectionKey(definition.Group, definition.Names.Plural, definition.Namespaced ? null : "")));
        }

        return result;
    }

    /// <summary>Deletes an object found while propagating; one deleted or changed concurrently needs nothing more.</summary>
    private async Task DeleteQuietlyAsync(ResourceDefinition definition, ObjectKey key, StoredObject stored, string policy, bool collectDependents, CancellationToken cancellationToken)
    {
        try
        {
            await DeleteObjectAsync(definition, key, stored, policy, collectDependents, cancellationToken);
        }
        catch (ApiException e) when (e.Code is 404 or 409)
        {
            // Gone or changed meanwhile: whoever changed it drives it from here (a later completion pass finishes it).
        }
    }

    private async Task<StoredObject> WriteMarkedAsync(ResourceDefinition definition, ObjectKey key, JsonObject obj, string resourceVersion, CancellationToken cancellationToken)
    {
        try
        {
            return await store.UpdateAsync(key, obj, resourceVersion, cancellationToken);
        }
        catch (StoreException e) when (e.Kind == StoreErrorKind.Conflict)
        {
            throw ApiException.Conflict(definition.Names.Plural, definition.Group, key.Name, "the object has been modified; please apply your changes to the latest version and try again");
        }
        catch (StoreException e) when (e.Kind == StoreErrorKind.NotFound)
        {
            throw ApiException.NotFound(definition.Names.Plural, definition.Group, key.Name);
        }
    }

    private async Task<StoredObject> RemoveAsync(ResourceDefinition definition, ObjectKey key, string resourceVersion, CancellationToken cancellationToken)
    {
        try
        {
            return await store.DeleteAsync(key, resourceVersion, cancellationToken);
        }
        catch (StoreException e) when (e.Kind == StoreErrorKind.NotFound)
        {
            throw ApiException.NotFound(definition.Names.Plural, definition.Group, key.Name);
        }
        catch (StoreException e) when (e.Kind == StoreErrorKind.Conflict)
        {
            throw ApiException.Conflict(definition.Names.Plural, definition.Group, key.Name, "the object has been modified; please apply your changes to the latest version and try again");
        }
    }

    private static ObjectKey NamespaceKey(string name) => new("", BuiltInDefinitions.Namespaces.Names.Plural, "", name);
}
