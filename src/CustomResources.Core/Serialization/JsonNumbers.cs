using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CustomResources.Core.Serialization;

/// <summary>Reads JSON numbers the way Kubernetes does: an integral value (<c>2</c> or <c>2.0</c>) is an integer.</summary>
public static class JsonNumbers
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
    /// Any JSON number as a decimal, whatever the node holds (a parsed JsonElement, or a long/double created in
    /// code or by the YAML reader); false when it does not fit a decimal.
    /// </summary>
    public static bool TryGetDecimal(JsonValue value, out decimal result)
    {
        if (value.TryGetValue<JsonElement>(out var element))
        {
            return element.TryGetDecimal(out result);
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
