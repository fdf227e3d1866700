using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;
using CustomResources.Core.Schema;
using CustomResources.Core.Storage;

namespace CustomResources.Core.Objects;

/// <summary>What to do with fields the schema does not know (Kubernetes' <c>fieldValidation</c>).</summary>
public enum FieldValidation
{
    Ignore,
    Warn,
    Strict,
}

public enum PatchKind
{
    Merge,
    Json,

    /// <summary>Kubernetes strategic merge patch (built-in types only; lists merge by their declared merge keys).</summary>
    Strategic,
}

/// <summary>How to write; <paramref name="User"/> is who asks (null for the server's own writes), seen by write guards.</summary>
public sealed record WriteOptions(FieldValidation FieldValidation = FieldValidation.Warn, bool DryRun = false, Security.UserInfo? User = null);

public sealed record DeleteOptions(
    string? PropagationPolicy = null,
    string? PreconditionResourceVersion = null,
    string? PreconditionUid = null,
    bool DryRun = false);

public sealed record ListOptions(int? Limit = null, string? Continue = null, string? LabelSelector = null, string? FieldSelector = null);

/// <summary>A committed (or dry-run) write and the warnings to return with it.</summary>
public sealed record WriteResult(StoredObject Stored, IReadOnlyList<string> Warnings, bool Created = false);

/// <summary>A request's target type: the definition, the version named in the URL and its schema.</summary>
public sealed record ResourceTarget(ResourceDefinition Definition, DefinitionVersion Version, CompiledSchema? Schema)
{
    public string ApiVersion => Definition.ApiVersion(Version.Name);

    /// <summary>True while the type's definition is being deleted: its objects are going and no new ones may be created.</summary>
    public bool DefinitionTerminating { get; init; }

    public string Kind => Definition.Names.Kind;

    public string Group => Definition.Group;

    public string Plural => Definition.Names.Plural;

    /// <summary>Parses <c>labelSelector</c> and <c>fieldSelector</c> (metadata.name, metadata.namespace and this version's selectable fields) into one predicate, or null when both are empty.</summary>
    public Func<JsonObject, bool>? Selector(string? labelSelector, string? fieldSelector) =>
        Selector(Selectors.LabelSelector.Parse(labelSelector), ParseFieldSelector(fieldSelector));

    /// <summary>A field selector over metadata.name, metadata.namespace and this version's selectable fields.</summary>
    public Selectors.FieldSelector ParseFieldSelector(string? fieldSelector) =>
        Selectors.FieldSelector.Parse(fieldSelector, Version.SelectableFields);

    /// <summary>One predicate for parsed selectors, or null when both match everything.</summary>
    public static Func<JsonObject, bool>? Selector(Selectors.LabelSelector labels, Selectors.FieldSelector fields)
    {
        if (labels.IsEverything && fields.IsEverything)
        {
            return null;
        }

        return obj => labels.Matches(obj["metadata"]?["labels"] as JsonObject) && fields.Matches(obj);
    }

    /// <summary>The Kubernetes <c>Warning</c> texts every request to this version carries (deprecation).</summary>
    public IReadOnlyList<string> VersionWarnings => Version.Deprecated
        ? [Version.DeprecationWarning ?? $"{ApiVersion} {Kind} is deprecated"]
        : [];
}

/// <summary>Which part of an object a write may change: the main resource or its <c>status</c> subresource.</summary>
public enum WriteMode
{
    Main,
    Status,
}
