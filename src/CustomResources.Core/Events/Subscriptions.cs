using System.Globalization;
using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;
using CustomResources.Core.Errors;
using CustomResources.Core.Objects;
using CustomResources.Core.Outbound;
using CustomResources.Core.Selectors;
using CustomResources.Core.Storage;

using CustomResources.Core.Serialization;

namespace CustomResources.Core.Events;

/// <summary>
/// The built-in types of the event system, group <c>events.customresources.io/v1</c>, both cluster-scoped:
/// <c>Subscription</c> (an async hook) and <c>DeadLetter</c> (an event whose delivery was given up).
/// </summary>
public static class EventDefinitions
{
    public const string Group = "events.customresources.io";
    public const string Version = "v1";
    public const string ApiVersion = Group + "/" + Version;

    public static readonly ResourceDefinition Subscriptions = new(
        Group,
        new ResourceNames("subscriptions", "subscription", "Subscription", "SubscriptionList", ["esub"], ["events"]),
        ResourceScope.Cluster,
        [
            new DefinitionVersion(
                Version, true, true, false, null, Parse(SubscriptionSchema),
                [
                    new PrinterColumn("URL", "string", null, "Where events are delivered", 0, ".spec.url"),
                    new PrinterColumn("Handshake", "string", null, "Webhook validation handshake", 0, ".status.handshake"),
                    new PrinterColumn("Delivered", "integer", null, "Events delivered", 0, ".status.delivered"),
                    new PrinterColumn("DeadLettered", "integer", null, "Events dead-lettered", 0, ".status.deadLettered"),
                ],
                false),
        ])
    {
        BuiltIn = true,
    };

    public static readonly ResourceDefinition DeadLetters = new(
        Group,
        new ResourceNames("deadletters", "deadletter", "DeadLetter", "DeadLetterList", [], ["events"]),
        ResourceScope.Cluster,
        [
            new DefinitionVersion(
                Version, true, true, false, null, Parse(DeadLetterSchema),
                [
                    new PrinterColumn("Subscription", "string", null, "The subscription", 0, ".spec.subscription"),
                    new PrinterColumn("Event", "string", null, "The event id", 0, ".spec.event.id"),
                    new PrinterColumn("Attempts", "integer", null, "Delivery attempts made", 0, ".spec.attempts"),
                    new PrinterColumn("Reason", "string", null, "Why it was dead-lettered", 0, ".spec.reason"),
                ],
                false),
        ])
    {
        BuiltIn = true,
    };

    public static CollectionKey SubscriptionCollection => new(Group, Subscriptions.Names.Plural, "");

    public static ObjectKey SubscriptionKey(string name) => new(Group, Subscriptions.Names.Plural, "", name);

    public static ObjectKey DeadLetterKey(string name) => new(Group, DeadLetters.Names.Plural, "", name);

    private const string SubscriptionSchema = """
        {
          "type": "object",
          "properties": {
            "apiVersion": { "type": "string" },
            "kind": { "type": "string" },
            "metadata": { "type": "object" },
            "spec": {
              "type": "object",
              "required": ["url"],
              "properties": {
                "url": { "type": "string", "maxLength": 2048, "pattern": "^https?://" },
                "eventTypes": {
                  "type": "array", "maxItems": 64,
                  "items": { "type": "string", "minLength": 1, "maxLength": 512 }
                },
                "filter": {
                  "type": "object",
                  "properties": {
                    "group": { "type": "string" },
                    "kind": { "type": "string" },
                    "namespace": { "type": "string" },
                    "labelSelector": { "type": "object", "x-kubernetes-preserve-unknown-fields": true }
                  }
                },
                "retryPolicy": {
                  "type": "object",
                  "properties": {
                    "maxDeliveryAttempts": { "type": "integer", "minimum": 1, "maximum": 30, "default": 30 },
                    "eventTimeToLiveInMinutes": { "type": "integer", "minimum": 1, "maximum": 1440, "default": 1440 }
                  }
                },
                "deadLetter": { "type": "boolean", "default": true },
                "timeoutSeconds": { "type": "integer", "minimum": 1, "maximum": 60, "default": 30 }
              }
            },
            "status": { "type": "object", "x-kubernetes-preserve-unknown-fields": true }
          }
        }
        """;

    private const string DeadLetterSchema = """
        {
          "type": "object",
          "properties": {
            "apiVersion": { "type": "string" },
            "kind": { "type": "string" },
            "metadata": { "type": "object" },
            "spec": {
              "type": "object",
              "required": ["subscription", "event"],
              "properties": {
                "subscription": { "type": "string" },
                "event": { "type": "object", "x-kubernetes-preserve-unknown-fields": true },
                "attempts": { "type": "integer" },
                "reason": { "type": "string" },
                "lastError": { "type": "string" },
                "firstAttemptTime": { "type": "string" },
                "deadLetteredTime": { "type": "string" }
              }
            }
          }
        }
        """;

    private static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();
}

/// <summary>A parsed <c>Subscription</c>: where to deliver, which events, and how to retry.</summary>
public sealed record Subscription(
    string Name,
    string Url,
    IReadOnlyList<string> EventTypes,
    string? Group,
    string? Kind,
    string? Namespace,
    LabelSelector Selector,
    int MaxDeliveryAttempts,
    TimeSpan TimeToLive,
    bool DeadLetter,
    TimeSpan Timeout)
{
    public const int DefaultMaxDeliveryAttempts = 30;
    public static readonly TimeSpan DefaultTimeToLive = TimeSpan.FromHours(24);
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Parses a stored subscription (already validated on write); null when it cannot be used (no URL, bad selector).</summary>
    public static Subscription? FromObject(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var errors = new List<FieldError>();
        var parsed = Parse(obj, errors);
        return errors.Count == 0 ? parsed : null;
    }

    /// <summary>True when <paramref name="e"/> passes the subscription's event types and filter.</summary>
    public bool Matches(LifecycleEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (EventTypes.Count > 0 && !EventTypes.Any(t => MatchesType(t, e)))
        {
            return false;
        }

        return (Group is null || Group == e.Group)
            && (Kind is null || Kind == e.Kind)
            && (Namespace is null || Namespace == e.Namespace)
            && (Selector.IsEverything || Selector.Matches(e.Data["metadata"]?["labels"] as JsonObject));
    }

    /// <summary>
    /// Every problem with a subscription object: the schema's rules are checked by the engine; these are the rules a
    /// schema cannot express (the outbound URL policy, the selector, the event type names).
    /// </summary>
    public static IReadOnlyList<FieldError> Validate(JsonObject obj, OutboundPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(obj);
        ArgumentNullException.ThrowIfNull(policy);
        var errors = new List<FieldError>();
        var parsed = Parse(obj, errors);
        if (parsed is not null)
        {
            errors.AddRange(policy.CheckUrl("spec.url", parsed.Url));
        }

        return errors;
    }

    private static bool MatchesType(string wanted, LifecycleEvent e) =>
        wanted.Equals(e.Operation.ToString(), StringComparison.OrdinalIgnoreCase) || wanted == e.Type;

    private static Subscription? Parse(JsonObject obj, List<FieldError> errors)
    {
        var name = ObjectMetadata.Name(obj);
        var spec = obj["spec"] as JsonObject;
        var url = ObjectMetadata.GetString(spec?["url"]);
        if (string.IsNullOrWhiteSpace(url))
        {
            errors.Add(FieldError.Required("spec.url"));
        }

        var types = new List<string>();
        if (spec?["eventTypes"] is JsonArray array)
        {
            for (var i = 0; i < array.Count; i++)
            {
                var type = ObjectMetadata.GetString(array[i]);
                if (string.IsNullOrEmpty(type))
                {
                    errors.Add(FieldError.Required($"spec.eventTypes[{i}]"));
                }
                else if (!IsOperation(type) && type.Count(c => c == '.') < 2)
                {
                    errors.Add(FieldError.Invalid($"spec.eventTypes[{i}]", type, "must be created, updated, deleted or a full event type such as stable.example.com.CronTab.created"));
                }
                else
                {
                    types.Add(type);
                }
            }
        }

        var filter = spec?["filter"] as JsonObject;
        var selector = LabelSelector.FromJson(filter?["labelSelector"], "spec.filter.labelSelector", errors);
        var retry = spec?["retryPolicy"] as JsonObject;
        var attempts = Integer(retry?["maxDeliveryAttempts"]) ?? DefaultMaxDeliveryAttempts;
        var ttl = Integer(retry?["eventTimeToLiveInMinutes"]) is { } minutes ? TimeSpan.FromMinutes(minutes) : DefaultTimeToLive;
        var timeout = Integer(spec?["timeoutSeconds"]) is { } seconds ? TimeSpan.FromSeconds(seconds) : DefaultTimeout;
        if (attempts < 1)
        {
            errors.Add(FieldError.Invalid("spec.retryPolicy.maxDeliveryAttempts", attempts.ToString(CultureInfo.InvariantCulture), "must be at least 1"));
        }

        if (selector is null || string.IsNullOrWhiteSpace(url))
        {
            return null;
        }

        return new Subscription(
            name,
            url,
            types,
            Optional(filter?["group"]),
            Optional(filter?["kind"]),
            Optional(filter?["namespace"]),
            selector,
            Math.Max(1, attempts),
            ttl <= TimeSpan.Zero ? DefaultTimeToLive : ttl,
            spec?["deadLetter"] is JsonValue d && d.TryGetValue<bool>(out var deadLetter) ? deadLetter : true,
            timeout <= TimeSpan.Zero ? DefaultTimeout : timeout);
    }

    private static bool IsOperation(string type) =>
        type.Equals("created", StringComparison.OrdinalIgnoreCase)
        || type.Equals("updated", StringComparison.OrdinalIgnoreCase)
        || type.Equals("deleted", StringComparison.OrdinalIgnoreCase);

    private static string? Optional(JsonNode? node) => ObjectMetadata.GetString(node) is { Length: > 0 } s ? s : null;

    // Any integral JSON number, however the node holds it (parsed JSON, YAML, or built in code).
    private static int? Integer(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number && JsonNumbers.TryGetInteger(v, out var l)
            ? (int)Math.Clamp(l, int.MinValue, int.MaxValue)
            : null;
}

/// <summary>
/// The retry schedule, after Event Grid's: 10 s, 30 s, 1 min, 5 min, 10 min, 30 min, 1 h, 3 h, 6 h, then every 12 h
/// (bounded in practice by the subscription's attempts and time to live). <see cref="Scale"/> shrinks it for tests.
/// </summary>
public sealed record RetrySchedule(double Scale = 1.0)
{
    private static readonly TimeSpan[] Steps =
    [
        TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5),
        TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30), TimeSpan.FromHours(1), TimeSpan.FromHours(3),
        TimeSpan.FromHours(6), TimeSpan.FromHours(12),
    ];

    /// <summary>The wait after failed attempt number <paramref name="attempt"/> (1-based) before the next one.</summary>
    public TimeSpan DelayAfter(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(attempt);
        var step = Steps[Math.Min(attempt, Steps.Length) - 1];
        return TimeSpan.FromTicks((long)(step.Ticks * Scale));
    }
}

/// <summary>The write-time rules of <c>Subscription</c> beyond its schema: the outbound URL policy, selector and types.</summary>
public sealed class SubscriptionValidator(OutboundPolicy policy) : IWriteValidator
{
    public bool AppliesTo(ResourceDefinition definition) => ReferenceEquals(definition, EventDefinitions.Subscriptions);

    public IEnumerable<FieldError> Validate(JsonObject obj, JsonObject? old) => Subscription.Validate(obj, policy);
}
