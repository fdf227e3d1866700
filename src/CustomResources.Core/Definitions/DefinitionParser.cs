using System.Text.Json;
using System.Text.Json.Nodes;
using CustomResources.Core.Errors;
using CustomResources.Core.Objects;
using CustomResources.Core.Schema;

namespace CustomResources.Core.Definitions;

/// <summary>A parsed CustomResourceDefinition: the model, the compiled schema of each version, or every problem found.</summary>
public sealed record ParsedDefinition(
    ResourceDefinition? Definition,
    IReadOnlyDictionary<string, CompiledSchema> Schemas,
    IReadOnlyList<FieldError> Errors);

/// <summary>Reads an <c>apiextensions.k8s.io/v1</c> CustomResourceDefinition object and checks every rule of its spec.</summary>
public static class DefinitionParser
{
    private static readonly string[] Scopes = ["Cluster", "Namespaced"];
    private static readonly string[] ColumnTypes = ["boolean", "date", "integer", "number", "string"];

    public static ParsedDefinition Parse(JsonObject crd)
    {
        var errors = new List<FieldError>();
        var schemas = new Dictionary<string, CompiledSchema>(StringComparer.Ordinal);
        var name = crd["metadata"]?["name"] is JsonValue n && n.TryGetValue<string>(out var s) ? s : "";

        if (crd["spec"] is not JsonObject spec)
        {
            errors.Add(FieldError.Required("spec"));
            return new ParsedDefinition(null, schemas, errors);
        }

        var group = ReadString(spec, "group", "spec.group", errors, required: true);
        if (group.Length > 0)
        {
            errors.AddRange(NameRules.CheckSubdomain("spec.group", group));
            if (!group.Contains('.', StringComparison.Ordinal))
            {
                errors.Add(FieldError.Invalid("spec.group", group, "should be a domain with at least one dot"));
            }
        }

        var names = ParseNames(spec["names"], errors);
        var scopeText = ReadString(spec, "scope", "spec.scope", errors, required: true);
        if (scopeText.Length > 0 && !Scopes.Contains(scopeText, StringComparer.Ordinal))
        {
            errors.Add(FieldError.NotSupported("spec.scope", JsonValue.Create(scopeText), Scopes));
        }

        if (names is not null && group.Length > 0 && name != $"{names.Plural}.{group}")
        {
            errors.Add(FieldError.Invalid("metadata.name", name, $"must be spec.names.plural+\".\"+spec.group (\"{names.Plural}.{group}\")"));
        }

        if (spec["conversion"] is JsonObject conversion && conversion["strategy"] is JsonNode strategy
            && strategy.GetValueKind() == JsonValueKind.String && strategy.GetValue<string>() != "None")
        {
            errors.Add(FieldError.NotSupported("spec.conversion.strategy", strategy, ["None"]));
        }

        if (spec["preserveUnknownFields"] is JsonNode preserve && preserve.GetValueKind() == JsonValueKind.True)
        {
            errors.Add(FieldError.Invalid("spec.preserveUnknownFields", preserve, "must be false in order to use defaults in the schema; use x-kubernetes-preserve-unknown-fields in the schema instead"));
        }

        var versions = ParseVersions(spec["versions"], schemas, errors);

        if (errors.Count > 0 || names is null)
        {
            return new ParsedDefinition(null, schemas, errors);
        }

        var definition = new ResourceDefinition(group, names, scopeText == "Cluster" ? ResourceScope.Cluster : ResourceScope.Namespaced, versions)
        {
            ResourceVersion = crd["metadata"]?["resourceVersion"]?.GetValue<string>() ?? "",
        };
        return new ParsedDefinition(definition, schemas, errors);
    }

    private static ResourceNames? ParseNames(JsonNode? node, List<FieldError> errors)
    {
        if (node is not JsonObject names)
        {
            errors.Add(node is null ? FieldError.Required("spec.names") : FieldError.TypeInvalid("spec.names", node, "object"));
            return null;
        }

        var plural = ReadString(names, "plural", "spec.names.plural", errors, required: true);
        if (plural.Length > 0)
        {
            errors.AddRange(NameRules.CheckDns1035("spec.names.plural", plural));
        }

        var kind = ReadString(names, "kind", "spec.names.kind", errors, required: true);
        if (kind.Length > 0 && !IsKindName(kind))
        {
            errors.Add(FieldError.Invalid("spec.names.kind", kind, "may have mixed case, but should otherwise match: [a-z]([-a-z0-9]*[a-z0-9])?"));
        }

        var singular = ReadString(names, "singular", "spec.names.singular", errors, required: false);
        if (singular.Length == 0)
        {
            singular = kind.ToLowerInvariant();
        }
        else
        {
            errors.AddRange(NameRules.CheckDns1035("spec.names.singular", singular));
        }

        var listKind = ReadString(names, "listKind", "spec.names.listKind", errors, required: false);
        if (listKind.Length == 0)
        {
            listKind = kind + "List";
        }
        else if (!IsKindName(listKind))
        {
            errors.Add(FieldError.Invalid("spec.names.listKind", listKind, "may have mixed case, but should otherwise match: [a-z]([-a-z0-9]*[a-z0-9])?"));
        }
        else if (listKind == kind)
        {
            errors.Add(FieldError.Invalid("spec.names.listKind", listKind, "kind and listKind may not be the same"));
        }

        var shortNames = ReadStringList(names, "shortNames", "spec.names.shortNames", errors);
        for (var i = 0; i < shortNames.Count; i++)
        {
            errors.AddRange(NameRules.CheckDns1035($"spec.names.shortNames[{i}]", shortNames[i]));
        }

        var categories = ReadStringList(names, "categories", "spec.names.categories", errors);
        for (var i = 0; i < categories.Count; i++)
        {
            errors.AddRange(NameRules.CheckDns1035($"spec.names.categories[{i}]", categories[i]));
        }

        return new ResourceNames(plural, singular, kind, listKind, shortNames, categories);
    }

    private static List<DefinitionVersion> ParseVersions(JsonNode? node, Dictionary<string, CompiledSchema> schemas, List<FieldError> errors)
    {
        var versions = new List<DefinitionVersion>();
        if (node is not JsonArray array || array.Count == 0)
        {
            errors.Add(node is null or JsonArray ? FieldError.Required("spec.versions", "must have exactly one version marked as storage version") : FieldError.TypeInvalid("spec.versions", node, "array"));
            return versions;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < array.Count; i++)
        {
            var path = $"spec.versions[{i}]";
            if (array[i] is not JsonObject v)
            {
                errors.Add(FieldError.TypeInvalid(path, array[i], "object"));
                continue;
            }

            var name = ReadString(v, "name", $"{path}.name", errors, required: true);
            if (name.Length > 0)
            {
                errors.AddRange(NameRules.CheckDns1035($"{path}.name", name));
                if (!seen.Add(name))
                {
                    errors.Add(FieldError.Duplicate($"{path}.name", JsonValue.Create(name)));
                }
            }

            var served = ReadBool(v, "served", $"{path}.served", errors, required: true);
            var storage = ReadBool(v, "storage", $"{path}.storage", errors, required: true);
            var deprecated = ReadBool(v, "deprecated", $"{path}.deprecated", errors, required: false);
            var warning = ReadString(v, "deprecationWarning", $"{path}.deprecationWarning", errors, required: false);
            if (warning.Length > 256)
            {
                errors.Add(FieldError.TooLong($"{path}.deprecationWarning", 256));
            }

            JsonObject? schema = null;
            var schemaPath = $"{path}.schema.openAPIV3Schema";
            if (v["schema"] is JsonObject schemaHolder && schemaHolder["openAPIV3Schema"] is JsonObject openApi)
            {
                schema = openApi;
                var compiled = SchemaCompiler.Compile(openApi, schemaPath);
                errors.AddRange(compiled.Errors);
                if (compiled.Schema is not null && name.Length > 0)
                {
                    schemas[name] = compiled.Schema;
                }
            }
            else if (v["schema"] is JsonObject { Count: > 0 } other && other["openAPIV3Schema"] is JsonNode wrong)
            {
                errors.Add(FieldError.TypeInvalid(schemaPath, wrong, "object"));
            }
            else
            {
                errors.Add(FieldError.Required(schemaPath, "schemas are required"));
            }

            var statusSubresource = false;
            if (v["subresources"] is JsonObject subresources)
            {
                statusSubresource = subresources["status"] is JsonObject;
                foreach (var (key, _) in subresources)
                {
                    if (key is not "status" and not "scale")
                    {
                        errors.Add(FieldError.UnknownField($"{path}.subresources.{key}"));
                    }
                }
            }

            var columns = ParseColumns(v["additionalPrinterColumns"], $"{path}.additionalPrinterColumns", errors);
            var selectable = ParseSelectableFields(v["selectableFields"], $"{path}.selectableFields", errors);
            versions.Add(new DefinitionVersion(name, served, storage, deprecated, warning.Length == 0 ? null : warning, schema, columns, statusSubresource)
            {
                SelectableFields = selectable,
            });
        }

        var storageCount = versions.Count(v => v.Storage);
        if (storageCount != 1)
        {
            errors.Add(FieldError.Invalid("spec.versions", JsonValue.Create(storageCount), "must have exactly one version marked as storage version"));
        }

        if (versions.Count > 0 && !versions.Any(v => v.Served))
        {
            errors.Add(FieldError.Invalid("spec.versions", JsonValue.Create(0), "must have at least one version marked as served"));
        }

        return versions;
    }

    private static List<PrinterColumn> ParseColumns(JsonNode? node, string path, List<FieldError> errors)
    {
        var columns = new List<PrinterColumn>();
        if (node is null)
        {
            return columns;
        }

        if (node is not JsonArray array)
        {
            errors.Add(FieldError.TypeInvalid(path, node, "array"));
            return columns;
        }

        for (var i = 0; i < array.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            if (array[i] is not JsonObject c)
            {
                errors.Add(FieldError.TypeInvalid(itemPath, array[i], "object"));
                continue;
            }

            var name = ReadString(c, "name", $"{itemPath}.name", errors, required: true);
            var type = ReadString(c, "type", $"{itemPath}.type", errors, required: true);
            if (type.Length > 0 && !ColumnTypes.Contains(type, StringComparer.Ordinal))
            {
                errors.Add(FieldError.NotSupported($"{itemPath}.type", JsonValue.Create(type), ColumnTypes));
            }

            var jsonPath = ReadString(c, "jsonPath", $"{itemPath}.jsonPath", errors, required: true);
            if (jsonPath.Length > 0 && !jsonPath.StartsWith('.'))
            {
                errors.Add(FieldError.Invalid($"{itemPath}.jsonPath", jsonPath, "must be a simple json path starting with ."));
            }

            var format = ReadString(c, "format", $"{itemPath}.format", errors, required: false);
            var description = ReadString(c, "description", $"{itemPath}.description", errors, required: false);
            var priority = 0;
            if (c["priority"] is JsonNode p)
            {
                // JSON bodies give JsonElement-backed values, the YAML reader gives long values.
                if (p is JsonValue pv && pv.TryGetValue<int>(out var pr) && pr >= 0)
                {
                    priority = pr;
                }
                else if (p is JsonValue lv && lv.TryGetValue<long>(out var lpr) && lpr is >= 0 and <= int.MaxValue)
                {
                    priority = (int)lpr;
                }
                else
                {
                    errors.Add(FieldError.Invalid($"{itemPath}.priority", p, "must be a non-negative integer"));
                }
            }

            columns.Add(new PrinterColumn(name, type, format.Length == 0 ? null : format, description.Length == 0 ? null : description, priority, jsonPath));
        }

        return columns;
    }

    private static List<string> ParseSelectableFields(JsonNode? node, string path, List<FieldError> errors)
    {
        var fields = new List<string>();
        if (node is null)
        {
            return fields;
        }

        if (node is not JsonArray array)
        {
            errors.Add(FieldError.TypeInvalid(path, node, "array"));
            return fields;
        }

        for (var i = 0; i < array.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            if (array[i] is not JsonObject f)
            {
                errors.Add(FieldError.TypeInvalid(itemPath, array[i], "object"));
                continue;
            }

            var jsonPath = ReadString(f, "jsonPath", $"{itemPath}.jsonPath", errors, required: true);
            if (jsonPath.Length > 0 && !jsonPath.StartsWith('.'))
            {
                errors.Add(FieldError.Invalid($"{itemPath}.jsonPath", jsonPath, "must be a simple json path starting with ."));
            }
            else if (jsonPath.Length > 0)
            {
                if (fields.Contains(jsonPath))
                {
                    errors.Add(FieldError.Duplicate($"{itemPath}.jsonPath", JsonValue.Create(jsonPath)));
                }

                fields.Add(jsonPath);
            }
        }

        return fields;
    }

    private static bool IsKindName(string kind) =>
        NameRules.IsDns1035Label(kind.ToLowerInvariant()) && char.IsAsciiLetter(kind[0]);

    internal static string ReadString(JsonObject obj, string property, string path, List<FieldError> errors, bool required)
    {
        var node = obj[property];
        if (node is null)
        {
            if (required)
            {
                errors.Add(FieldError.Required(path));
            }

            return "";
        }

        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            var text = value.GetValue<string>();
            if (text.Length == 0 && required)
            {
                errors.Add(FieldError.Required(path));
            }

            return text;
        }

        errors.Add(FieldError.TypeInvalid(path, node, "string"));
        return "";
    }

    private static bool ReadBool(JsonObject obj, string property, string path, List<FieldError> errors, bool required)
    {
        var node = obj[property];
        if (node is null)
        {
            if (required)
            {
                errors.Add(FieldError.Required(path));
            }

            return false;
        }

        var kind = node.GetValueKind();
        if (kind is JsonValueKind.True or JsonValueKind.False)
        {
            return kind == JsonValueKind.True;
        }

        errors.Add(FieldError.TypeInvalid(path, node, "boolean"));
        return false;
    }

    private static List<string> ReadStringList(JsonObject obj, string property, string path, List<FieldError> errors)
    {
        var list = new List<string>();
        var node = obj[property];
        if (node is null)
        {
            return list;
        }

        if (node is not JsonArray array)
        {
            errors.Add(FieldError.TypeInvalid(path, node, "array"));
            return list;
        }

        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is JsonValue v && v.GetValueKind() == JsonValueKind.String)
            {
                var text = v.GetValue<string>();
                if (list.Contains(text))
                {
                    errors.Add(FieldError.Duplicate($"{path}[{i}]", v));
                }

                list.Add(text);
            }
            else
            {
                errors.Add(FieldError.TypeInvalid($"{path}[{i}]", array[i], "string"));
            }
        }

        return list;
    }
}
