using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Newtonsoft.Json.Linq;

namespace CustomResources.Core.Schema;

/// <summary>Reads JSON numbers the way Kubernetes does: an integral value (<c>2</c> or <c>2.0</c>) is an integer.</summary>
internal static class JsonNumbers
{
    private const double LongLimit = 9.2e18;

    public static bool TryGetInteger(JsonValue value, out long result)
    {
        if (value.TryGetValue<JsonElement>(out var element))
        {
            if (element.TryGetInt64(out result))
            {
                return true;
            }

            return element.TryGetDouble(out var d) && TryIntegral(d, out result);
        }

        var text = value.ToJsonString();
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out result))
        {
            return true;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && TryIntegral(parsed, out result);
    }

    /// <summary>
    /// Any JSON number that fits a decimal, whatever CLR type backs the node (parsed JSON is a JsonElement, the YAML
    /// reader creates long values).
    /// </summary>
    public static bool TryGetDecimal(JsonValue value, out decimal result)
    {
        if (value.TryGetValue<JsonElement>(out var element))
        {
            return element.TryGetDecimal(out result);
        }

        if (value.TryGetValue(out result))
        {
            return true;
        }

        return decimal.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out result);
    }

    public static double GetDouble(JsonValue value)
    {
        if (value.TryGetValue<JsonElement>(out var element) && element.TryGetDouble(out var d))
        {
            return d;
        }

        return double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private static bool TryIntegral(double d, out long result)
    {
        if (double.IsInteger(d) && Math.Abs(d) < LongLimit)
        {
            result = (long)d;
            return true;
        }

        result = 0;
        return false;
    }
}

/// <summary>Converts System.Text.Json nodes to the Newtonsoft tokens NJsonSchema validates.</summary>
internal static class JsonConversion
{
    /// <summary>Converts <paramref name="node"/>; integral numbers become integers, so <c>2.0</c> satisfies <c>type: integer</c>.</summary>
    public static JToken ToToken(JsonNode? node) => node switch
    {
        null => JValue.CreateNull(),
        JsonObject obj => ToObject(obj, skip: null),
        JsonArray array => ToArray(array),
        JsonValue value => ToValue(value),
        _ => JValue.CreateNull(),
    };

    /// <summary>Converts an object, leaving out the property named <paramref name="skip"/>.</summary>
    public static JObject ToObject(JsonObject obj, string? skip)
    {
        var result = new JObject();
        foreach (var (name, child) in obj)
        {
            if (skip is null || !string.Equals(name, skip, StringComparison.Ordinal))
            {
                result.Add(new JProperty(name, ToToken(child)));
            }
        }

        return result;
    }

    private static JArray ToArray(JsonArray array)
    {
        var result = new JArray();
        foreach (var item in array)
        {
            result.Add(ToToken(item));
        }

        return result;
    }

    private static JValue ToValue(JsonValue value)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                return new JValue(value.GetValue<string>());
            case JsonValueKind.True:
                return new JValue(true);
            case JsonValueKind.False:
                return new JValue(false);
            case JsonValueKind.Number:
                return JsonNumbers.TryGetInteger(value, out var integer) ? new JValue(integer) : new JValue(JsonNumbers.GetDouble(value));
            default:
                return JValue.CreateNull();
        }
    }

    /// <summary>Converts a token back for rendering it in a message.</summary>
    public static JsonNode? ToNode(JToken? token) =>
        token is null || token.Type == JTokenType.Null ? null : JsonNode.Parse(token.ToString(Newtonsoft.Json.Formatting.None));

    /// <summary>Semantic JSON equality: numbers by value, strings ordinally, objects regardless of key order.</summary>
    public static bool DeepEquals(JToken? a, JToken? b)
    {
        if (a is null || b is null)
        {
            return IsNull(a) && IsNull(b);
        }

        switch (a)
        {
            case JObject oa when b is JObject ob:
                if (oa.Count != ob.Count)
                {
                    return false;
                }

                foreach (var property in oa.Properties())
                {
                    if (!ob.TryGetValue(property.Name, StringComparison.Ordinal, out var other) || !DeepEquals(property.Value, other))
                    {
                        return false;
                    }
                }

                return true;
            case JArray aa when b is JArray ab:
                if (aa.Count != ab.Count)
                {
                    return false;
                }

                for (var i = 0; i < aa.Count; i++)
                {
                    if (!DeepEquals(aa[i], ab[i]))
                    {
                        return false;
                    }
                }

                return true;
            case JValue va when b is JValue vb:
                return ValueEquals(va, vb);
            default:
                return false;
        }
    }

    private static bool IsNull(JToken? token) => token is null || token.Type == JTokenType.Null;

    private static bool ValueEquals(JValue a, JValue b)
    {
        var aNumber = a.Type is JTokenType.Integer or JTokenType.Float;
        var bNumber = b.Type is JTokenType.Integer or JTokenType.Float;
        if (aNumber && bNumber)
        {
            return a.Type == JTokenType.Integer && b.Type == JTokenType.Integer
                ? Convert.ToInt64(a.Value, CultureInfo.InvariantCulture) == Convert.ToInt64(b.Value, CultureInfo.InvariantCulture)
                : Convert.ToDouble(a.Value, CultureInfo.InvariantCulture).Equals(Convert.ToDouble(b.Value, CultureInfo.InvariantCulture));
        }

        if (a.Type != b.Type)
        {
            return false;
        }

        return a.Type switch
        {
            JTokenType.String => string.Equals((string?)a.Value, (string?)b.Value, StringComparison.Ordinal),
            JTokenType.Boolean => Equals(a.Value, b.Value),
            JTokenType.Null => true,
            _ => Equals(a.Value, b.Value),
        };
    }
}
