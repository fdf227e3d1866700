using System.Text.Json.Nodes;
using CustomResources.Core.Errors;
using CustomResources.Core.Objects;
using Cronos;

namespace CustomResources.Core.Modules;

/// <summary>
/// A hibernation schedule (<c>spec.hibernation</c> of a Workspace or a Module): 5-field cron expressions for when
/// modules go to sleep and wake up, read in an IANA time zone (UTC when none is given). Either expression may be absent.
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
