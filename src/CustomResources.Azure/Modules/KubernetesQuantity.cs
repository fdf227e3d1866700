using System.Globalization;

namespace CustomResources.Azure.Modules;

/// <summary>Parses Kubernetes resource quantities ("500m", "2", "512Mi", "1G", "1e3") into numbers.</summary>
internal static class KubernetesQuantity
{
    private static readonly (string Suffix, decimal Factor)[] Suffixes =
    [
        ("Ki", 1024m), ("Mi", 1024m * 1024), ("Gi", 1024m * 1024 * 1024), ("Ti", 1024m * 1024 * 1024 * 1024),
        ("Pi", 1024m * 1024 * 1024 * 1024 * 1024), ("Ei", 1024m * 1024 * 1024 * 1024 * 1024 * 1024),
        ("n", 0.000000001m), ("u", 0.000001m), ("m", 0.001m),
        ("k", 1e3m), ("M", 1e6m), ("G", 1e9m), ("T", 1e12m), ("P", 1e15m), ("E", 1e18m),
    ];

    /// <summary>The quantity's value in base units (cores for CPU, bytes for memory), or false when it is not a quantity.</summary>
    public static bool TryParse(string? text, out decimal value)
    {
        value = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim();
        foreach (var (suffix, factor) in Suffixes)
        {
            if (s.Length > suffix.Length && s.EndsWith(suffix, StringComparison.Ordinal) && TryNumber(s[..^suffix.Length], out var number))
            {
                value = number * factor;
                return true;
            }
        }

        return TryNumber(s, out value);
    }

    private static bool TryNumber(string s, out decimal value)
    {
        value = 0;
        if (s.Length == 0 || !(char.IsAsciiDigit(s[0]) || s[0] is '+' or '-' or '.'))
        {
            return false;
        }

        if (decimal.TryParse(s, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        // Exponent form ("1e3", "5E-1"), as Kubernetes accepts.
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) && Math.Abs(d) < 7.9e27)
        {
            value = (decimal)d;
            return true;
        }

        return false;
    }
}
