using System.Globalization;
using System.Text.Json.Nodes;

namespace CustomResources.Core.Selectors;

/// <summary>How a <see cref="LabelRequirement"/> compares a label with its values.</summary>
public enum LabelOperator
{
    /// <summary><c>key=value</c> or <c>key==value</c>: the label is present and equal to the value.</summary>
    Equal,

    /// <summary><c>key!=value</c>: the label is absent, or present with another value.</summary>
    NotEqual,

    /// <summary><c>key in (a,b)</c>: the label is present with one of the values.</summary>
    In,

    /// <summary><c>key notin (a,b)</c>: the label is absent, or present with none of the values.</summary>
    NotIn,

    /// <summary><c>key</c>: the label is present (with any value).</summary>
    Exists,

    /// <summary><c>!key</c>: the label is absent.</summary>
    DoesNotExist,

    /// <summary><c>key&gt;5</c>: the label is present, an integer, and greater than the value.</summary>
    GreaterThan,

    /// <summary><c>key&lt;5</c>: the label is present, an integer, and less than the value.</summary>
    LessThan,
}

/// <summary>
/// One requirement of a <see cref="LabelSelector"/>. <see cref="Values"/> is sorted and free of duplicates;
/// it holds one value for the equality and integer operators, one or more for <c>in</c>/<c>notin</c>, none for
/// <c>exists</c>/<c>!</c>.
/// </summary>
public sealed class LabelRequirement
{
    private readonly HashSet<string> _set;

    internal LabelRequirement(string key, LabelOperator op, IEnumerable<string> values)
    {
        Key = key;
        Operator = op;
        Values = values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        _set = new HashSet<string>(Values, StringComparer.Ordinal);
    }

    public string Key { get; }

    public LabelOperator Operator { get; }

    public IReadOnlyList<string> Values { get; }

    /// <summary>Whether <paramref name="labels"/> (a <c>metadata.labels</c> map, or null for none) satisfies this requirement.</summary>
    public bool Matches(JsonObject? labels)
    {
        var present = TryGetLabel(labels, Key, out var value);
        return Operator switch
        {
            LabelOperator.Equal or LabelOperator.In => present && _set.Contains(value),
            LabelOperator.NotEqual or LabelOperator.NotIn => !present || !_set.Contains(value),
            LabelOperator.Exists => present,
            LabelOperator.DoesNotExist => !present,
            LabelOperator.GreaterThan => present && TryInteger(value, out var actual) && actual > long.Parse(Values[0], CultureInfo.InvariantCulture),
            LabelOperator.LessThan => present && TryInteger(value, out var actual) && actual < long.Parse(Values[0], CultureInfo.InvariantCulture),
            _ => false,
        };
    }

    /// <summary>The requirement in selector syntax: <c>key=value</c>, <c>key in (a,b)</c>, <c>!key</c>, …</summary>
    public override string ToString() => Operator switch
    {
        LabelOperator.Equal => $"{Key}={Values[0]}",
        LabelOperator.NotEqual => $"{Key}!={Values[0]}",
        LabelOperator.In => $"{Key} in ({string.Join(",", Values)})",
        LabelOperator.NotIn => $"{Key} notin ({string.Join(",", Values)})",
        LabelOperator.Exists => Key,
        LabelOperator.DoesNotExist => $"!{Key}",
        LabelOperator.GreaterThan => $"{Key}>{Values[0]}",
        LabelOperator.LessThan => $"{Key}<{Values[0]}",
        _ => Key,
    };

    internal static bool TryInteger(string text, out long value) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    private static bool TryGetLabel(JsonObject? labels, string key, out string value)
    {
        value = "";
        if (labels is null || !labels.TryGetPropertyValue(key, out var node))
        {
            return false;
        }

        if (node is JsonValue v && v.TryGetValue<string>(out var text))
        {
            value = text;
        }
        else if (node is not null)
        {
            value = node.ToJsonString();
        }

        return true;
    }
}
