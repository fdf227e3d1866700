using System.Text.Json.Nodes;
using CustomResources.Core.Events;

namespace CustomResources.Core.Tests.Events;

public sealed class DeliveryPolicyTests
{
    private static readonly DateTimeOffset EventTime = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly RetrySchedule Schedule = new();

    private static Subscription Hook(int maxAttempts = 30, int ttlMinutes = 1440) => Subscription.FromObject(new JsonObject
    {
        ["apiVersion"] = "events.customresources.io/v1",
        ["kind"] = "Subscription",
        ["metadata"] = new JsonObject { ["name"] = "hook" },
        ["spec"] = new JsonObject
        {
            ["url"] = "https://hooks.example.com/x",
            ["retryPolicy"] = new JsonObject { ["maxDeliveryAttempts"] = maxAttempts, ["eventTimeToLiveInMinutes"] = ttlMinutes },
        },
    })!;

    [Theory]
    [InlineData(400, false)]
    [InlineData(413, false)]
    [InlineData(404, true)]
    [InlineData(429, true)]
    [InlineData(500, true)]
    [InlineData(503, true)]
    public void Only_400_and_413_are_not_retried(int status, bool retryable) => Assert.Equal(retryable, DeliveryPolicy.IsRetryable(status));

    [Fact]
    public void A_success_is_delivered()
    {
        var (decision, reason, _) = DeliveryPolicy.AfterAttempt(Hook(), Schedule, delivered: true, retryable: false, attempts: 1, EventTime, EventTime);
        Assert.Equal(DeliveryDecision.Delivered, decision);
        Assert.Null(reason);
    }

    [Fact]
    public void A_retryable_failure_is_retried_on_the_schedule()
    {
        var now = EventTime.AddSeconds(5);
        var (decision, _, next) = DeliveryPolicy.AfterAttempt(Hook(), Schedule, delivered: false, retryable: true, attempts: 1, EventTime, now);
        Assert.Equal(DeliveryDecision.Retry, decision);
        Assert.Equal(now + Schedule.DelayAfter(1), next);
    }

    [Fact]
    public void A_not_retryable_failure_gives_up_at_once()
    {
        var (decision, reason, _) = DeliveryPolicy.AfterAttempt(Hook(), Schedule, delivered: false, retryable: false, attempts: 1, EventTime, EventTime);
        Assert.Equal(DeliveryDecision.GiveUp, decision);
        Assert.Equal("NotRetryable", reason);
    }

    [Fact]
    public void The_last_allowed_attempt_gives_up()
    {
        Assert.Equal(DeliveryDecision.Retry, DeliveryPolicy.AfterAttempt(Hook(maxAttempts: 3), Schedule, false, true, 2, EventTime, EventTime).Decision);
        var (decision, reason, _) = DeliveryPolicy.AfterAttempt(Hook(maxAttempts: 3), Schedule, false, true, 3, EventTime, EventTime);
        Assert.Equal(DeliveryDecision.GiveUp, decision);
        Assert.Equal("MaxDeliveryAttemptsExceeded", reason);
    }

    [Fact]
    public void A_retry_that_would_fall_after_the_time_to_live_gives_up()
    {
        // One minute to live; the fifth retry waits 10 minutes.
        var (decision, reason, _) = DeliveryPolicy.AfterAttempt(Hook(ttlMinutes: 1), Schedule, false, true, 5, EventTime, EventTime.AddSeconds(30));
        Assert.Equal(DeliveryDecision.GiveUp, decision);
        Assert.Equal("TimeToLiveExceeded", reason);
    }

    [Fact]
    public void An_event_older_than_its_time_to_live_is_expired_before_an_attempt()
    {
        Assert.False(DeliveryPolicy.Expired(Hook(ttlMinutes: 1), EventTime, EventTime.AddSeconds(59)));
        Assert.True(DeliveryPolicy.Expired(Hook(ttlMinutes: 1), EventTime, EventTime.AddSeconds(61)));
    }
}
