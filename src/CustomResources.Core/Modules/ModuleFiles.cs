using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CustomResources.Core.Errors;
using CustomResources.Core.Objects;
using CustomResources.Core.Serialization;

namespace CustomResources.Core.Modules;

/// <summary>The outcome of reading a module file: the file when valid, and every problem found (empty when valid).</summary>
public sealed record ModuleFileResult(ModuleFile? File, IReadOnlyList<FieldError> Errors)
{
    public bool IsValid => File is not null;
}

/// <summary>
/// Reads and validates module files (<c>kind: Custom</c>, reference 002): YAML or JSON text, or an already parsed
/// object (a ModuleDefinition's <c>spec</c>, a Module's <c>spec.source.raw</c>). Validation never stops at the first
/// problem: every problem is reported with its field path (<c>config[2].spec.max</c>, under an optional prefix), and
/// unknown fields are problems too, so a misspelt key never passes silently.
/// </summary>
public static partial class ModuleFiles
{
    /// <summary>This operator's version, which module files' <c>supportedOperatorVersion</c> must admit.</summary>
    public const string OperatorVersion = "0.1.0";

    public const string Kind = "Custom";

    private const string FileField = "<file>";

    private static readonly string[] TopFields = ["kind", "metadata", "config", "spec"];
    private static readonly string[] MetadataFields = ["name", "version", "supportedOperatorVersion", "author", "description", "category", "image", "resource_usage"];
    private static readonly string[] ResourceUsageFields = ["cpu", "memory"];
    private static readonly string[] EntryFields = ["type", "name", "alias", "spec"];
    private static readonly string[] SpecFields = ["image", "imagePullSecrets", "permissions"];
    private static readonly string[] CommonEntrySpecFields = ["required", "default", "editable"];
    private static readonly string[] CanonicalTypes = ["string", "integer", "boolean", "option", "multiple-options"];
    private static readonly string[] PermissionNames = ["workspace", "controller"];

    public static string TypeName(ConfigType type) => CanonicalTypes[(int)type];

    /// <summary>Reads a config type; <c>multiple_options</c> and <c>multipleOptions</c> are accepted spellings of <c>multiple-options</c>.</summary>
    public static bool TryParseType(string text, out ConfigType type)
    {
        ArgumentNullException.ThrowIfNull(text);
        var index = Array.IndexOf(CanonicalTypes, text is "multiple_options" or "multipleOptions" ? "multiple-options" : text);
        type = index < 0 ? default : (ConfigType)index;
        return index >= 0;
    }

    /// <summary>Parses module file text: JSON when it starts with <c>{</c>, YAML otherwise.</summary>
    public static ModuleFileResult Parse(string text, string operatorVersion = OperatorVersion)
    {
        ArgumentNullException.ThrowIfNull(text);
        JsonNode? document;
        try
        {
            document = text.TrimStart().StartsWith('{') ? Documents.ParseJson(System.Text.Encoding.UTF8.GetBytes(text)) : Documents.ParseYaml(text);
        }
        catch (DocumentFormatException e)
        {
            return new ModuleFileResult(null, [new FieldError("FieldValueInvalid", FileField, $"not a JSON or YAML document: {e.Message}")]);
        }

        return Parse(document, operatorVersion);
    }

    /// <summary>
    /// Validates a parsed module file. <paramref name="path"/> prefixes every field path (<c>spec</c> for a
    /// ModuleDefinition); <paramref name="requireKind"/> false lets <c>kind</c> be left out (it must still be Custom when given).
    /// </summary>
    public static ModuleFileResult Parse(JsonNode? document, string operatorVersion = OperatorVersion, string path = "", bool requireKind = true)
    {
        ArgumentNullException.ThrowIfNull(operatorVersion);
        ArgumentNullException.ThrowIfNull(path);
        var errors = new List<FieldError>();
        if (document is not JsonObject root)
        {
            errors.Add(FieldError.TypeInvalid(path.Length == 0 ? FileField : path, document, "object"));
            return new ModuleFileResult(null, errors);
        }

        Unknown(root, path, TopFields, errors);
        var kind = root["kind"];
        if (kind is null)
        {
            if (requireKind)
            {
                errors.Add(FieldError.Required(Join(path, "kind"), $"must be \"{Kind}\""));
            }
        }
        else if (ObjectMetadata.GetString(kind) != Kind)
        {
            errors.Add(FieldError.NotSupported(Join(path, "kind"), kind, [Kind]));
        }

        var metadata = ReadMetadata(root["metadata"], Join(path, "metadata"), operatorVersion, errors);
        var config = ReadConfig(root["config"], Join(path, "config"), errors);
        var spec = ReadSpec(root["spec"], Join(path, "spec"), errors);
        return errors.Count == 0
            ? new ModuleFileResult(new ModuleFile(metadata!, config, spec!), errors)
            : new ModuleFileResult(null, errors);
    }

    /// <summary>True for a positive Kubernetes quantity (<c>500m</c>, <c>2</c>, <c>0.5</c>, <c>512Mi</c>, <c>2Gi</c>, <c>1e3</c>).</summary>
    public static bool IsPositiveQuantity(string text) =>
        Quantity().Match(text ?? "") is { Success: true } m && m.Groups["number"].Value.Any(c => c is >= '1' and <= '9');

    internal static string Join(string path, string field) => path.Length == 0 ? field : $"{path}.{field}";

    private static ModuleFileMetadata? ReadMetadata(JsonNode? node, string path, string operatorVersion, List<FieldError> errors)
    {
        if (node is not JsonObject metadata)
        {
            errors.Add(node is null ? FieldError.Required(path) : FieldError.TypeInvalid(path, node, "object"));
            return null;
        }

        Unknown(metadata, path, MetadataFields, errors);
        var name = RequiredString(metadata, path, "name", errors);
        if (name is not null)
        {
            errors.AddRange(NameRules.CheckLabel(Join(path, "name"), name));
        }

        var version = RequiredString(metadata, path, "version", errors);
        if (version is not null && SemanticVersion.Parse(version) is null)
        {
            errors.Add(FieldError.Invalid(Join(path, "version"), version, "must be a semantic version (SemVer 2.0, e.g. \"1.0.0\" or \"1.2.0-rc.1\")"));
        }

        var supported = RequiredString(metadata, path, "supportedOperatorVersion", errors);
        if (supported is not null)
        {
            CheckOperatorVersion(supported, operatorVersion, Join(path, "supportedOperatorVersion"), errors);
        }

        var author = OptionalString(metadata, path, "author", errors);
        var description = OptionalString(metadata, path, "description", errors);
        var category = OptionalString(metadata, path, "category", errors);
        var image = OptionalString(metadata, path, "image", errors);
        string? cpu = null, memory = null;
        var usagePath = Join(path, "resource_usage");
        switch (metadata["resource_usage"])
        {
            case null:
                break;
            case JsonObject usage:
                Unknown(usage, usagePath, ResourceUsageFields, errors);
                cpu = ReadQuantity(usage["cpu"], Join(usagePath, "cpu"), "a CPU quantity such as \"500m\" or \"2\"", errors);
                memory = ReadQuantity(usage["memory"], Join(usagePath, "memory"), "a memory quantity such as \"512Mi\" or \"2Gi\"", errors);
                break;
            case var other:
                errors.Add(FieldError.TypeInvalid(usagePath, other, "object"));
                break;
        }

        return name is null || version is null || supported is null
            ? null
            : new ModuleFileMetadata(name, version, supported, author, description, category, image, cpu, memory);
    }

    private static void CheckOperatorVersion(string supported, string operatorVersion, string field, List<FieldError> errors)
    {
        var constraint = VersionConstraint.Parse(supported, out var problem);
        if (constraint is null)
        {
            errors.Add(FieldError.Invalid(field, supported, problem!));
            return;
        }

        var ours = SemanticVersion.Parse(operatorVersion) ?? throw new ArgumentException($"operator version \"{operatorVersion}\" is not a semantic version", nameof(operatorVersion));
        if (!constraint.IsSatisfiedBy(ours))
        {
            errors.Add(FieldError.Invalid(field, supported, $"the module supports operator versions \"{supported}\", but this operator is version {operatorVersion}"));
        }
    }

    private static string? ReadQuantity(JsonNode? node, string field, string expected, List<FieldError> errors)
    {
        if (node is null)
        {
            return null;
        }

        // YAML reads `cpu: 2` as a number; Kubernetes quantities are int-or-string, so both spellings are accepted.
        var text = node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.ToJsonString() : ObjectMetadata.GetString(node);
        if (text is null)
        {
            errors.Add(FieldError.TypeInvalid(field, node, "string"));
            return null;
        }

        if (!IsPositiveQuantity(text))
        {
            errors.Add(FieldError.Invalid(field, node, $"must be {expected} (a positive Kubernetes quantity)"));
            return null;
        }

        return text;
    }

    private static List<ConfigEntry> ReadConfig(JsonNode? node, string path, List<FieldError> errors)
    {
        var entries = new List<ConfigEntry>();
        if (node is null)
        {
            return entries;
        }

        if (node is not JsonArray items)
        {
            errors.Add(FieldError.TypeInvalid(path, node, "array"));
            return entries;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var aliases = new List<(string Alias, string Owner, string Field)>();
        for (var i = 0; i < items.Count; i++)
        {
            var itemPath = $"{path}[{i}]";

            // Names are compared even when an entry is invalid otherwise, so a clash is reported with its other problems.
            var duplicate = ObjectMetadata.GetString(items[i]?["name"]) is { Length: > 0 } seen && !names.Add(seen);
            var entry = ReadEntry(items[i], itemPath, errors);
            if (duplicate)
            {
                errors.Add(FieldError.Duplicate(Join(itemPath, "name"), items[i]!["name"]));
            }

            if (entry is null || duplicate)
            {
                continue;
            }

            if (entry.Alias is { } alias)
            {
                aliases.Add((alias, entry.Name, Join(itemPath, "alias")));
            }

            entries.Add(entry);
        }

        // An alias is another key for its own entry: it may repeat its entry's name, but never another entry's name or alias.
        var seenAliases = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (alias, owner, field) in aliases)
        {
            if (!seenAliases.Add(alias))
            {
                errors.Add(FieldError.Duplicate(field, JsonValue.Create(alias)));
            }
            else if (alias != owner && names.Contains(alias))
            {
                errors.Add(FieldError.Invalid(field, alias, $"is the name of another config entry"));
            }
        }

        return entries;
    }

    private static ConfigEntry? ReadEntry(JsonNode? node, string path, List<FieldError> errors)
    {
        if (node is not JsonObject item)
        {
            errors.Add(FieldError.TypeInvalid(path, node, "object"));
            return null;
        }

        var before = errors.Count;
        Unknown(item, path, EntryFields, errors);
        ConfigType? type = null;
        if (RequiredString(item, path, "type", errors) is { } typeText)
        {
            if (TryParseType(typeText, out var parsed))
            {
                type = parsed;
            }
            else
            {
                errors.Add(FieldError.NotSupported(Join(path, "type"), JsonValue.Create(typeText), CanonicalTypes));
            }
        }

        var name = RequiredString(item, path, "name", errors);
        if (name is not null && !ConfigKey().IsMatch(name))
        {
            errors.Add(FieldError.Invalid(Join(path, "name"), name, ConfigKeyRule));
        }

        var alias = OptionalString(item, path, "alias", errors);
        if (alias is not null && !ConfigKey().IsMatch(alias))
        {
            errors.Add(FieldError.Invalid(Join(path, "alias"), alias, ConfigKeyRule));
        }

        var specPath = Join(path, "spec");
        var spec = item["spec"] switch
        {
            null => new JsonObject(),
            JsonObject o => o,
            var other => Fail(FieldError.TypeInvalid(specPath, other, "object"), errors),
        };
        if (spec is null)
        {
            return null;
        }

        if (type is { } t)
        {
            Unknown(spec, specPath, [.. CommonEntrySpecFields, .. TypeSpecFields(t)], errors, $"is not a field of a {TypeName(t)} entry");
        }

        var required = OptionalBool(spec, specPath, "required", errors) ?? false;
        var editable = OptionalBool(spec, specPath, "editable", errors) ?? true;
        var regex = type == ConfigType.String ? ReadRegex(spec, specPath, errors) : null;
        var (min, max) = type is ConfigType.Integer or ConfigType.MultipleOptions ? ReadBounds(spec, specPath, type == ConfigType.MultipleOptions, errors) : (null, null);
        var values = type is ConfigType.Option or ConfigType.MultipleOptions ? ReadValues(spec, specPath, errors) : [];
        if (type is null || name is null || errors.Count > before)
        {
            return null;
        }

        var entry = new ConfigEntry(type.Value, name, alias, required, null, editable, regex, min, max, values);
        if (spec["default"] is { } defaultValue)
        {
            // A default is a value like any other: it must pass the entry's own rules.
            var normalized = ModuleConfig.CheckValue(entry, defaultValue, Join(specPath, "default"), errors);
            if (errors.Count > before)
            {
                return null;
            }

            entry = entry with { Default = normalized };
        }

        return entry;
    }

    private static string[] TypeSpecFields(ConfigType type) => type switch
    {
        ConfigType.String => ["regex"],
        ConfigType.Integer => ["min", "max"],
        ConfigType.Option => ["values"],
        ConfigType.MultipleOptions => ["values", "min", "max"],
        _ => [],
    };

    private static string? ReadRegex(JsonObject spec, string path, List<FieldError> errors)
    {
        var pattern = OptionalString(spec, path, "regex", errors);
        if (pattern is not null && ModuleConfig.CompileRegex(pattern, out var problem) is null)
        {
            errors.Add(FieldError.Invalid(Join(path, "regex"), pattern, $"must be a valid regular expression: {problem}"));
            return null;
        }

        return pattern;
    }

    private static (long? Min, long? Max) ReadBounds(JsonObject spec, string path, bool isCount, List<FieldError> errors)
    {
        var min = OptionalInteger(spec, path, "min", errors);
        var max = OptionalInteger(spec, path, "max", errors);
        if (isCount)
        {
            foreach (var (value, field) in new[] { (min, "min"), (max, "max") })
            {
                if (value < 0)
                {
                    errors.Add(FieldError.Invalid(Join(path, field), JsonValue.Create(value), "a number of values must not be negative"));
                }
            }
        }

        if (min is { } lo && max is { } hi && lo > hi)
        {
            errors.Add(FieldError.Invalid(Join(path, "min"), JsonValue.Create(lo), $"must be less than or equal to max ({hi})"));
        }

        return (min, max);
    }

    private static List<string> ReadValues(JsonObject spec, string path, List<FieldError> errors)
    {
        var field = Join(path, "values");
        var values = new List<string>();
        switch (spec["values"])
        {
            case null:
                errors.Add(FieldError.Required(field, "the choices of an option entry"));
                break;
            case JsonArray array when array.Count == 0:
                errors.Add(FieldError.Required(field, "must list at least one value"));
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (ObjectMetadata.GetString(array[i]) is not { } value)
                    {
                        errors.Add(FieldError.TypeInvalid($"{field}[{i}]", array[i], "string"));
                    }
                    else if (values.Contains(value))
                    {
                        errors.Add(FieldError.Duplicate($"{field}[{i}]", array[i]));
                    }
                    else
                    {
                        values.Add(value);
                    }
                }

                break;
            case var other:
                errors.Add(FieldError.TypeInvalid(field, other, "array"));
                break;
        }

        return values;
    }

    private static ModuleFileSpec? ReadSpec(JsonNode? node, string path, List<FieldError> errors)
    {
        if (node is not JsonObject spec)
        {
            errors.Add(node is null ? FieldError.Required(path) : FieldError.TypeInvalid(path, node, "object"));
            return null;
        }

        Unknown(spec, path, SpecFields, errors);
        var image = RequiredString(spec, path, "image", errors);
        if (image is not null && (image.Length == 0 || image.Any(char.IsWhiteSpace)))
        {
            errors.Add(FieldError.Invalid(Join(path, "image"), image, "must be a container image reference such as \"my-registry/my-module:v1.0.0\""));
        }

        var secrets = ReadStrings(spec["imagePullSecrets"], Join(path, "imagePullSecrets"), errors, (field, value) => NameRules.CheckSubdomain(field, value));
        var permissionTexts = ReadStrings(spec["permissions"], Join(path, "permissions"), errors, (field, value) =>
            PermissionNames.Contains(value) ? [] : [FieldError.NotSupported(field, JsonValue.Create(value), PermissionNames)]);
        var permissions = permissionTexts.Where(PermissionNames.Contains).Select(p => p == "controller" ? ModuleAccess.Controller : ModuleAccess.Workspace).ToList();
        return image is null ? null : new ModuleFileSpec(image, secrets, permissions);
    }

    /// <summary>A list of unique strings, each checked by <paramref name="check"/>.</summary>
    private static List<string> ReadStrings(JsonNode? node, string path, List<FieldError> errors, Func<string, string, IEnumerable<FieldError>> check)
    {
        var values = new List<string>();
        if (node is null)
        {
            return values;
        }

        if (node is not JsonArray array)
        {
            errors.Add(FieldError.TypeInvalid(path, node, "array"));
            return values;
        }

        for (var i = 0; i < array.Count; i++)
        {
            var field = $"{path}[{i}]";
            if (ObjectMetadata.GetString(array[i]) is not { } value)
            {
                errors.Add(FieldError.TypeInvalid(field, array[i], "string"));
            }
            else if (values.Contains(value))
            {
                errors.Add(FieldError.Duplicate(field, array[i]));
            }
            else
            {
                errors.AddRange(check(field, value));
                values.Add(value);
            }
        }

        return values;
    }

    private static void Unknown(JsonObject obj, string path, string[] known, List<FieldError> errors, string? detail = null)
    {
        foreach (var (key, _) in obj)
        {
            if (!known.Contains(key))
            {
                var field = Join(path, key);
                errors.Add(detail is null ? FieldError.UnknownField(field) : new FieldError("FieldValueInvalid", field, $"unknown field \"{field}\": {detail}"));
            }
        }
    }

    private static string? RequiredString(JsonObject obj, string path, string name, List<FieldError> errors)
    {
        var field = Join(path, name);
        switch (obj[name])
        {
            case null:
                errors.Add(FieldError.Required(field));
                return null;
            case var node when ObjectMetadata.GetString(node) is { } text:
                if (text.Length == 0)
                {
                    errors.Add(FieldError.Required(field));
                    return null;
                }

                return text;
            case var other:
                errors.Add(FieldError.TypeInvalid(field, other, "string"));
                return null;
        }
    }

    private static string? OptionalString(JsonObject obj, string path, string name, List<FieldError> errors)
    {
        var node = obj[name];
        if (node is null)
        {
            return null;
        }

        var text = ObjectMetadata.GetString(node);
        if (text is null)
        {
            errors.Add(FieldError.TypeInvalid(Join(path, name), node, "string"));
        }

        return text;
    }

    private static bool? OptionalBool(JsonObject obj, string path, string name, List<FieldError> errors)
    {
        var node = obj[name];
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            return v.GetValueKind() == JsonValueKind.True;
        }

        errors.Add(FieldError.TypeInvalid(Join(path, name), node, "boolean"));
        return null;
    }

    private static long? OptionalInteger(JsonObject obj, string path, string name, List<FieldError> errors)
    {
        var node = obj[name];
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && JsonNumbers.TryGetInteger(v, out var value))
        {
            return value;
        }

        errors.Add(FieldError.TypeInvalid(Join(path, name), node, "integer"));
        return null;
    }

    private static JsonObject? Fail(FieldError error, List<FieldError> errors)
    {
        errors.Add(error);
        return null;
    }

    private const string ConfigKeyRule = "must start with a letter or '_' and consist of letters, digits, '_' or '-' (at most 63 characters)";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]{0,62}$")]
    private static partial Regex ConfigKey();

    [GeneratedRegex(@"^\+?(?<number>[0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$")]
    private static partial Regex Quantity();
}
