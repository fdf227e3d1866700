using System.Globalization;
using System.Text.RegularExpressions;

namespace CustomResources.Core.Modules;

/// <summary>A Semantic Versioning 2.0.0 version; compares by precedence (build metadata ignored).</summary>
public sealed partial record SemanticVersion(long Major, long Minor, long Patch, IReadOnlyList<string> PreRelease, string? Build) : IComparable<SemanticVersion>
{
    /// <summary>Parses a full version (<c>1.2.3</c>, <c>1.0.0-rc.1+build.5</c>); null when not SemVer 2.0.</summary>
    public static SemanticVersion? Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var match = Full().Match(text);
        if (!match.Success || !TryNumber(match.Groups["major"].Value, out var major) || !TryNumber(match.Groups["minor"].Value, out var minor) || !TryNumber(match.Groups["patch"].Value, out var patch))
        {
            return null;
        }

        var pre = match.Groups["pre"].Success ? match.Groups["pre"].Value.Split('.') : [];

        // SemVer forbids leading zeros in numeric pre-release identifiers too.
        if (pre.Any(p => p.Length > 1 && p[0] == '0' && p.All(char.IsAsciiDigit)))
        {
            return null;
        }

        return new SemanticVersion(major, minor, patch, pre, match.Groups["build"].Success ? match.Groups["build"].Value : null);
    }

    /// <summary>
    /// Parses a version as written in a constraint: a full version, or a shortened one (<c>1</c>, <c>1.2</c>, an
    /// optional leading <c>v</c>) whose missing parts are zero, as constraint libraries commonly accept.
    /// </summary>
    public static SemanticVersion? ParseLoose(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.StartsWith('v') ? text[1..] : text;
        if (Parse(trimmed) is { } full)
        {
            return full;
        }

        var match = Short().Match(trimmed);
        if (!match.Success || !TryNumber(match.Groups["major"].Value, out var major))
        {
            return null;
        }

        long minor = 0;
        if (match.Groups["minor"].Success && !TryNumber(match.Groups["minor"].Value, out minor))
        {
            return null;
        }

        return new SemanticVersion(major, minor, 0, [], null);
    }

    public int CompareTo(SemanticVersion? other)
    {
        if (other is null)
        {
            return 1;
        }

        var byCore = (Major, Minor, Patch).CompareTo((other.Major, other.Minor, other.Patch));
        if (byCore != 0)
        {
            return byCore;
        }

        // A pre-release has lower precedence than the release; otherwise identifiers compare left to right.
        if (PreRelease.Count == 0 || other.PreRelease.Count == 0)
        {
            return other.PreRelease.Count.CompareTo(PreRelease.Count);
        }

        for (var i = 0; i < Math.Min(PreRelease.Count, other.PreRelease.Count); i++)
        {
            var order = ComparePreRelease(PreRelease[i], other.PreRelease[i]);
            if (order != 0)
            {
                return order;
            }
        }

        return PreRelease.Count.CompareTo(other.PreRelease.Count);
    }

    public override string ToString() =>
        $"{Major}.{Minor}.{Patch}{(PreRelease.Count > 0 ? "-" + string.Join('.', PreRelease) : "")}{(Build is null ? "" : "+" + Build)}";

    public static bool operator <(SemanticVersion left, SemanticVersion right) => Compare(left, right) < 0;

    public static bool operator >(SemanticVersion left, SemanticVersion right) => Compare(left, right) > 0;

    public static bool operator <=(SemanticVersion left, SemanticVersion right) => Compare(left, right) <= 0;

    public static bool operator >=(SemanticVersion left, SemanticVersion right) => Compare(left, right) >= 0;

    private static int Compare(SemanticVersion left, SemanticVersion right)
    {
        ArgumentNullException.ThrowIfNull(left);
        return left.CompareTo(right);
    }

    private static int ComparePreRelease(string a, string b)
    {
        var aNumeric = long.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out var an);
        var bNumeric = long.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out var bn);
        return (aNumeric, bNumeric) switch
        {
            (true, true) => an.CompareTo(bn),
            (true, false) => -1,
            (false, true) => 1,
            _ => string.CompareOrdinal(a, b),
        };
    }

    private static bool TryNumber(string text, out long value) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    [GeneratedRegex(@"^(?<major>0|[1-9]\d*)\.(?<minor>0|[1-9]\d*)\.(?<patch>0|[1-9]\d*)(?:-(?<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+(?<build>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$")]
    private static partial Regex Full();

    [GeneratedRegex(@"^(?<major>0|[1-9]\d*)(?:\.(?<minor>0|[1-9]\d*))?$")]
    private static partial Regex Short();
}

/// <summary>
/// A version constraint: comma-separated comparators that must all hold, each an operator (<c>&gt;=</c>, <c>&gt;</c>,
/// <c>&lt;=</c>, <c>&lt;</c>, <c>=</c>, or none for equality) and a version, e.g. <c>&gt;= 0.0.0, &lt; 1.0.0</c>.
/// </summary>
public sealed record VersionConstraint(IReadOnlyList<(string Operator, SemanticVersion Version)> Comparators)
{
    private static readonly string[] Operators = [">=", "<=", ">", "<", "="];

    /// <summary>Parses a constraint; <paramref name="problem"/> says what is wrong when it returns null.</summary>
    public static VersionConstraint? Parse(string text, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(text);
        var comparators = new List<(string, SemanticVersion)>();
        foreach (var raw in text.Split(','))
        {
            var part = raw.Trim();
            if (part.Length == 0)
            {
                problem = "empty comparator (expected e.g. \">= 0.0.0, < 1.0.0\")";
                return null;
            }

            var op = Operators.FirstOrDefault(o => part.StartsWith(o, StringComparison.Ordinal)) ?? "=";
            var versionText = part.StartsWith(op, StringComparison.Ordinal) ? part[op.Length..].Trim() : part;
            if (SemanticVersion.ParseLoose(versionText) is not { } version)
            {
                problem = $"\"{part}\" is not a comparator: expected one of >=, >, <=, <, = (or none) followed by a semantic version";
                return null;
            }

            comparators.Add((op, version));
        }

        problem = null;
        return new VersionConstraint(comparators);
    }

    public bool IsSatisfiedBy(SemanticVersion version) => Comparators.All(c => c.Operator switch
    {
        ">=" => version >= c.Version,
        ">" => version > c.Version,
        "<=" => version <= c.Version,
        "<" => version < c.Version,
        _ => version.CompareTo(c.Version) == 0,
    });
}
