using CustomResources.Core.Discovery;

namespace CustomResources.Core.Tests.Discovery;

public class HumanDurationTests
{
    [Theory]
    [InlineData(-5, "<invalid>")]
    [InlineData(-1, "0s")]
    [InlineData(0, "0s")]
    [InlineData(9, "9s")]
    [InlineData(119, "119s")]
    [InlineData(120, "2m")]
    [InlineData(330, "5m30s")]
    [InlineData(599, "9m59s")]
    [InlineData(600, "10m")]
    [InlineData(3 * 3600 - 1, "179m")]
    [InlineData(3 * 3600, "3h")]
    [InlineData(5 * 3600 + 20 * 60 + 7, "5h20m")]
    [InlineData(8 * 3600, "8h")]
    [InlineData(47 * 3600 + 59 * 60, "47h")]
    [InlineData(48 * 3600, "2d")]
    [InlineData(7 * 86400 + 23 * 3600, "7d23h")]
    [InlineData(8 * 86400, "8d")]
    [InlineData(729 * 86400, "729d")]
    [InlineData(730 * 86400, "2y")]
    [InlineData(3 * 365 * 86400 + 10 * 86400, "3y10d")]
    [InlineData(8 * 365 * 86400, "8y")]
    [InlineData(20 * 365 * 86400 + 100 * 86400, "20y")]
    public void Formats_like_kubernetes_human_duration(long seconds, string expected)
    {
        Assert.Equal(expected, HumanDuration.Format(TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void Fractions_of_a_second_are_truncated()
    {
        Assert.Equal("1s", HumanDuration.Format(TimeSpan.FromMilliseconds(1999)));
        Assert.Equal("0s", HumanDuration.Format(TimeSpan.FromMilliseconds(-1500)));
    }

    [Theory]
    [InlineData("2025-01-01T00:00:00Z")]
    [InlineData("2025-01-01T00:00:00.123456Z")]
    [InlineData("2025-01-01T01:00:00+01:00")]
    public void Parses_rfc3339_timestamps(string text)
    {
        Assert.True(HumanDuration.TryParseTimestamp(text, out var parsed));
        Assert.Equal(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), parsed.AddTicks(-(parsed.Ticks % TimeSpan.TicksPerSecond)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("2025-01-01")]
    [InlineData("yesterday")]
    public void Rejects_other_timestamps(string text)
    {
        Assert.False(HumanDuration.TryParseTimestamp(text, out _));
    }
}
