using System.Text.Json.Nodes;
using CustomResources.Core.Admission;
using CustomResources.Core.Definitions;
using CustomResources.Core.Errors;
using CustomResources.Core.Schema;
using CustomResources.Core.Serialization;
using CustomResources.Core.Storage;

namespace CustomResources.Core.Objects;

/// <summary>
/// The resource engine: every create, read, update, patch, list and delete of every type (custom
/// objects, namespaces and the definitions themselves) goes through here. HTTP edges only bind the
/// request, call one method and render the result or the <see cref="ApiException"/>.
/// Admission webhooks (<paramref name="admission"/>, optional) run inside every write: mutating ones before the
/// type's own rules (prune, defaults, validation), validating ones after them and just before the store.
/// </summary>
public sealed partial class ResourceService(IObjectStore store, DefinitionCatalog catalog, TimeProvider clock, AdmissionWebhooks? admission = null, IEnumerable<IWriteValidator>? validators = null, IEnumerable<IWriteGuard>? guards = null)
{
    private const int PatchConflictRetries = 5;

    public DefinitionCatalog Catalog => catalog;

    /// <summary>Resolves <c>{group}/{version}/{plural}</c> to a served type, or throws 404.</summary>
    public async Task<ResourceTarget> ResolveAsync(string group, string version, string plural, CancellationToken cancellationToken)
    {
        var entry = await catalog.FindAsync(group, plural, cancellationToken);
        var served = entry?.Definition.ServedVersion(version);
        if (entry is null || served is null)
        {
            throw ApiException.ResourceNotFound();
        }

        entry.Schemas.TryGetValue(version, out var schema);
        return new ResourceTarget(entry.Definition, served, schema)
        {
            DefinitionTerminating = entry.Source is { } source && Finalizers.IsDeleting(source),
        };
    }

    public async Task<StoredObject> GetAsync(ResourceTarget target, string? ns, string name, CancellationToken cancellationToken)
    {
        var key = Key(target, ns, name);
        var stored = await store.GetAsync(key, cancellationToken)
            ?? throw ApiException.NotFound(target.Plural, target.Group, name);
        return InVersion(stored, target);
    }

    public async Task<ObjectPage> ListAsync(ResourceTarget target, string? ns, ListOptions options, CancellationToken cancellationToken)
    {
        if (options.Limit is < 0)
        {
            throw ApiException.BadRequest("limit must be a non-negative integer");
        }

        CheckNamespaceSegment(target, ns);
        var fields = target.ParseFieldSelector(options.FieldSelector);
        var matches = ResourceTarget.Selector(Selectors.LabelSelector.Parse(options.LabelSelector), fields);
        var collection = new CollectionKey(target.Group, target.Plural, target.Definition.Namespaced ? ns : "");
        try
        {
            if (options.Continue is null && fields.ExactName is { } exactName)
            {
                // A selector that pins the name (kubectl waits for deletions this way) is one read, not a scan.
                return await ListByNameAsync(target, collection, exactName, matches!, cancellationToken);
            }

            var page = await store.ListAsync(collection, new ListRequest(options.Limit is 0 ? null : options.Limit, options.Continue), cancellationToken);
            var items = page.Items.Where(i => matches is null || matches(i.Object)).Select(i => InVersion(i, target)).ToList();
            return page with { Items = items };
        }
        catch (StoreException e) when (e.Kind == StoreErrorKind.InvalidContinue)
        {
            throw ApiException.BadRequest($"invalid continue token: {e.Message}");
        }
        catch (StoreException e) when (e.Kind == StoreErrorKind.Expired)
        {
            throw ApiException.Gone($"The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter. ({e.Message})");
        }
    }

    private async Task<ObjectPage> ListByNameAsync(ResourceTarget target, CollectionKey collection, string name, Func<JsonObject, bool> matches, CancellationToken cancellationToken)
    {
        // The list's resourceVersion must be current even when nothing matches, so a following watch starts right.
        var version = await store.CurrentResourceVersionAsync(cancellationToken);
        var items = new List<StoredObject>();
        if (collection.Namespace is { } ns && (ns.Length > 0 || !target.Definition.Namespaced) && (target.Definition == BuiltInDefinitions.Namespaces ? NameRules.IsDns1123Label(name) : NameRules.IsDns1123Subdomain(name)))
        {
            if (await store.GetAsync(new ObjectKey(collection.Group, collection.Resource, ns, name), cancellationToken) is { } found && matches(found.Object))
            {
                items.Add(InVersion(found, target));
            }
        }
        else
        {
            await foreach (var item in store.ListAllAsync(collection, cancellationToken))
            {
                if (matches(item.Object))
                {
                    items.Add(InVersion(item, target));
                }
            }
        }

        return new ObjectPage(items, version, null);
    }

    public async Task<WriteResult> CreateAsync(ResourceTarget target, string? ns, JsonNode? body, WriteOptions options, CancellationToken cancellationToken)
    {
        if (ConvertsDefinition(target))
        {
            var converted = DefinitionConversion.ToV1(RequireObject(target, body));
            return Present(await CreateAsync(Internal(target), ns, converted, options, cancellationToken), target);
        }

        CheckNamespaceSegment(target, ns);
        if (target.DefinitionTerminating)
        {
            throw ApiException.MethodNotAllowed($"create not allowed while custom resource definition {target.Definition.Name} is terminating");
        }

        var obj = RequireObject(target, body);
        var admissionWarnings = new List<string>();
        if (admission is not null)
        {
            SetNamespace(target, ns, (JsonObject)obj["metadata"]!);
            obj = await admission.MutateAsync(Admission(target, "CREATE", ns, obj, null, options.DryRun), admissionWarnings, cancellationToken);
        }

        var meta = (JsonObject)obj["metadata"]!;
        var unknown = ObjectMetadata.PruneUnknown(meta);
        var errors = ObjectMetadata.Validate(meta);

        SetNamespace(target, ns, meta);
        var name = ObjectMetadata.GetString(meta["name"]) ?? "";
        var generateName = ObjectMetadata.GetString(meta["generateName"]) ?? "";
        if (name.Length == 0 && generateName.Length == 0)
        {
            errors.Add(FieldError.Required("metadata.name", "name or generateName is required"));
        }

        if (generateName.Length > 0)
        {
            errors.AddRange(CheckName(target, "metadata.generateName", generateName.TrimEnd('-') + "x"));
        }

        if (name.Length > 0)
        {
            errors.AddRange(CheckName(target, "metadata.name", name));
        }

        if (target.Definition.Namespaced)
        {
            await RequireActiveNamespaceAsync(ns!, cancellationToken);
        }

        var now = ObjectMetadata.Timestamp(clock.GetUtcNow());
        meta["uid"] = Guid.NewGuid().ToString();
        meta["creationTimestamp"] = now;
        meta["generation"] = 1;
        meta.Remove("resourceVersion");
        meta.Remove("deletionTimestamp");
        meta.Remove("deletionGracePeriodSeconds");
        meta.Remove("selfLink");
        meta.Remove("managedFields");
        if (target.Version.StatusSubresource && !target.Definition.BuiltIn)
        {
            // Status belongs to controllers: it is written through /status, never on create.
            obj.Remove("status");
        }

        unknown.AddRange(await PrepareAsync(target, obj, null, errors, cancellationToken));
        var warnings = Finish(target, name.Length > 0 ? name : generateName, unknown, errors, options);
        await GuardAsync(target, ns, obj, null, options, cancellationToken);
        if (admission is not null)
        {
            await admission.ValidateAsync(Admission(target, "CREATE", ns, obj, null, options.DryRun), admissionWarnings, cancellationToken);
            warnings.AddRange(admissionWarnings);
        }

        for (var attempt = 0; ; attempt++)
        {
            if (name.Length == 0)
            {
                meta["name"] = ObjectMetadata.Generate(generateName);
            }

            var key = Key(target, ns, ObjectMetadata.Name(obj));
            if (options.DryRun)
            {
                if (await store.GetAsync(key, cancellationToken) is not null)
                {
                    throw ApiException.AlreadyExists(target.Plural, target.Group, key.Name);
                }

                return new WriteResult(InVersion(new StoredObject(obj, ""), target), warnings, Created: true);
            }

            try
            {
                var stored = await store.CreateAsync(key, ToStorage(target, obj), cancellationToken);
                return new WriteResult(InVersion(stored, target), warnings, Created: true);
            }
            catch (StoreException e) when (e.Kind == StoreErrorKind.AlreadyExists)
            {
                if (name.Length > 0 || attempt >= 8)
                {
                    throw ApiException.AlreadyExists(target.Plural, target.Group, key.Name);
                }
            }
        }
    }

    public Task<WriteResult> ReplaceAsync(ResourceTarget target, string? ns, string name, JsonNode? body, WriteOptions options, CancellationToken cancellationToken) =>
        ReplaceAsync(target, ns, name, body, options, WriteMode.Main, cancellationToken);

    /// <summary>PUT on <c>/status</c>: only <c>status</c> changes; everything else is kept.</summary>
    public Task<WriteResult> ReplaceStatusAsync(ResourceTarget target, string? ns, string name, JsonNode? body, WriteOptions options, CancellationToken cancellationToken) =>
        ReplaceAsync(target, ns, name, body, options, RequireStatusSubresource(target), cancellationToken);

    public Task<WriteResult> PatchAsync(ResourceTarget target, string? ns, string name, PatchKind kind, JsonNode? patch, WriteOptions options, CancellationToken cancellationToken) =>
        PatchAsync(target, ns, name, kind, patch, options, WriteMode.Main, cancellationToken);

    /// <summary>PATCH on <c>/status</c>: the patch applies to the whole object, then only <c>status</c> changes are kept.</summary>
    public Task<WriteResult> PatchStatusAsync(ResourceTarget target, string? ns, string name, PatchKind kind, JsonNode? patch, WriteOptions options, CancellationToken cancellationToken) =>
        PatchAsync(target, ns, name, kind, patch, options, RequireStatusSubresource(target), cancellationToken);

    /// <summary>GET on <c>/status</c>: the whole object, as Kubernetes returns it.</summary>
    public Task<StoredObject> GetStatusAsync(ResourceTarget target, string? ns, string name, CancellationToken cancellationToken)
    {
        RequireStatusSubresource(target);
        return GetAsync(target, ns, name, cancellationToken);
    }

    private async Task<WriteResult> ReplaceAsync(ResourceTarget target, string? ns, string name, JsonNode? body, WriteOptions options, WriteMode mode, CancellationToken cancellationToken)
    {
        if (ConvertsDefinition(target))
        {
            var converted = DefinitionConversion.ToV1(RequireObject(target, body));
            return Present(await ReplaceAsync(Internal(target), ns, name, converted, options, mode, cancellationToken), target);
        }

        var obj = RequireObject(target, body);
        var meta = (JsonObject)obj["metadata"]!;
        var resourceVersion = ObjectMetadata.GetString(meta["resourceVersion"]);
        if (string.IsNullOrEmpty(resourceVersion))
        {
            throw ApiException.Invalid(target.Kind, target.Group, name, [FieldError.Invalid("metadata.resourceVersion", JsonValue.Create(0), "must be specified for an update")]);
        }

        var key = Key(target, ns, name);
        var current = await store.GetAsync(key, cancellationToken)
            ?? throw ApiException.NotFound(target.Plural, target.Group, name);
        return await UpdateAsync(target, key, obj, current, resourceVersion, options, mode, cancellationToken);
    }

    private async Task<WriteResult> PatchAsync(ResourceTarget target, string? ns, string name, PatchKind kind, JsonNode? patch, WriteOptions options, WriteMode mode, CancellationToken cancellationToken)
    {
        var key = Key(target, ns, name);
        for (var attempt = 0; ; attempt++)
        {
            var current = await store.GetAsync(key, cancellationToken)
                ?? throw ApiException.NotFound(target.Plural, target.Group, name);
            var original = InVersion(current, target).Object;

            JsonNode? patched;
            try
            {
                patched = kind switch
                {
                    PatchKind.Merge => MergePatch.Apply(original, patch),
                    PatchKind.Strategic => StrategicMergePatch.Apply(original, patch, StrategicMergeKeys(target)),
                    _ => JsonPatch.Apply(original, patch),
                };
            }
            catch (PatchException e)
            {
                throw new ApiException(422, "Invalid", e.Message, new ErrorSubject(target.Group, target.Kind, name));
            }

            if (patched is not JsonObject patchedObject)
            {
                throw ApiException.BadRequest("the patch must produce a JSON object");
            }

            // A resourceVersion inside the patch is a precondition; otherwise the patch applies to whatever is current.
            // The patched object carries the current resourceVersion unless the patch changed it, so only a
            // different value is a precondition (as in Kubernetes, which compares it with the object it patched).
            var requested = ObjectMetadata.GetString(patchedObject["metadata"]?["resourceVersion"]);
            var precondition = string.IsNullOrEmpty(requested) || requested == current.ResourceVersion ? current.ResourceVersion : requested;
            try
            {
                var accepted = RequireObject(target, patchedObject);
                if (ConvertsDefinition(target))
                {
                    // The patch applied to the v1beta1 view; the update runs on the stored v1 form.
                    return Present(await UpdateAsync(Internal(target), key, DefinitionConversion.ToV1(accepted), current, precondition, options, mode, cancellationToken), target);
                }

                return await UpdateAsync(target, key, accepted, current, precondition, options, mode, cancellationToken);
            }
            catch (ApiException e) when (e.Code == 409 && e.Reason == "Conflict" && precondition == current.ResourceVersion && attempt < PatchConflictRetries)
            {
                // Another writer won the race; patches are not conditional, so re-apply to the new state.
            }
        }
    }

    private async Task<WriteResult> UpdateAsync(ResourceTarget target, ObjectKey key, JsonObject obj, StoredObject current, string resourceVersion, WriteOptions options, WriteMode mode, CancellationToken cancellationToken)
    {
        var name = key.Name;
        var old = InVersion(current, target).Object;
        var oldMeta = ObjectMetadata.Metadata(old);
        var bodyMeta = (JsonObject)obj["metadata"]!;
        var bodyName = ObjectMetadata.GetString(bodyMeta["name"]);
        if (!string.IsNullOrEmpty(bodyName) && bodyName != name)
        {
            throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }

        var bodyUid = ObjectMetadata.GetString(bodyMeta["uid"]);
        if (!string.IsNullOrEmpty(bodyUid) && bodyUid != ObjectMetadata.GetString(oldMeta["uid"]))
        {
            throw ApiException.Conflict(target.Plural, target.Group, name, $"Precondition failed: UID in precondition: {bodyUid}, UID in object meta: {ObjectMetadata.GetString(oldMeta["uid"])}");
        }

        var admissionWarnings = new List<string>();
        var ns = key.Namespace.Length == 0 ? null : key.Namespace;
        if (admission is not null)
        {
            // Mutating webhooks see the request's object; what they change then passes the same rules as the body.
            obj = await admission.MutateAsync(Admission(target, "UPDATE", ns, obj, old, options.DryRun, mode, name), admissionWarnings, cancellationToken);
            if (obj["metadata"] is not JsonObject)
            {
                obj["metadata"] = new JsonObject();
            }
        }

        if (mode == WriteMode.Status)
        {
            // Writes to /status change status only: everything else stays as stored.
            var status = obj["status"]?.DeepClone();
            obj = (JsonObject)old.DeepClone();
            obj.Remove("status");
            if (status is not null)
            {
                obj["status"] = status;
            }
        }
        else if (target.Version.StatusSubresource && !target.Definition.BuiltIn)
        {
            // With a status subresource, writes to the main resource cannot change status.
            obj.Remove("status");
            if (old["status"] is JsonNode oldStatus)
            {
                obj["status"] = oldStatus.DeepClone();
            }
        }

        var meta = (JsonObject)obj["metadata"]!;
        var unknown = ObjectMetadata.PruneUnknown(meta);
        var errors = ObjectMetadata.Validate(meta);
        meta["name"] = name;
        SetNamespace(target, key.Namespace.Length == 0 ? null : key.Namespace, meta);
        foreach (var field in new[] { "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generateName" })
        {
            meta.Remove(field);
            if (oldMeta[field] is JsonNode value)
            {
                meta[field] = value.DeepClone();
            }
        }

        meta.Remove("managedFields");
        meta.Remove("selfLink");

        if (mode == WriteMode.Main && oldMeta["deletionTimestamp"] is not null)
        {
            errors.AddRange(Finalizers.CheckUpdateWhileDeleting(old, obj));
        }

        unknown.AddRange(await PrepareAsync(target, obj, old, errors, cancellationToken));
        var warnings = Finish(target, name, unknown, errors, options);
        await GuardAsync(target, ns, obj, old, options, cancellationToken);
        if (admission is not null)
        {
            await admission.ValidateAsync(Admission(target, "UPDATE", ns, obj, old, options.DryRun, mode, name), admissionWarnings, cancellationToken);
            warnings.AddRange(admissionWarnings);
        }

        // generation counts changes to the desired state: everything outside metadata, and outside status when
        // status has its own subresource (then controllers' status writes never look like new desired state).
        var oldGeneration = oldMeta["generation"] is JsonValue g && JsonNumbers.TryGetInteger(g, out var gen) ? gen : 1;
        var statusIsSeparate = target.Version.StatusSubresource || target.Definition.BuiltIn;
        meta["generation"] = mode == WriteMode.Main && ObjectMetadata.SpecChanged(obj, old, includeStatus: !statusIsSeparate) ? oldGeneration + 1 : oldGeneration;
        meta["resourceVersion"] = current.ResourceVersion;

        if (resourceVersion != current.ResourceVersion)
        {
            throw ApiException.Conflict(target.Plural, target.Group, name, "the object has been modified; please apply your changes to the latest version and try again");
        }

        // An update that changes nothing is not written (Kubernetes keeps the resourceVersion).
        if (JsonNode.DeepEquals(obj, old))
        {
            return new WriteResult(InVersion(current, target), warnings);
        }

        if (options.DryRun)
        {
            return new WriteResult(InVersion(new StoredObject(obj, current.ResourceVersion), target), warnings);
        }

        StoredObject stored;
        try
        {
            stored = await store.UpdateAsync(key, ToStorage(target, obj), resourceVersion, cancellationToken);
        }
        catch (StoreException e) when (e.Kind == StoreErrorKind.Conflict)
        {
            throw ApiException.Conflict(target.Plural, target.Group, name, "the object has been modified; please apply your changes to the latest version and try again");
        }
        catch (StoreException e) when (e.Kind == StoreErrorKind.NotFound)
        {
            throw ApiException.NotFound(target.Plural, target.Group, name);
        }

        // Removing the last finalizer of an object that is being deleted lets it go.
        var result = InVersion(stored, target);
        if (Finalizers.IsDeleting(stored.Object))
        {
            await CompleteDeletionAsync(target.Definition, key, cancellationToken);
        }

        return new WriteResult(result, warnings);
    }

    /// <summary>The lists of a built-in type that a strategic merge patch merges by key (as Kubernetes declares them).</summary>
    private static IReadOnlyDictionary<string, string> StrategicMergeKeys(ResourceTarget target) =>
        target.Definition == BuiltInDefinitions.ValidatingWebhookConfigurations || target.Definition == BuiltInDefinitions.MutatingWebhookConfigurations
            ? WebhookMergeKeys
            : NoMergeKeys;

    private static readonly Dictionary<string, string> WebhookMergeKeys = new(StringComparer.Ordinal) { ["webhooks"] = "name" };
    private static readonly Dictionary<string, string> NoMergeKeys = new(StringComparer.Ordinal);

    /// <summary>The admission attributes of a create or update.</summary>
    private static AdmissionRequest Admission(ResourceTarget target, string operation, string? ns, JsonObject obj, JsonObject? old, bool dryRun, WriteMode mode = WriteMode.Main, string? name = null) =>
        new(
            operation,
            target.Definition,
            target.Version.Name,
            mode == WriteMode.Status ? "status" : "",
            target.Definition.Namespaced ? ns : null,
            name ?? ObjectMetadata.Name(obj),
            obj,
            old,
            dryRun,
            AdmissionWebhooks.Options(operation, dryRun));

    private async Task RequireActiveNamespaceAsync(string ns, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(new ObjectKey("", "namespaces", "", ns), cancellationToken)
            ?? throw ApiException.NotFound("namespaces", "", ns);
        if (ObjectMetadata.GetString(stored.Object["status"]?["phase"]) == "Terminating")
        {
            throw new ApiException(403, "Forbidden", $"unable to create new content in namespace {ns} because it is being terminated", new ErrorSubject("", "namespaces", ns));
        }
    }

    /// <summary>Reports unknown fields per the field-validation mode and refuses an invalid object; returns the warnings.</summary>
    private static List<string> Finish(ResourceTarget target, string name, List<string> unknown, List<FieldError> errors, WriteOptions options)
    {
        if (unknown.Count > 0 && options.FieldValidation == FieldValidation.Strict)
        {
            throw ApiException.BadRequest($"{target.Kind} in version \"{target.Version.Name}\" cannot be handled as a {target.Kind}: strict decoding error: {string.Join(", ", unknown.Select(u => $"unknown field \"{u}\""))}");
        }

        if (errors.Count > 0)
        {
            throw ApiException.Invalid(target.Kind, target.Group, name, errors);
        }

        var warnings = new List<string>(target.VersionWarnings);
        if (options.FieldValidation == FieldValidation.Warn)
        {
            warnings.AddRange(unknown.Select(u => $"unknown field \"{u}\""));
        }

        return warnings;
    }

    private static WriteMode RequireStatusSubresource(ResourceTarget target) =>
        target.Version.StatusSubresource && !target.Definition.BuiltIn
            ? WriteMode.Status
            : throw ApiException.ResourceNotFound($"{ApiException.Qualified(target.Plural, target.Group)} has no status subresource in version {target.Version.Name}");

    private static IEnumerable<FieldError> CheckName(ResourceTarget target, string field, string name) =>
        target.Definition == BuiltInDefinitions.Namespaces ? NameRules.CheckLabel(field, name) : NameRules.CheckSubdomain(field, name);

    private static void SetNamespace(ResourceTarget target, string? ns, JsonObject meta)
    {
        if (!target.Definition.Namespaced)
        {
            meta.Remove("namespace");
            return;
        }

        var bodyNamespace = ObjectMetadata.GetString(meta["namespace"]);
        if (!string.IsNullOrEmpty(bodyNamespace) && bodyNamespace != ns)
        {
            throw ApiException.BadRequest($"the namespace of the provided object ({bodyNamespace}) does not match the namespace sent on the request ({ns})");
        }

        meta["namespace"] = ns;
    }

    /// <summary>Checks apiVersion/kind against the URL and returns the body as an object with a metadata object.</summary>
    private static JsonObject RequireObject(ResourceTarget target, JsonNode? body)
    {
        if (body is not JsonObject obj)
        {
            throw ApiException.BadRequest($"the request body must be a JSON or YAML object, not {FieldError.TypeName(body)}");
        }

        var kind = ObjectMetadata.GetString(obj["kind"]);
        if (string.IsNullOrEmpty(kind))
        {
            throw ApiException.BadRequest("Object 'Kind' is missing in the request body");
        }

        if (kind != target.Kind)
        {
            throw ApiException.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({target.Kind})");
        }

        var apiVersion = ObjectMetadata.GetString(obj["apiVersion"]);
        if (string.IsNullOrEmpty(apiVersion))
        {
            throw ApiException.BadRequest("Object 'apiVersion' is missing in the request body");
        }

        if (apiVersion != target.ApiVersion)
        {
            throw ApiException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({target.ApiVersion})");
        }

        switch (obj["metadata"])
        {
            case null:
                obj["metadata"] = new JsonObject();
                break;
            case JsonObject:
                break;
            default:
                throw ApiException.Invalid(target.Kind, target.Group, "", [FieldError.TypeInvalid("metadata", obj["metadata"], "object")]);
        }

        return obj;
    }

    /// <summary>
    /// The store key for a URL's namespace and name. A segment that cannot be a valid name cannot name an existing
    /// object either, so it is a 404 — and hostile text (traversal, control characters) never reaches the store.
    /// </summary>
    private static ObjectKey Key(ResourceTarget target, string? ns, string name)
    {
        CheckNamespaceSegment(target, ns);
        var valid = target.Definition == BuiltInDefinitions.Namespaces ? NameRules.IsDns1123Label(name) : NameRules.IsDns1123Subdomain(name);
        if (!valid)
        {
            throw ApiException.NotFound(target.Plural, target.Group, name);
        }

        return new ObjectKey(target.Group, target.Plural, target.Definition.Namespaced ? ns ?? "" : "", name);
    }

    private static void CheckNamespaceSegment(ResourceTarget target, string? ns)
    {
        if (target.Definition.Namespaced && ns is not null && !NameRules.IsDns1123Label(ns))
        {
            throw ApiException.NotFound("namespaces", "", ns);
        }
    }

    /// <summary>Objects are stored in the storage version; with conversion strategy None only apiVersion changes.</summary>
    private static JsonObject ToStorage(ResourceTarget target, JsonObject obj)
    {
        obj["apiVersion"] = target.Definition.ApiVersion(target.Definition.StorageVersion.Name);
        return obj;
    }

    private static StoredObject InVersion(StoredObject stored, ResourceTarget target)
    {
        if (ConvertsDefinition(target))
        {
            return stored with { Object = DefinitionConversion.ToV1Beta1(stored.Object) };
        }

        stored.Object["apiVersion"] = target.ApiVersion;
        return stored;
    }

    /// <summary>Definitions requested as v1beta1 are converted; every other version differs in apiVersion only (conversion None).</summary>
    private static bool ConvertsDefinition(ResourceTarget target) =>
        target.Definition == BuiltInDefinitions.CustomResourceDefinitions && target.Version.Name == "v1beta1";

    /// <summary>The target a converted request is processed as: the storage version.</summary>
    private static ResourceTarget Internal(ResourceTarget target) => target with { Version = target.Definition.StorageVersion };

    /// <summary>A write's result as the requested version shows it, with that version's warnings.</summary>
    private static WriteResult Present(WriteResult result, ResourceTarget target) =>
        result with { Stored = InVersion(result.Stored, target), Warnings = [.. target.VersionWarnings, .. result.Warnings.Except(target.VersionWarnings)] };
}
