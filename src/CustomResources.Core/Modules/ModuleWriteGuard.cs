using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CustomResources.Core.Errors;
using CustomResources.Core.Objects;
using CustomResources.Core.Storage;

namespace CustomResources.Core.Modules;

/// <summary>
/// The write-time rules of Modules and Workspaces that read other objects (registered by the server as an
/// <see cref="IWriteGuard"/>, after <see cref="ModuleObjectValidator"/> has passed the object's own shape):
/// <list type="bullet">
/// <item>A Workspace without <c>spec.namespace</c> gets its own name, and no two workspaces share a namespace.</item>
/// <item>A Module's workspace exists, is not being deleted, maps to the Module's namespace, and never changes.</item>
/// <item>The Module's module file (raw, a stored ModuleDefinition, or fetched once from <c>httpURL</c>) is valid and
/// <c>spec.config</c> resolves against it; on update non-editable entries keep their values (compared with
/// <c>status.resolvedConfig</c>, or the old config when the reconciler has not resolved one yet). All problems are one 422.</item>
/// <item>A file asking for the <c>controller</c> permission may be used only by the server itself (no user) or a member
/// of <c>system:masters</c> (403 otherwise): such a module gets cluster-wide credentials.</item>
/// <item>An httpURL file is fetched once: updates that keep the URL reuse the recorded file. It is recorded in annotations (<see cref="ModuleDefinitions.SourceFileAnnotation"/>, at most
/// <see cref="MaxRecordedFileBytes"/>, and its SHA-256 in <see cref="ModuleDefinitions.SourceSha256Annotation"/>), so
/// the reconciler runs exactly the file that was validated and can detect drift at the URL. Users cannot set or change
/// these annotations: the guard owns them.</item>
/// </list>
/// Writes that leave <c>spec</c> unchanged (status, finalizers, labels) and writes to a Module being deleted pass
/// without these checks, so the reconciler can always finish its work.
/// </summary>
public sealed class ModuleWriteGuard(IObjectStore store, IModuleFileFetcher fetcher, string operatorVersion = ModuleFiles.OperatorVersion) : IWriteGuard
{
    public const int MaxRecordedFileBytes = 64 * 1024;

    private static readonly string[] OwnedAnnotations = [ModuleDefinitions.SourceFileAnnotation, ModuleDefinitions.SourceSha256Annotation];

    public async Task CheckAsync(ResourceTarget target, string? ns, JsonObject obj, JsonObject? old, WriteOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(obj);
        ArgumentNullException.ThrowIfNull(options);
        if (ReferenceEquals(target.Definition, ModuleDefinitions.WorkspaceType))
        {
            await CheckWorkspaceAsync(obj, cancellationToken);
        }
        else if (ReferenceEquals(target.Definition, ModuleDefinitions.ModuleType))
        {
            await CheckModuleAsync(ns ?? "", obj, old, options, cancellationToken);
        }
    }

    private async Task CheckWorkspaceAsync(JsonObject obj, CancellationToken cancellationToken)
    {
        var name = ObjectMetadata.Name(obj);
        if (obj["spec"] is not JsonObject spec)
        {
            obj["spec"] = spec = new JsonObject();
        }

        if (spec["namespace"] is null)
        {
            spec["namespace"] = name;
        }

        var ns = ModuleDefinitions.WorkspaceNamespace(obj);
        await foreach (var other in store.ListAllAsync(ModuleDefinitions.Workspaces(), cancellationToken))
        {
            if (ObjectMetadata.Name(other.Object) != name && ModuleDefinitions.WorkspaceNamespace(other.Object) == ns)
            {
                throw ApiException.Invalid("Workspace", ModuleDefinitions.Group, name, [FieldError.Duplicate("spec.namespace", JsonValue.Create(ns)) with
                {
                    Message = $"Duplicate value: \"{ns}\": workspace \"{ObjectMetadata.Name(other.Object)}\" already maps to this namespace",
                }]);
            }
        }
    }

    private async Task CheckModuleAsync(string ns, JsonObject obj, JsonObject? old, WriteOptions options, CancellationToken cancellationToken)
    {
        if (old is not null && (Finalizers.IsDeleting(old) || JsonNode.DeepEquals(old["spec"], obj["spec"])))
        {
            KeepOwnedAnnotations(obj, old);
            return;
        }

        var name = ObjectMetadata.Name(obj);
        var errors = new List<FieldError>();
        await CheckWorkspaceReferenceAsync(ns, obj, old, errors, cancellationToken);

        var source = await LoadForWriteAsync(obj, old, errors, cancellationToken);
        if (source.File is { } file)
        {
            var previous = PreviousResolvedConfig(file, old);
            errors.AddRange(ModuleConfig.Resolve(file, obj["spec"]?["config"] as JsonObject, previous).Errors);
        }

        if (errors.Count > 0)
        {
            throw ApiException.Invalid("Module", ModuleDefinitions.Group, name, errors);
        }

        if (source.File!.NeedsControllerPermission && options.User is { } user && !user.InGroup(ModuleDefinitions.ControllerPermissionGroup))
        {
            throw ApiException.Forbidden(ModuleDefinitions.ModulesResource, ModuleDefinitions.Group, name,
                $"User \"{user.Name}\" cannot use a module file that requests the controller permission: only members of {ModuleDefinitions.ControllerPermissionGroup} may grant cluster-wide access");
        }

        RecordFetchedFile(obj, source.FetchedText);
    }

    private async Task CheckWorkspaceReferenceAsync(string ns, JsonObject obj, JsonObject? old, List<FieldError> errors, CancellationToken cancellationToken)
    {
        const string field = "spec.workspace.name";
        var workspaceName = ObjectMetadata.GetString(obj["spec"]?["workspace"]?["name"]) ?? "";
        var oldName = ObjectMetadata.GetString(old?["spec"]?["workspace"]?["name"]);
        if (oldName is not null && oldName != workspaceName)
        {
            // Moving an installed module means uninstalling it: delete and recreate the Module instead.
            errors.Add(FieldError.Invalid(field, workspaceName, $"field is immutable (the module belongs to workspace \"{oldName}\")"));
            return;
        }

        var workspace = await store.GetAsync(ModuleDefinitions.WorkspaceKey(workspaceName), cancellationToken);
        if (workspace is null)
        {
            errors.Add(new FieldError("FieldValueNotFound", field, $"Not found: \"{workspaceName}\": no such Workspace"));
            return;
        }

        if (old is null && Finalizers.IsDeleting(workspace.Object))
        {
            errors.Add(FieldError.Forbidden(field, $"workspace \"{workspaceName}\" is being deleted"));
        }

        var workspaceNamespace = ModuleDefinitions.WorkspaceNamespace(workspace.Object);
        if (workspaceNamespace != ns)
        {
            errors.Add(FieldError.Invalid(field, workspaceName, $"workspace \"{workspaceName}\" maps to namespace \"{workspaceNamespace}\": the Module must be created there, not in \"{ns}\""));
        }
    }

    /// <summary>The module file of a Module being written: parsed from raw, read from a ModuleDefinition, or fetched.</summary>
    private async Task<(ModuleFile? File, string? FetchedText)> LoadForWriteAsync(JsonObject obj, JsonObject? old, List<FieldError> errors, CancellationToken cancellationToken)
    {
        var source = obj["spec"]?["source"] as JsonObject;
        if (source?["httpURL"] is not { } urlNode)
        {
            var result = await ModuleSources.LoadAsync(store, obj, operatorVersion, cancellationToken);
            errors.AddRange(result.Errors);
            return (result.File, null);
        }

        const string field = "spec.source.httpURL";
        var text = ObjectMetadata.GetString(urlNode) ?? "";
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url))
        {
            errors.Add(FieldError.Invalid(field, urlNode, "must be an absolute https URL"));
            return (null, null);
        }

        // Fetched once: while the URL stays the same, updates (e.g. of config) keep using the file recorded when it was
        // first written, so a change at the URL never slips in unnoticed. A new URL (a version in it, a query) fetches anew.
        string fetched;
        if (ObjectMetadata.GetString(old?["spec"]?["source"]?["httpURL"]) == text
            && ObjectMetadata.GetString(old?["metadata"]?["annotations"]?[ModuleDefinitions.SourceFileAnnotation]) is { } recorded)
        {
            fetched = recorded;
        }
        else
        {
            try
            {
                fetched = await fetcher.FetchAsync(url, cancellationToken);
            }
            catch (Exception e) when (e is ModuleFileFetchException or HttpRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                errors.Add(FieldError.Invalid(field, urlNode, $"the module file could not be fetched: {e.Message}"));
                return (null, null);
            }
        }

        if (Encoding.UTF8.GetByteCount(fetched) > MaxRecordedFileBytes)
        {
            errors.Add(FieldError.Invalid(field, urlNode, $"the module file is larger than {MaxRecordedFileBytes} bytes"));
            return (null, null);
        }

        var parsed = ModuleFiles.Parse(fetched, operatorVersion);
        errors.AddRange(ModuleSources.Nested(field, parsed.Errors));
        return (parsed.File, fetched);
    }

    /// <summary>What the module was configured with before: the reconciler's record, else the old config resolved now.</summary>
    private static JsonObject? PreviousResolvedConfig(ModuleFile file, JsonObject? old)
    {
        if (old is null)
        {
            return null;
        }

        if (old["status"]?["resolvedConfig"] is JsonObject recorded)
        {
            return recorded;
        }

        return ModuleConfig.Resolve(file, old["spec"]?["config"] as JsonObject).Resolved;
    }

    private static void RecordFetchedFile(JsonObject obj, string? fetched)
    {
        var meta = ObjectMetadata.Metadata(obj);
        var annotations = meta["annotations"] as JsonObject;
        if (fetched is null)
        {
            foreach (var key in OwnedAnnotations)
            {
                annotations?.Remove(key);
            }

            return;
        }

        if (annotations is null)
        {
            meta["annotations"] = annotations = new JsonObject();
        }

        annotations[ModuleDefinitions.SourceFileAnnotation] = fetched;
        annotations[ModuleDefinitions.SourceSha256Annotation] = ModuleSources.Sha256(fetched);
    }

    /// <summary>Restores the guard's annotations as stored, whatever the write says about them.</summary>
    private static void KeepOwnedAnnotations(JsonObject obj, JsonObject old)
    {
        var meta = ObjectMetadata.Metadata(obj);
        var oldAnnotations = old["metadata"]?["annotations"] as JsonObject;
        foreach (var key in OwnedAnnotations)
        {
            var before = oldAnnotations?[key];
            if (before is null)
            {
                (meta["annotations"] as JsonObject)?.Remove(key);
                continue;
            }

            if (meta["annotations"] is not JsonObject annotations)
            {
                meta["annotations"] = annotations = new JsonObject();
            }

            annotations[key] = before.DeepClone();
        }
    }
}

/// <summary>Finds the module file of a Module: what the guard checks at write time and what the reconciler runs.</summary>
public static class ModuleSources
{
    /// <summary>
    /// The module file of a stored (or being written) Module, without network access: <c>source.raw</c> parsed,
    /// <c>source.moduleDefinition</c> read from the store, <c>source.httpURL</c> read from the file recorded in
    /// <see cref="ModuleDefinitions.SourceFileAnnotation"/> at write time. Problems carry the Module's field paths.
    /// </summary>
    public static async Task<ModuleFileResult> LoadAsync(IObjectStore store, JsonObject module, string operatorVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(module);
        var source = module["spec"]?["source"] as JsonObject;
        if (source?["raw"] is { } raw)
        {
            return ModuleFiles.Parse(raw, operatorVersion, "spec.source.raw");
        }

        if (source?["moduleDefinition"] is JsonObject reference)
        {
            const string field = "spec.source.moduleDefinition.name";
            var name = ObjectMetadata.GetString(reference["name"]) ?? "";
            var stored = await store.GetAsync(ModuleDefinitions.ModuleDefinitionKey(name), cancellationToken);
            if (stored is null)
            {
                return new ModuleFileResult(null, [new FieldError("FieldValueNotFound", field, $"Not found: \"{name}\": no such ModuleDefinition")]);
            }

            var parsed = ModuleFiles.Parse(stored.Object["spec"], operatorVersion, "", requireKind: false);
            return parsed with { Errors = Nested(field, parsed.Errors) };
        }

        if (source?["httpURL"] is not null)
        {
            const string field = "spec.source.httpURL";
            if (ObjectMetadata.GetString(module["metadata"]?["annotations"]?[ModuleDefinitions.SourceFileAnnotation]) is not { } recorded)
            {
                return new ModuleFileResult(null, [FieldError.Required($"metadata.annotations[{ModuleDefinitions.SourceFileAnnotation}]", "the module file fetched when the Module was written")]);
            }

            var parsed = ModuleFiles.Parse(recorded, operatorVersion);
            return parsed with { Errors = Nested(field, parsed.Errors) };
        }

        return new ModuleFileResult(null, [FieldError.Required("spec.source", "exactly one of raw, httpURL or moduleDefinition")]);
    }

    /// <summary>Hex SHA-256 of a module file's text (UTF-8), as recorded in <see cref="ModuleDefinitions.SourceSha256Annotation"/>.</summary>
    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>Problems inside a file that is not part of the object: reported at the field naming it, with the file's own path.</summary>
    internal static List<FieldError> Nested(string field, IEnumerable<FieldError> errors) =>
        [.. errors.Select(e => e with { Field = field, Message = $"module file: {e.Field}: {e.Message}" })];
}
