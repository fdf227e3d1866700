using System.Text.Json;
using System.Text.Json.Nodes;
using CustomResources.Core.Errors;
using CustomResources.Core.Objects;

namespace CustomResources.Core.Selectors;

/// <summary>
/// A Kubernetes label selector: requirements that all must hold. Built from the <c>labelSelector</c> query
/// parameter text (<see cref="Parse"/>) or from the structured <c>{matchLabels, matchExpressions}</c> form
/// (<see cref="FromJson(JsonNode?)"/>). The empty selector matches everything.
/// </summary>
public sealed class LabelSelector
{
    private LabelSelector(IReadOnlyList<LabelRequirement> requirements)
    {
        // Kubernetes keeps requirements ordered by key (stable for equal keys).
        Requirements = requirements.OrderBy(r => r.Key, StringComparer.Ordinal).ToArray();
    }

    /// <summary>The selector without requirements; it matches every object.</summary>
    public static LabelSelector Everything { get; } = new([]);

    public IReadOnlyList<LabelRequirement> Requirements { get; }

    public bool IsEverything => Requirements.Count == 0;

    /// <summary>
    /// Parses selector text such as <c>app=web,tier!=db,env in (prod, staging),!canary</c>.
    /// Throws <see cref="ApiException"/> (400 BadRequest) naming the problem and its 1-based character position.
    /// </summary>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        return new LabelSelector(new LabelSelectorParser(text).ParseAll());
    }

    /// <summary>
    /// Builds a selector from the structured form <c>{matchLabels: {k: v}, matchExpressions: [{key, operator, values}]}</c>.
    /// A null or empty selector matches everything. Throws <see cref="ApiException"/> (400 BadRequest) when it is malformed.
    /// </summary>
    public static LabelSelector FromJson(JsonNode? node)
    {
        var errors = new List<FieldError>();
        var selector = FromJson(node, "selector", errors);
        if (selector is null)
        {
            throw ApiException.BadRequest(errors.Count == 1
                ? $"invalid label selector: {errors[0].Field}: {errors[0].Message}"
                : $"invalid label selector: [{string.Join(", ", errors.Select(e => $"{e.Field}: {e.Message}"))}]");
        }

        return selector;
    }

    /// <summary>
    /// Builds a selector from the structured form, reporting problems as field errors under <paramref name="path"/>
    /// (for validating configuration objects). Returns null when there were problems.
    /// </summary>
    public static LabelSelector? FromJson(JsonNode? node, string path, ICollection<FieldError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (node is null || node.GetValueKind() == JsonValueKind.Null)
        {
            return Everything;
        }

        if (node is not JsonObject obj)
        {
            errors.Add(FieldError.TypeInvalid(path, node, "object"));
            return null;
        }

        var before = errors.Count;
        var requirements = new List<LabelRequirement>();
        ReadMatchLabels(obj["matchLabels"], $"{path}.matchLabels", requirements, errors);
        ReadMatchExpressions(obj["matchExpressions"], $"{path}.matchExpressions", requirements, errors);
        return errors.Count > before ? null : new LabelSelector(requirements);
    }

    /// <summary>Whether an object with these labels (its <c>metadata.labels</c>, or null for none) is selected.</summary>
    public bool Matches(JsonObject? labels)
    {
        foreach (var requirement in Requirements)
        {
            if (!requirement.Matches(labels))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The selector in canonical text form (requirements by key, values sorted); "" when it matches everything.</summary>
    public override string ToString() => string.Join(",", Requirements.Select(r => r.ToString()));

    private static void ReadMatchLabels(JsonNode? node, string path, List<LabelRequirement> requirements, ICollection<FieldError> errors)
    {
        if (node is null || node.GetValueKind() == JsonValueKind.Null)
        {
            return;
        }

        if (node is not JsonObject map)
        {
            errors.Add(FieldError.TypeInvalid(path, node, "object"));
            return;
        }

        foreach (var (key, valueNode) in map)
        {
            var valuePath = $"{path}[{key}]";
            if (valueNode is not JsonValue v || !v.TryGetValue<string>(out var value))
            {
                errors.Add(FieldError.TypeInvalid(valuePath, valueNode, "string"));
                continue;
            }

            var ok = Collect(NameRules.CheckQualifiedName(path, key), errors);
            ok &= Collect(NameRules.CheckLabelValue(valuePath, value), errors);
            if (ok)
            {
                requirements.Add(new LabelRequirement(key, LabelOperator.Equal, [value]));
            }
        }
    }

    private static void ReadMatchExpressions(JsonNode? node, string path, List<LabelRequirement> requirements, ICollection<FieldError> errors)
    {
        if (node is null || node.GetValueKind() == JsonValueKind.Null)
        {
            return;
        }

        if (node is not JsonArray array)
        {
            errors.Add(FieldError.TypeInvalid(path, node, "array"));
            return;
        }

        for (var i = 0; i < array.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            if (array[i] is not JsonObject expression)
            {
                errors.Add(FieldError.TypeInvalid(itemPath, array[i], "object"));
                continue;
            }

            var requirement = ReadExpression(expression, itemPath, errors);
            if (requirement is not null)
            {
                requirements.Add(requirement);
            }
        }
    }

    private static LabelRequirement? ReadExpression(JsonObject expression, string path, ICollection<FieldError> errors)
    {
        var ok = true;
        string? key = null;
        if (expression["key"] is not JsonValue keyNode || !keyNode.TryGetValue<string>(out key))
        {
            errors.Add(expression["key"] is null ? FieldError.Required($"{path}.key") : FieldError.TypeInvalid($"{path}.key", expression["key"], "string"));
            ok = false;
        }
        else
        {
            ok &= Collect(NameRules.CheckQualifiedName($"{path}.key", key), errors);
        }

        LabelOperator? op = null;
        var supported = new[] { "In", "NotIn", "Exists", "DoesNotExist" };
        var opNode = expression["operator"];
        if (opNode is null)
        {
            errors.Add(FieldError.Required($"{path}.operator"));
            ok = false;
        }
        else
        {
            op = opNode is JsonValue opValue && opValue.TryGetValue<string>(out var opText) ? opText switch
            {
                "In" => LabelOperator.In,
                "NotIn" => LabelOperator.NotIn,
                "Exists" => LabelOperator.Exists,
                "DoesNotExist" => LabelOperator.DoesNotExist,
                _ => null,
            } : null;
            if (op is null)
            {
                errors.Add(FieldError.NotSupported($"{path}.operator", opNode, supported));
                ok = false;
            }
        }

        var values = new List<string>();
        var valuesNode = expression["values"];
        if (valuesNode is not null && valuesNode.GetValueKind() != JsonValueKind.Null)
        {
            if (valuesNode is not JsonArray valuesArray)
            {
                errors.Add(FieldError.TypeInvalid($"{path}.values", valuesNode, "array"));
                ok = false;
            }
            else
            {
                for (var i = 0; i < valuesArray.Count; i++)
                {
                    var valuePath = $"{path}.values[{i}]";
                    if (valuesArray[i] is JsonValue v && v.TryGetValue<string>(out var value))
                    {
                        ok &= Collect(NameRules.CheckLabelValue(valuePath, value), errors);
                        values.Add(value);
                    }
                    else
                    {
                        errors.Add(FieldError.TypeInvalid(valuePath, valuesArray[i], "string"));
                        ok = false;
                    }
                }
            }
        }

        switch (op)
        {
            case LabelOperator.In or LabelOperator.NotIn when values.Count == 0 && valuesNode is not JsonArray { Count: > 0 }:
                errors.Add(FieldError.Required($"{path}.values", "must be specified when `operator` is 'In' or 'NotIn'"));
                ok = false;
                break;
            case LabelOperator.Exists or LabelOperator.DoesNotExist when valuesNode is JsonArray { Count: > 0 }:
                errors.Add(FieldError.Forbidden($"{path}.values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
                ok = false;
                break;
            default:
                break;
        }

        return ok && key is not null && op is not null ? new LabelRequirement(key, op.Value, values) : null;
    }

    private static bool Collect(IEnumerable<FieldError> found, ICollection<FieldError> errors)
    {
        var ok = true;
        foreach (var error in found)
        {
            errors.Add(error);
            ok = false;
        }

        return ok;
    }
}
