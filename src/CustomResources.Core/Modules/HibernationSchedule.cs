using Cronos;

namespace CustomResources.Core.Modules;

/// <summary>
/// A hibernation schedule: cron expressions (5 fields) for when modules go to sleep and when they wake, in a time zone.
/// At any instant the schedule wants the state set by whichever of the two fired last; before either has fired, awake.
/// </summary>
public sealed class HibernationSchedule
{
    // Growing windows to look back in: a dense schedule is settled in the first, a yearly one in the last, and no
    // window holds more occurrences than the schedule has in it.
    private static readonly TimeSpan[] LookBack = [TimeSpan.FromHours(1), TimeSpan.FromDays(1), TimeSpan.FromDays(8), TimeSpan.FromDays(32), TimeSpan.FromDays(367)];

    private readonly CronExpression sleep;
    private readonly CronExpression wake;
    private readonly TimeZoneInfo zone;

    private HibernationSchedule(CronExpression sleep, CronExpression wake, TimeZoneInfo zone)
    {
        this.sleep = sleep;
        this.wake = wake;
        this.zone = zone;
    }

    /// <summary>Parses a schedule; throws <see cref="FormatException"/> naming the field that is wrong.</summary>
    public static HibernationSchedule Parse(string sleepCron, string wakeCron, string? timeZone)
    {
        TimeZoneInfo zone;
        try
        {
            zone = string.IsNullOrEmpty(timeZone) ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(timeZone);
        }
        catch (TimeZoneNotFoundException e)
        {
            throw new FormatException($"timeZone: unknown time zone \"{timeZone}\"", e);
        }

        return new HibernationSchedule(ParseCron(sleepCron, "sleep"), ParseCron(wakeCron, "wake"), zone);
    }

    /// <summary>Whether the schedule wants modules asleep at <paramref name="now"/>.</summary>
    public bool IsAsleep(DateTimeOffset now)
    {
        var lastSleep = Last(sleep, now);
        var lastWake = Last(wake, now);
        return lastSleep is { } s && (lastWake is not { } w || s > w);
    }

    /// <summary>The next instant after <paramref name="now"/> at which the schedule changes what it wants, or null.</summary>
    public DateTimeOffset? NextChange(DateTimeOffset now)
    {
        var nextSleep = sleep.GetNextOccurrence(now, zone);
        var nextWake = wake.GetNextOccurrence(now, zone);
        return (nextSleep, nextWake) switch
        {
            ({ } s, { } w) => s < w ? s : w,
            ({ } s, null) => s,
            (null, { } w) => w,
            _ => null,
        };
    }

    private DateTimeOffset? Last(CronExpression expression, DateTimeOffset now)
    {
        // Cronos looks forward only: walk the occurrences of a window before now and keep the last one.
        foreach (var window in LookBack)
        {
            DateTimeOffset? last = null;
            foreach (var occurrence in expression.GetOccurrences(now - window, now, zone, fromInclusive: true, toInclusive: true))
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

    private static CronExpression ParseCron(string text, string field)
    {
        try
        {
            return CronExpression.Parse(text ?? throw new FormatException($"{field}: a cron expression is required"), CronFormat.Standard);
        }
        catch (CronFormatException e)
        {
            throw new FormatException($"{field}: \"{text}\" is not a cron expression with 5 fields: {e.Message}", e);
        }
    }
}
