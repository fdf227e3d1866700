using System.Text.Json.Nodes;
using CustomResources.Core.Errors;
using CustomResources.Core.Objects;
using Cronos;

namespace CustomResources.Core.Modules;

/// <summary>
/// A hibernation schedule (<c>spec.hibernation</c> of a Workspace or a Module): 5-field cron expressions for when
/// modules go to sleep and wake up, read in an IANA time zone (UTC when none is given). Either expression may be absent.
/// At any instant the schedule wants the state set by whichever of the two fired last; before either has fired, awake.
/// </summary>
public sealed record HibernationSchedule(CronExpression? Sleep, CronExpression? Wake, TimeZoneInfo TimeZone)
{
    /// <summary>Reads a schedule, adding problems under <paramref name="path"/>; null when absent or invalid.</summary>
    public static HibernationSchedule? Parse(JsonNode? node, string path, List<FieldError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (node is null)
        {
            return null;
        }

        if (node is not JsonObject schedule)
        {
            errors.Add(FieldError.TypeInvalid(path, node, "object"));
            return null;
        }

        var before = errors.Count;
        var sleep = Cron(schedule["sleep"], $"{path}.sleep", errors);
        var wake = Cron(schedule["wake"], $"{path}.wake", errors);
        var zone = TimeZoneInfo.Utc;
        if (schedule["timeZone"] is { } zoneNode)
        {
            var id = ObjectMetadata.GetString(zoneNode) ?? "";
            try
            {
                zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            }
            catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
            {
                errors.Add(FieldError.Invalid($"{path}.timeZone", zoneNode, "must be an IANA time zone id such as \"Europe/Berlin\" or \"UTC\""));
            }
        }

        return errors.Count > before ? null : new HibernationSchedule(sleep, wake, zone);
    }

    /// <summary>The first time strictly after <paramref name="from"/> when modules should go to sleep, or null.</summary>
    public DateTimeOffset? NextSleep(DateTimeOffset from) => Sleep?.GetNextOccurrence(from, TimeZone);

    /// <summary>The first time strictly after <paramref name="from"/> when modules should wake up, or null.</summary>
    public DateTimeOffset? NextWake(DateTimeOffset from) => Wake?.GetNextOccurrence(from, TimeZone);

    /// <summary>Whether the schedule wants modules asleep at <paramref name="now"/>: the last event before it decides.</summary>
    public bool IsAsleep(DateTimeOffset now)
    {
        var lastSleep = Last(Sleep, now);
        var lastWake = Last(Wake, now);
        return lastSleep is { } s && (lastWake is not { } w || s > w);
    }

    /// <summary>The next instant after <paramref name="now"/> at which the schedule changes what it wants, or null.</summary>
    public DateTimeOffset? NextChange(DateTimeOffset now) => (NextSleep(now), NextWake(now)) switch
    {
        ({ } s, { } w) => s < w ? s : w,
        ({ } s, null) => s,
        (null, { } w) => w,
        _ => null,
    };

    // Growing windows to look back in: a dense schedule is settled in the first, a yearly one in the last, and no window
    // holds more occurrences than the schedule has in it.
    private static readonly TimeSpan[] LookBack = [TimeSpan.FromHours(1), TimeSpan.FromDays(1), TimeSpan.FromDays(8), TimeSpan.FromDays(32), TimeSpan.FromDays(367)];

    private DateTimeOffset? Last(CronExpression? expression, DateTimeOffset now)
    {
        if (expression is null)
        {
            return null;
        }

        // Cronos looks forward only: walk the occurrences of a window before now and keep the last one.
        foreach (var window in LookBack)
        {
            DateTimeOffset? last = null;
            foreach (var occurrence in expression.GetOccurrences(now - window, now, TimeZone, fromInclusive: true, toInclusive: true))
            {
                last = occurrence;
            }

            if (last is not null)
            {
                return last;
            }
        }

        return null;
    }

    private static CronExpression? Cron(JsonNode? node, string field, List<FieldError> errors)
    {
        if (node is null)
        {
            return null;
        }

        if (ObjectMetadata.GetString(node) is not { } text)
        {
            errors.Add(FieldError.TypeInvalid(field, node, "string"));
            return null;
        }

        try
        {
            return CronExpression.Parse(text, CronFormat.Standard);
        }
        catch (CronFormatException e)
        {
            errors.Add(FieldError.Invalid(field, node, $"must be a cron expression of 5 fields (minute hour day-of-month month day-of-week), e.g. \"0 20 * * 1-5\": {e.Message}"));
            return null;
        }
    }
}
