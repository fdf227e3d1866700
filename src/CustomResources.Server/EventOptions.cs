using System.ComponentModel.DataAnnotations;

namespace CustomResources.Server;

/// <summary>Configuration section <c>Events</c>: the embedded lifecycle-event dispatcher.</summary>
public sealed class EventOptions
{
    public const string Section = "Events";

    /// <summary>Whether the dispatcher runs (<c>Events:Enabled</c>).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The CloudEvents <c>source</c> of every event; default <c>urn:customresources:{host name}</c>.</summary>
    public string? Source { get; set; }

    /// <summary>The <c>WebHook-Request-Origin</c> sent in the validation handshake; default the host name.</summary>
    public string? Origin { get; set; }

    /// <summary>Multiplies the retry schedule (10 s, 30 s, 1 min, ...); tests use a small value.</summary>
    [Range(0.0001, 100.0, ErrorMessage = "Events:RetryScale must be between 0.0001 and 100.")]
    public double RetryScale { get; set; } = 1.0;

    /// <summary>How often due retries are looked for (new events wake the workers at once).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00", ErrorMessage = "Events:PollInterval must be between 00:00:00.010 and 00:01:00.")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Deliveries in flight at once per subscription.</summary>
    [Range(1, 256, ErrorMessage = "Events:ConcurrencyPerSubscription must be between 1 and 256.")]
    public int ConcurrencyPerSubscription { get; set; } = 16;

    public string EffectiveSource => string.IsNullOrWhiteSpace(Source) ? $"urn:customresources:{System.Net.Dns.GetHostName().ToLowerInvariant()}" : Source;

    public string EffectiveOrigin => string.IsNullOrWhiteSpace(Origin) ? System.Net.Dns.GetHostName().ToLowerInvariant() : Origin;
}
