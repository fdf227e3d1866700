using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CustomResources.Core.Errors;

namespace CustomResources.Core.Schema;

/// <summary>
/// Checks an <c>openAPIV3Schema</c> against the rules for CRD structural schemas and builds the
/// <see cref="SchemaNode"/> tree. Reports every problem it finds; never throws on malformed input.
/// </summary>
internal sealed class SchemaChecker
{
    internal static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(100);

    private static readonly string[] Types = ["array", "boolean", "integer", "number", "object", "string"];

    private static readonly string[] ListTypes = ["atomic", "map", "set"];

    private static readonly string[] MapTypes = ["atomic", "granular"];

    private static readonly Dictionary<string, string> ForbiddenKeywords = new(StringComparer.Ordinal)
    {
        ["$ref"] = "$ref is not supported",
        ["$schema"] = "$schema is not supported",
        ["id"] = "id is not supported",
        ["definitions"] = "definitions are not supported",
        ["patternProperties"] = "patternProperties is not supported",
        ["dependencies"] = "dependencies are not supported",
        ["additionalItems"] = "additionalItems is not supported",
    };

    private readonly List<FieldError> _errors = [];

    private readonly List<SchemaNode> _withDefaults = [];

    private SchemaChecker()
    {
    }

    /// <summary>Checks the schema; the tree is only meaningful when no errors were found.</summary>
    public static (SchemaNode Root, List<FieldError> Errors, List<SchemaNode> NodesWithDefaults) Check(JsonObject schema, string fieldPath)
    {
        var checker = new SchemaChecker();
        var root = checker.CheckNode(schema, fieldPath, isRoot: true, inJunctor: false);
        return (root, checker._errors, checker._withDefaults);
    }

    private SchemaNode CheckNode(JsonNode? value, string path, bool isRoot, bool inJunctor)
    {
        var node = new SchemaNode { SchemaPath = path };
        if (value is not JsonObject obj)
        {
            _errors.Add(FieldError.Invalid(path, value, "must be a schema object"));
            return node;
        }

        JsonNode? typeValue = null;
        var hasType = false;
        var hasProperties = false;
        var hasItems = false;
        JsonNode? additionalProperties = null;
        var hasAdditionalProperties = false;

        foreach (var (key, child) in obj)
        {
            var at = $"{path}.{key}";
            switch (key)
            {
                case "type":
                    hasType = true;
                    typeValue = child;
                    if (child?.GetValueKind() == JsonValueKind.String && Types.Contains(child.GetValue<string>(), StringComparer.Ordinal))
                    {
                        node.Type = child.GetValue<string>();
                    }
                    else if (child?.GetValueKind() == JsonValueKind.String)
                    {
                        _errors.Add(FieldError.NotSupported(at, child, Types));
                    }
                    else
                    {
                        _errors.Add(FieldError.Invalid(at, child, "must be a string, one of " + string.Join(", ", Types)));
                    }

                    break;
                case "properties":
                    hasProperties = true;
                    CheckProperties(node, child, at, inJunctor);
                    break;
                case "additionalProperties":
                    hasAdditionalProperties = true;
                    additionalProperties = child;
                    if (child?.GetValueKind() is JsonValueKind.True)
                    {
                        node.AdditionalPropertiesAny = true;
                    }
                    else if (child?.GetValueKind() is JsonValueKind.False)
                    {
                        // Nothing beyond the declared properties: unknown keys are pruned as usual.
                    }
                    else if (child is JsonObject)
                    {
                        node.AdditionalProperties = CheckNode(child, at, false, inJunctor);
                    }
                    else
                    {
                        _errors.Add(FieldError.Invalid(at, child, "must be a schema object or a boolean"));
                    }

                    break;
                case "items":
                    hasItems = true;
                    if (child is JsonObject)
                    {
                        node.Items = CheckNode(child, at, false, inJunctor);
                    }
                    else if (child is JsonArray)
                    {
                        _errors.Add(FieldError.Forbidden(at, "items must be a single schema object; lists of schemas (tuples) are not supported"));
                    }
                    else
                    {
                        _errors.Add(FieldError.Invalid(at, child, "must be a schema object"));
                    }

                    break;
                case "required":
                    CheckRequired(node, child, at);
                    break;
                case "enum":
                    if (child is JsonArray { Count: > 0 } values)
                    {
                        node.Enum = [.. values.Select(v => v?.DeepClone())];
                    }
                    else if (child is JsonArray)
                    {
                        _errors.Add(FieldError.Invalid(at, child, "must contain at least one value"));
                    }
                    else
                    {
                        _errors.Add(FieldError.Invalid(at, child, "must be an array of values"));
                    }

                    break;
                case "pattern":
                    if (RequireString(child, at) is { } pattern)
                    {
                        node.PatternText = pattern;
                        node.Pattern = CompilePattern(pattern, out var regexError);
                        if (regexError is not null)
                        {
                            _errors.Add(FieldError.Invalid(at, child, $"must be a valid regular expression, but isn't: {regexError}"));
                        }
                    }

                    break;
                case "minimum":
                    node.Minimum = RequireNumber(child, at);
                    break;
                case "maximum":
                    node.Maximum = RequireNumber(child, at);
                    break;
                case "multipleOf":
                    node.MultipleOf = RequireNumber(child, at);
                    if (node.MultipleOf is <= 0)
                    {
                        _errors.Add(FieldError.Invalid(at, child, "must be greater than 0"));
                        node.MultipleOf = null;
                    }

                    break;
                case "minLength":
                    node.MinLength = RequireCount(child, at);
                    break;
                case "maxLength":
                    node.MaxLength = RequireCount(child, at);
                    break;
                case "minItems":
                    node.MinItems = RequireCount(child, at);
                    break;
                case "maxItems":
                    node.MaxItems = RequireCount(child, at);
                    break;
                case "minProperties":
                    node.MinProperties = RequireCount(child, at);
                    break;
                case "maxProperties":
                    node.MaxProperties = RequireCount(child, at);
                    break;
                case "format":
                    node.Format = RequireString(child, at);
                    break;
                case "title":
                case "description":
                    RequireString(child, at);
                    break;
                case "example":
                    break;
                case "externalDocs":
                    CheckExternalDocs(child, at);
                    break;
                case "nullable":
                    node.Nullable = RequireBoolean(child, at);
                    break;
                case "uniqueItems":
                    node.UniqueItems = RequireBoolean(child, at);
                    break;
                case "exclusiveMinimum":
                    node.ExclusiveMinimum = RequireBoolean(child, at);
                    break;
                case "exclusiveMaximum":
                    node.ExclusiveMaximum = RequireBoolean(child, at);
                    break;
                case "x-kubernetes-preserve-unknown-fields":
                    node.PreserveUnknownFields = RequireBoolean(child, at);
                    break;
                case "x-kubernetes-int-or-string":
                    node.IntOrString = RequireBoolean(child, at);
                    break;
                case "x-kubernetes-embedded-resource":
                    node.EmbeddedResource = RequireBoolean(child, at);
                    break;
                case "x-kubernetes-list-type":
                    if (RequireString(child, at) is { } listType && !ListTypes.Contains(listType, StringComparer.Ordinal))
                    {
                        _errors.Add(FieldError.NotSupported(at, child, ListTypes));
                    }

                    break;
                case "x-kubernetes-map-type":
                    if (RequireString(child, at) is { } mapType && !MapTypes.Contains(mapType, StringComparer.Ordinal))
                    {
                        _errors.Add(FieldError.NotSupported(at, child, MapTypes));
                    }

                    break;
                case "x-kubernetes-list-map-keys":
                    CheckStringList(child, at, unique: true);
                    break;
                case "x-kubernetes-validations":
                    // CEL validation rules: accepted, not evaluated.
                    if (child is not JsonArray)
                    {
                        _errors.Add(FieldError.Invalid(at, child, "must be an array of validation rules"));
                    }

                    break;
                case "default":
                    if (inJunctor)
                    {
                        _errors.Add(FieldError.Forbidden(at, "default must not be used inside allOf, anyOf, oneOf or not"));
                    }
                    else
                    {
                        node.HasDefault = true;
                        node.Default = child?.DeepClone();
                        _withDefaults.Add(node);
                    }

                    break;
                case "allOf":
                    CheckSchemaList(node.AllOf, child, at);
                    break;
                case "anyOf":
                    CheckSchemaList(node.AnyOf, child, at);
                    break;
                case "oneOf":
                    CheckSchemaList(node.OneOf, child, at);
                    break;
                case "not":
                    node.Not = CheckNode(child, at, false, inJunctor: true);
                    break;
                default:
                    _errors.Add(ForbiddenKeywords.TryGetValue(key, out var why) ? FieldError.Forbidden(at, why) : FieldError.UnknownField(at));
                    break;
            }
        }

        CheckCombinations(node, obj, path, isRoot, inJunctor, hasType, typeValue, hasProperties, hasItems, hasAdditionalProperties, additionalProperties);
        return node;
    }

    private void CheckCombinations(
        SchemaNode node,
        JsonObject obj,
        string path,
        bool isRoot,
        bool inJunctor,
        bool hasType,
        JsonNode? typeValue,
        bool hasProperties,
        bool hasItems,
        bool hasAdditionalProperties,
        JsonNode? additionalProperties)
    {
        if (isRoot)
        {
            if (!hasType)
            {
                _errors.Add(FieldError.Required($"{path}.type", "must be object at the root"));
            }
            else if (node.Type is not null and not "object")
            {
                _errors.Add(FieldError.Invalid($"{path}.type", typeValue, "must be object at the root"));
            }
        }
        else if (!hasType && !inJunctor && !node.IntOrString && !node.PreserveUnknownFields)
        {
            _errors.Add(FieldError.Required($"{path}.type", "must not be empty unless x-kubernetes-int-or-string or x-kubernetes-preserve-unknown-fields is true"));
        }

        if (node.IntOrString && hasType)
        {
            _errors.Add(FieldError.Forbidden($"{path}.type", "must not be set when x-kubernetes-int-or-string is true"));
        }

        if (hasProperties && node.Type is not null and not "object")
        {
            _errors.Add(FieldError.Forbidden($"{path}.properties", $"must only be used with type object, not {node.Type}"));
        }

        if (hasAdditionalProperties)
        {
            if (hasProperties && additionalProperties?.GetValueKind() != JsonValueKind.True)
            {
                _errors.Add(FieldError.Forbidden($"{path}.additionalProperties", "additionalProperties and properties are mutually exclusive"));
            }

            if (node.Type is not null and not "object")
            {
                _errors.Add(FieldError.Forbidden($"{path}.additionalProperties", $"must only be used with type object, not {node.Type}"));
            }
        }

        if (hasItems && node.Type is not null and not "array")
        {
            _errors.Add(FieldError.Forbidden($"{path}.items", $"must only be used with type array, not {node.Type}"));
        }
        else if (!hasItems && node.Type == "array" && !inJunctor)
        {
            _errors.Add(FieldError.Required($"{path}.items", "must be specified for type array"));
        }

        if (node.EmbeddedResource && node.Type is not null and not "object")
        {
            _errors.Add(FieldError.Forbidden($"{path}.x-kubernetes-embedded-resource", "must only be used with type object"));
        }

        CheckRange(obj, path, "minLength", node.MinLength, "maxLength", node.MaxLength);
        CheckRange(obj, path, "minItems", node.MinItems, "maxItems", node.MaxItems);
        CheckRange(obj, path, "minProperties", node.MinProperties, "maxProperties", node.MaxProperties);
        if (node.Minimum is { } min && node.Maximum is { } max && min > max)
        {
            _errors.Add(FieldError.Invalid($"{path}.minimum", obj["minimum"], "must be less than or equal to maximum"));
        }

        if (node.ExclusiveMinimum && node.Minimum is null)
        {
            _errors.Add(FieldError.Required($"{path}.minimum", "must be set when exclusiveMinimum is true"));
        }

        if (node.ExclusiveMaximum && node.Maximum is null)
        {
            _errors.Add(FieldError.Required($"{path}.maximum", "must be set when exclusiveMaximum is true"));
        }
    }

    private void CheckRange(JsonObject obj, string path, string minName, int? min, string maxName, int? max)
    {
        if (min is { } low && max is { } high && low > high)
        {
            _errors.Add(FieldError.Invalid($"{path}.{minName}", obj[minName], $"must be less than or equal to {maxName}"));
        }
    }

    private void CheckProperties(SchemaNode node, JsonNode? value, string path, bool inJunctor)
    {
        if (value is not JsonObject properties)
        {
            _errors.Add(FieldError.Invalid(path, value, "must be an object mapping property names to schemas"));
            return;
        }

        node.Properties = new Dictionary<string, SchemaNode>(properties.Count, StringComparer.Ordinal);
        foreach (var (name, schema) in properties)
        {
            node.Properties[name] = CheckNode(schema, $"{path}[{name}]", false, inJunctor);
        }
    }

    private void CheckRequired(SchemaNode node, JsonNode? value, string path)
    {
        if (value is not JsonArray names)
        {
            _errors.Add(FieldError.Invalid(path, value, "must be an array of property names"));
            return;
        }

        for (var i = 0; i < names.Count; i++)
        {
            var name = names[i];
            if (name?.GetValueKind() != JsonValueKind.String)
            {
                _errors.Add(FieldError.Invalid($"{path}[{i}]", name, "must be a string"));
            }
            else if (node.Required.Contains(name.GetValue<string>()))
            {
                _errors.Add(FieldError.Duplicate($"{path}[{i}]", name));
            }
            else
            {
                node.Required.Add(name.GetValue<string>());
            }
        }
    }

    private void CheckSchemaList(List<SchemaNode> target, JsonNode? value, string path)
    {
        if (value is not JsonArray { Count: > 0 } schemas)
        {
            _errors.Add(FieldError.Invalid(path, value, "must be a non-empty array of schemas"));
            return;
        }

        for (var i = 0; i < schemas.Count; i++)
        {
            target.Add(CheckNode(schemas[i], $"{path}[{i}]", false, inJunctor: true));
        }
    }

    private void CheckExternalDocs(JsonNode? value, string path)
    {
        if (value is not JsonObject docs)
        {
            _errors.Add(FieldError.Invalid(path, value, "must be an object"));
            return;
        }

        foreach (var (key, child) in docs)
        {
            if (key is "description" or "url")
            {
                RequireString(child, $"{path}.{key}");
            }
            else
            {
                _errors.Add(FieldError.UnknownField($"{path}.{key}"));
            }
        }
    }

    private void CheckStringList(JsonNode? value, string path, bool unique)
    {
        if (value is not JsonArray items)
        {
            _errors.Add(FieldError.Invalid(path, value, "must be an array of strings"));
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            if (RequireString(items[i], $"{path}[{i}]") is { } s && unique && !seen.Add(s))
            {
                _errors.Add(FieldError.Duplicate($"{path}[{i}]", items[i]));
            }
        }
    }

    private string? RequireString(JsonNode? value, string path)
    {
        if (value?.GetValueKind() == JsonValueKind.String)
        {
            return value.GetValue<string>();
        }

        _errors.Add(FieldError.Invalid(path, value, "must be a string"));
        return null;
    }

    private bool RequireBoolean(JsonNode? value, string path)
    {
        switch (value?.GetValueKind())
        {
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            default:
                _errors.Add(FieldError.Invalid(path, value, "must be a boolean"));
                return false;
        }
    }

    private decimal? RequireNumber(JsonNode? value, string path)
    {
        if (value?.GetValueKind() != JsonValueKind.Number)
        {
            _errors.Add(FieldError.Invalid(path, value, "must be a number"));
            return null;
        }

        if (JsonNumbers.TryGetDecimal(value.AsValue(), out var number))
        {
            return number;
        }

        _errors.Add(FieldError.Invalid(path, value, "must be a number between -7.9e28 and 7.9e28"));
        return null;
    }

    private int? RequireCount(JsonNode? value, string path)
    {
        if (value?.GetValueKind() == JsonValueKind.Number && JsonNumbers.TryGetInteger(value.AsValue(), out var count) && count is >= 0 and <= int.MaxValue)
        {
            return (int)count;
        }

        _errors.Add(FieldError.Invalid(path, value, "must be a non-negative integer"));
        return null;
    }

    /// <summary>
    /// Compiles a <c>pattern</c>. ECMAScript semantics (as OpenAPI specifies; <c>\d</c> is ASCII) when the pattern
    /// is valid ECMAScript, otherwise .NET semantics (e.g. for <c>\p{L}</c>, which Kubernetes' RE2 accepts too).
    /// </summary>
    internal static Regex? CompilePattern(string pattern, out string? error)
    {
        error = null;
        try
        {
            return new Regex(pattern, RegexOptions.ECMAScript | RegexOptions.CultureInvariant, RegexTimeout);
        }
        catch (ArgumentException)
        {
            // Not ECMAScript; fall through to the full .NET syntax.
        }

        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, RegexTimeout);
        }
        catch (ArgumentException ex)
        {
            error = ex.Message;
            return null;
        }
    }
}
