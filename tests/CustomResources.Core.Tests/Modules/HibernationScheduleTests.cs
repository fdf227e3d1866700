using System.Text.Json.Nodes;
using CustomResources.Core.Errors;
using CustomResources.Core.Modules;

namespace CustomResources.Core.Tests.Modules;

public class HibernationScheduleTests
{
    // Weekdays: sleep at 19:00, wake at 07:00.
    private static readonly HibernationSchedule Office = Schedule("0 19 * * 1-5", "0 7 * * 1-5", "Europe/Berlin");

    private static HibernationSchedule Schedule(string sleep, string wake, string? zone)
    {
        var node = new JsonObject { ["sleep"] = sleep, ["wake"] = wake };
        if (zone is not null)
        {
            node["timeZone"] = zone;
        }

        var errors = new List<FieldError>();
        return HibernationSchedule.Parse(node, "spec.hibernation", errors) ?? throw new FormatException(string.Join("; ", errors.Select(e => e.Field)));
    }

    private static DateTimeOffset Berlin(int day, int hour, int minute = 0) => new(2026, 11, day, hour, minute, 0, TimeSpan.FromHours(1));

    [Theory]
    [InlineData(30, 12, false)] // Monday noon
    [InlineData(30, 19, true)]  // Monday 19:00 sharp
    [InlineData(30, 23, true)]
    [InlineData(24, 6, true)]   // Tuesday before wake
    [InlineData(24, 7, false)]  // Tuesday at wake
    [InlineData(28, 12, true)]  // Saturday: asleep since Friday evening
    public void The_last_event_before_now_decides(int day, int hour, bool asleep)
    {
        Assert.Equal(asleep, Office.IsAsleep(Berlin(day, hour)));
    }

    [Fact]
    public void The_next_change_is_the_nearer_of_the_next_sleep_and_wake()
    {
        Assert.Equal(Berlin(30, 19), Office.NextChange(Berlin(30, 12)));
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 7, 0, 0, TimeSpan.FromHours(1)), Office.NextChange(Berlin(30, 20)));
    }

    [Fact]
    public void A_dense_schedule_is_evaluated_quickly_and_correctly()
    {
        var flapping = Schedule("0 * * * *", "30 * * * *", null);
        var now = new DateTimeOffset(2026, 11, 30, 10, 15, 0, TimeSpan.Zero);
        Assert.True(flapping.IsAsleep(now));
        Assert.False(flapping.IsAsleep(now.AddMinutes(20)));
    }

    [Fact]
    public void Before_either_has_ever_fired_the_schedule_wants_modules_awake()
    {
        var never = Schedule("0 0 30 2 *", "0 0 31 2 *", null);
        Assert.False(never.IsAsleep(DateTimeOffset.UnixEpoch.AddYears(50)));
    }

    [Theory]
    [InlineData("not cron", "0 7 * * *", null, "sleep")]
    [InlineData("0 19 * * *", "0 7 * *", null, "wake")]
    [InlineData("0 19 * * *", "0 7 * * *", "Mars/Olympus", "timeZone")]
    public void A_bad_schedule_is_refused_naming_the_field(string sleep, string wake, string? zone, string field)
    {
        var e = Assert.Throws<FormatException>(() => Schedule(sleep, wake, zone));
        Assert.Equal($"spec.hibernation.{field}", e.Message);
    }
}
