using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CustomResources.Core.Discovery;
using CustomResources.Core.Errors;

namespace CustomResources.Core.Selectors;

/// <summary>How a <see cref="FieldRequirement"/> compares a field with its value.</summary>
public enum FieldOperator
{
    /// <summary><c>field=value</c> or <c>field==value</c>.</summary>
    Equal,

    /// <summary><c>field!=value</c>.</summary>
    NotEqual,
}

/// <summary>One <c>field=value</c> / <c>field!=value</c> requirement; <see cref="Value"/> is unescaped.</summary>
public sealed record FieldRequirement(string Field, FieldOperator Operator, string Value)
{
    public bool Matches(JsonObject obj) =>
        (FieldSelector.FieldValue(obj, Field) == Value) == (Operator == FieldOperator.Equal);

    /// <summary>The requirement in selector syntax, with <c>\</c>, <c>,</c> and <c>=</c> in the value escaped.</summary>
    public override string ToString() =>
        $"{Field}{(Operator == FieldOperator.Equal ? "=" : "!=")}{FieldSelector.Escape(Value)}";
}

/// <summary>
/// A Kubernetes field selector (the <c>fieldSelector</c> query parameter): comma-separated
/// <c>field=value</c>, <c>field==value</c> and <c>field!=value</c> requirements that all must hold. Values may escape
/// <c>\</c>, <c>,</c>, <c>=</c> and <c>!</c> with a backslash. Fields are compared as strings: booleans read
/// "true"/"false", integers their decimal text, and a missing field "". Whitespace around field names and
/// values is ignored.
/// </summary>
public sealed class FieldSelector
{
    /// <summary>The fields every resource supports, whatever its definition declares.</summary>
    public static readonly IReadOnlyList<string> AlwaysSupported = ["metadata.name", "metadata.namespace"];

    private FieldSelector(IReadOnlyList<FieldRequirement> requirements)
    {
        Requirements = requirements;
    }

    /// <summary>The selector without requirements; it matches every object.</summary>
    public static FieldSelector Everything { get; } = new([]);

    public IReadOnlyList<FieldRequirement> Requirements { get; }

    public bool IsEverything => Requirements.Count == 0;

    /// <summary>The name the selector pins with <c>metadata.name=…</c>, if any (for a store's single-object fast path).</summary>
    public string? ExactName => Exact("metadata.name");

    /// <summary>The namespace the selector pins with <c>metadata.namespace=…</c>, if any.</summary>
    public string? ExactNamespace => Exact("metadata.namespace");

    /// <summary>
    /// Parses selector text. <paramref name="allowedFields"/> are the definition's selectable fields without the
    /// leading dot (<c>spec.color</c>; a leading dot is tolerated); <see cref="AlwaysSupported"/> are always allowed,
    /// and there is no limit on how many. Throws <see cref="ApiException"/> (400 BadRequest):
    /// <c>field label not supported: spec.size</c> for other fields, or a message naming the syntax problem.
    /// </summary>
    public static FieldSelector Parse(string? text, IReadOnlyCollection<string> allowedFields)
    {
        ArgumentNullException.ThrowIfNull(allowedFields);
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var allowed = new HashSet<string>(AlwaysSupported, StringComparer.Ordinal);
        foreach (var field in allowedFields)
        {
            allowed.Add(field.StartsWith('.') ? field[1..] : field);
        }

        var requirements = new List<FieldRequirement>();
        foreach (var term in SplitTerms(text))
        {
            if (string.IsNullOrWhiteSpace(term))
            {
                continue; // "a=b,,c=d" and a trailing comma are tolerated, as in Kubernetes.
            }

            requirements.Add(ParseTerm(text, term));
        }

        // Syntax problems anywhere come first; then the first field the type does not support.
        var unsupported = requirements.FirstOrDefault(r => !allowed.Contains(r.Field));
        if (unsupported is not null)
        {
            throw ApiException.BadRequest($"field label not supported: {unsupported.Field}");
        }

        return requirements.Count == 0 ? Everything : new FieldSelector(requirements);
    }

    /// <summary>Whether <paramref name="obj"/> satisfies every requirement.</summary>
    public bool Matches(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        foreach (var requirement in Requirements)
        {
            if (!requirement.Matches(obj))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The selector in text form, values escaped; "" when it matches everything.</summary>
    public override string ToString() => string.Join(",", Requirements.Select(r => r.ToString()));

    /// <summary>
    /// The string a field selector compares for <paramref name="field"/> (<c>spec.color</c> or <c>.spec.color</c>):
    /// strings as they are, booleans "true"/"false", numbers their JSON text, and "" when the field is missing or null.
    /// </summary>
    public static string FieldValue(JsonObject obj, string field)
    {
        var path = field.StartsWith('.') ? field : "." + field;
        var found = JsonPathEvaluator.Evaluate(obj, path);
        if (found.Count == 0)
        {
            return "";
        }

        return found[0] switch
        {
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            JsonValue v when v.GetValueKind() == JsonValueKind.True => "true",
            JsonValue v when v.GetValueKind() == JsonValueKind.False => "false",
            var other => other.ToJsonString(),
        };
    }

    /// <summary>Escapes <c>\</c>, <c>,</c> and <c>=</c> so the value reads back unchanged.</summary>
    public static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace(",", "\\,", StringComparison.Ordinal)
            .Replace("=", "\\=", StringComparison.Ordinal);

    private string? Exact(string field) =>
        Requirements.FirstOrDefault(r => r.Field == field && r.Operator == FieldOperator.Equal)?.Value;

    /// <summary>Splits on commas that are not escaped; the terms keep their escapes.</summary>
    private static List<string> SplitTerms(string text)
    {
        var terms = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
            }
            else if (text[i] == ',')
            {
                terms.Add(text[start..i]);
                start = i + 1;
            }
        }

        terms.Add(text[start..]);
        return terms;
    }

    private static FieldRequirement ParseTerm(string text, string term)
    {
        for (var i = 0; i < term.Length; i++)
        {
            if (term[i] == '\\')
            {
                i++;
                continue;
            }

            var (op, length) = term[i] switch
            {
                '!' when i + 1 < term.Length && term[i + 1] == '=' => (FieldOperator.NotEqual, 2),
                '=' when i + 1 < term.Length && term[i + 1] == '=' => (FieldOperator.Equal, 2),
                '=' => (FieldOperator.Equal, 1),
                _ => (FieldOperator.Equal, 0),
            };
            if (length == 0)
            {
                continue;
            }

            var field = term[..i].Trim();
            var opText = term.Substring(i, length);
            if (field.Length == 0)
            {
                throw Invalid(text, $"missing field name before '{opText}' in '{term.Trim()}'");
            }

            return new FieldRequirement(field, op, Unescape(text, field, term[(i + length)..].Trim()));
        }

        throw Invalid(text, $"'{term.Trim()}' is not a requirement; expected field=value, field==value or field!=value");
    }

    private static string Unescape(string text, string field, string raw)
    {
        if (!raw.Contains('\\', StringComparison.Ordinal) && !raw.Contains('=', StringComparison.Ordinal))
        {
            return raw;
        }

        var value = new StringBuilder(raw.Length);
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c == '\\')
            {
                if (i + 1 >= raw.Length)
                {
                    throw Invalid(text, $"value of '{field}' ends with a lone '\\'; write a backslash as \\\\");
                }

                var escaped = raw[++i];
                if (escaped is not ('\\' or ',' or '=' or '!'))
                {
                    throw Invalid(text, $"invalid escape sequence '\\{escaped}' in value of '{field}'; only \\\\, \\, \\= and \\! may be escaped");
                }

                value.Append(escaped);
            }
            else if (c == '=')
            {
                throw Invalid(text, $"unescaped '=' in value of '{field}'; write it as \\=");
            }
            else
            {
                value.Append(c);
            }
        }

        return value.ToString();
    }

    private static ApiException Invalid(string text, string problem) =>
        ApiException.BadRequest($"invalid field selector \"{(text.Length > 120 ? text[..117] + "..." : text)}\": {problem}");
}
