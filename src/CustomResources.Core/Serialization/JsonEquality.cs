using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CustomResources.Core.Serialization;

/// <summary>Structural JSON equality: member order ignored, numbers compared by value (1 equals 1.0).</summary>
internal static class JsonEquality
{
    public static bool DeepEquals(JsonNode? left, JsonNode? right)
    {
        var leftKind = left?.GetValueKind() ?? JsonValueKind.Null;
        var rightKind = right?.GetValueKind() ?? JsonValueKind.Null;
        if (leftKind != rightKind)
        {
            return false;
        }

        switch (leftKind)
        {
            case JsonValueKind.Null:
            case JsonValueKind.True:
            case JsonValueKind.False:
                return true;
            case JsonValueKind.String:
                return string.Equals(left!.GetValue<string>(), right!.GetValue<string>(), StringComparison.Ordinal);
            case JsonValueKind.Number:
                return NumbersEqual(left!.ToJsonString(), right!.ToJsonString());
            case JsonValueKind.Array:
                {
                    var a = left!.AsArray();
                    var b = right!.AsArray();
                    if (a.Count != b.Count)
                    {
                        return false;
                    }

                    for (var i = 0; i < a.Count; i++)
                    {
                        if (!DeepEquals(a[i], b[i]))
                        {
                            return false;
                        }
                    }

                    return true;
                }

            case JsonValueKind.Object:
                {
                    var a = left!.AsObject();
                    var b = right!.AsObject();
                    if (a.Count != b.Count)
                    {
                        return false;
                    }

                    foreach (var (name, value) in a)
                    {
                        if (!b.TryGetPropertyValue(name, out var other) || !DeepEquals(value, other))
                        {
                            return false;
                        }
                    }

                    return true;
                }

            default:
                return false;
        }
    }

    /// <summary>Compares two JSON number texts exactly, as decimal mantissa and exponent.</summary>
    private static bool NumbersEqual(string left, string right)
    {
        if (string.Equals(left, right, StringComparison.Ordinal))
        {
            return true;
        }

        var (leftMantissa, leftExponent) = Decompose(left);
        var (rightMantissa, rightExponent) = Decompose(right);
        if (leftMantissa.IsZero || rightMantissa.IsZero)
        {
            return leftMantissa.IsZero && rightMantissa.IsZero;
        }

        return leftMantissa == rightMantissa && leftExponent == rightExponent;
    }

    /// <summary>Normalises a JSON number to mantissa × 10^exponent with no trailing zeros in the mantissa.</summary>
    private static (BigInteger Mantissa, long Exponent) Decompose(string number)
    {
        var text = number;
        long exponent = 0;
        var e = text.IndexOfAny(['e', 'E']);
        if (e >= 0)
        {
            exponent = long.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            text = text[..e];
        }

        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot >= 0)
        {
            exponent -= text.Length - dot - 1;
            text = text.Remove(dot, 1);
        }

        var mantissa = BigInteger.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        while (!mantissa.IsZero && mantissa % 10 == 0)
        {
            mantissa /= 10;
            exponent++;
        }

        return (mantissa, exponent);
    }
}
