namespace CustomResources.Core.Events;

/// <summary>What happens to a delivery after an attempt.</summary>
public enum DeliveryDecision
{
    Delivered,
    Retry,
    GiveUp,
}

/// <summary>
/// The retry rules of an async hook, as Event Grid applies them: a 2xx answer delivers; 400 and 413 are not retried;
/// anything else (other status codes, timeouts, connection failures) is retried on <see cref="RetrySchedule"/> until
/// the subscription's maximum attempts or the event's time to live run out.
/// </summary>
public static class DeliveryPolicy
{
    /// <summary>Whether an HTTP status answered by a hook is worth retrying.</summary>
    public static bool IsRetryable(int statusCode) => statusCode is not (400 or 413);

    /// <summary>The decision after attempt number <paramref name="attempts"/> failed (or succeeded) at <paramref name="now"/>.</summary>
    public static (DeliveryDecision Decision, string? Reason, DateTimeOffset NextAttempt) AfterAttempt(
        Subscription subscription, RetrySchedule schedule, bool delivered, bool retryable, int attempts, DateTimeOffset eventTime, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        ArgumentNullException.ThrowIfNull(schedule);
        if (delivered)
        {
            return (DeliveryDecision.Delivered, null, now);
        }

        var next = now + schedule.DelayAfter(attempts);
        if (!retryable)
        {
            return (DeliveryDecision.GiveUp, "NotRetryable", next);
        }

        if (attempts >= subscription.MaxDeliveryAttempts)
        {
            return (DeliveryDecision.GiveUp, "MaxDeliveryAttemptsExceeded", next);
        }

        return next - eventTime > subscription.TimeToLive
            ? (DeliveryDecision.GiveUp, "TimeToLiveExceeded", next)
            : (DeliveryDecision.Retry, null, next);
    }

    /// <summary>True when an event waited past its time to live before an attempt could even be made.</summary>
    public static bool Expired(Subscription subscription, DateTimeOffset eventTime, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        return now - eventTime > subscription.TimeToLive;
    }
}
