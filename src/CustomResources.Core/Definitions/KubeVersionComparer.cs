using System.Text.RegularExpressions;

namespace CustomResources.Core.Definitions;

/// <summary>
/// Orders version names as Kubernetes does: GA (v2 before v1), then beta, then alpha (higher first),
/// then names that do not look like Kubernetes versions, alphabetically.
/// </summary>
public sealed partial class KubeVersionComparer : IComparer<string>
{
    public static readonly KubeVersionComparer Instance = new();

    public int Compare(string? x, string? y)
    {
        var (rx, mx, nx) = Rank(x ?? "");
        var (ry, my, ny) = Rank(y ?? "");
        if (rx != ry)
        {
            return rx.CompareTo(ry);
        }

        if (rx == 3)
        {
            return string.CompareOrdinal(x, y);
        }

        return mx != my ? my.CompareTo(mx) : ny.CompareTo(nx) * -1;
    }

    // 0 = GA, 1 = beta, 2 = alpha, 3 = other.
    private static (int Rank, int Major, int Minor) Rank(string version)
    {
        var match = VersionPattern().Match(version);
        if (!match.Success)
        {
            return (3, 0, 0);
        }

        var major = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        if (!match.Groups[2].Success)
        {
            return (0, major, 0);
        }

        var minor = int.Parse(match.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture);
        return (match.Groups[2].Value == "beta" ? 1 : 2, major, minor);
    }

    [GeneratedRegex("^v([1-9][0-9]*)(?:(alpha|beta)([1-9][0-9]*))?$")]
    private static partial Regex VersionPattern();
}
