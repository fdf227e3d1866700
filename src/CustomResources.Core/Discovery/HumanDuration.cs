using System.Globalization;

namespace CustomResources.Core.Discovery;

/// <summary>
/// Formats ages the way Kubernetes' <c>duration.HumanDuration</c> does: two significant units at most,
/// switching to coarser units as the duration grows.
/// </summary>
internal static class HumanDuration
{
    public static string Format(TimeSpan duration)
    {
        // Up to a second in the future counts as now (clock skew); more than that is invalid.
        var totalSeconds = (long)Math.Truncate(duration.TotalSeconds);
        if (totalSeconds < -1)
        {
            return "<invalid>";
        }

        if (totalSeconds < 0)
        {
            return "0s";
        }

        if (totalSeconds < 2 * 60)
        {
            return Invariant($"{totalSeconds}s");
        }

        var minutes = totalSeconds / 60;
        if (minutes < 10)
        {
            var seconds = totalSeconds % 60;
            return seconds == 0 ? Invariant($"{minutes}m") : Invariant($"{minutes}m{seconds}s");
        }

        if (minutes < 3 * 60)
        {
            return Invariant($"{minutes}m");
        }

        var hours = minutes / 60;
        if (hours < 8)
        {
            var restMinutes = minutes % 60;
            return restMinutes == 0 ? Invariant($"{hours}h") : Invariant($"{hours}h{restMinutes}m");
        }

        if (hours < 48)
        {
            return Invariant($"{hours}h");
        }

        var days = hours / 24;
        if (hours < 24 * 8)
        {
            var restHours = hours % 24;
            return restHours == 0 ? Invariant($"{days}d") : Invariant($"{days}d{restHours}h");
        }

        if (hours < 24 * 365 * 2)
        {
            return Invariant($"{days}d");
        }

        var years = days / 365;
        if (hours < 24 * 365 * 8)
        {
            var restDays = days % 365;
            return restDays == 0 ? Invariant($"{years}y") : Invariant($"{years}y{restDays}d");
        }

        return Invariant($"{years}y");
    }

    /// <summary>Parses an RFC 3339 timestamp as Kubernetes writes them (<c>2024-01-02T03:04:05Z</c>, optional fraction and offset).</summary>
    public static bool TryParseTimestamp(string? text, out DateTimeOffset timestamp) =>
        DateTimeOffset.TryParseExact(
            text,
            ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"],
            CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal,
            out timestamp);

    private static string Invariant(FormattableString value) => FormattableString.Invariant(value);
}
