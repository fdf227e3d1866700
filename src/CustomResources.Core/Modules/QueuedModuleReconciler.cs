using System.Text.Json;
using System.Text.Json.Nodes;
using CustomResources.Core.Objects;
using CustomResources.Core.Storage;

namespace CustomResources.Core.Modules;

/// <summary>
/// One message of a controller's work queue in Azure: the key to reconcile and how many retryable failures preceded it.
/// Serialized as <c>{"key":"team-a/app","attempt":0}</c>.
/// </summary>
public sealed record ReconcileMessage(string Key, int Attempt)
{
    /// <summary>Longest key accepted: a namespace, a slash and a name (each at most 253 characters).</summary>
    public const int MaxKeyLength = 507;

    public string ToJson() => new JsonObject { ["key"] = Key, ["attempt"] = Attempt }.ToJsonString();

    /// <summary>
    /// Reads a message: the JSON form, or a bare key (what an operator would put on the queue by hand). Throws
    /// <see cref="FormatException"/> saying what is wrong.
    /// </summary>
    public static ReconcileMessage Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.StartsWith('{'))
        {
            JsonObject json;
            try
            {
                json = JsonNode.Parse(trimmed) as JsonObject ?? throw new FormatException("the message is not a JSON object");
            }
            catch (JsonException e)
            {
                throw new FormatException($"the message is not JSON: {e.Message}", e);
            }

            var key = json["key"] is JsonValue k && k.TryGetValue<string>(out var keyText) ? keyText : throw new FormatException("the message has no string 'key'");
            long attempt = 0;
            if (json["attempt"] is { } a && (a is not JsonValue av || av.GetValueKind() != JsonValueKind.Number || !Serialization.JsonNumbers.TryGetInteger(av, out attempt) || attempt < 0 || attempt > int.MaxValue))
            {
                throw new FormatException("'attempt' must be a non-negative integer");
            }

            return new ReconcileMessage(CheckKey(key), (int)attempt);
        }

        return new ReconcileMessage(CheckKey(trimmed), 0);
    }

    private static string CheckKey(string key)
    {
        if (key.Length == 0 || key.Length > MaxKeyLength)
        {
            throw new FormatException($"the key must have 1 to {MaxKeyLength} characters");
        }

        var name = key.StartsWith(ModuleReconciler.WorkspacePrefix, StringComparison.Ordinal) ? key[ModuleReconciler.WorkspacePrefix.Length..] : null;
        var parts = name is null ? key.Split('/') : [name];
        if ((name is null && parts.Length != 2) || parts.Any(p => !NameRules.IsDns1123Subdomain(p)))
        {
            throw new FormatException($"'{key}' is not a work key: '{{namespace}}/{{name}}' or '{ModuleReconciler.WorkspacePrefix}{{name}}'");
        }

        return key;
    }
}

/// <summary>Sends work to a controller's queue (an Azure Storage queue drained by a queue-triggered function).</summary>
public interface IReconcileMessageSender
{
    /// <summary>The longest delay the queue can give a message.</summary>
    TimeSpan MaxDelay { get; }

    /// <summary>Puts <paramref name="message"/> on the queue, invisible for <paramref name="delay"/> (the queue may cap it).</summary>
    Task SendAsync(ReconcileMessage message, TimeSpan delay, CancellationToken cancellationToken);
}

/// <summary>Exponential backoff between retryable reconcile failures: 1 s, 2 s, 4 s, ... up to 5 min.</summary>
public static class ReconcileBackoff
{
    public static readonly TimeSpan Max = TimeSpan.FromMinutes(5);

    /// <summary>The wait before attempt <paramref name="attempts"/> + 1.</summary>
    public static TimeSpan Delay(int attempts) => TimeSpan.FromSeconds(Math.Min(Max.TotalSeconds, Math.Pow(2, Math.Min(Math.Max(attempts, 0), 20))));
}

/// <summary>
/// The Module controller driven by a queue without per-key de-duplication (Azure): each message is one reconcile;
/// a retryable failure sends the key again with backoff, a scheduled look (a hibernation schedule's next change) is
/// sent once per time, a message the queue gave up on marks the Module <c>Stalled</c>, and a resync and every stored
/// change put keys on the queue.
/// </summary>
public sealed class QueuedModuleReconciler(ModuleReconciler reconciler, IObjectStore store, IReconcileMessageSender queue, TimeProvider clock)
{
    /// <summary>When a Module given up on by the queue is looked at again (the periodic resync may come sooner).</summary>
    public static readonly TimeSpan AfterStall = TimeSpan.FromMinutes(5);

    /// <summary>Follow-ups sooner than this are sent without a claim (the next steps of a Module that is making progress).</summary>
    private static readonly TimeSpan ClaimThreshold = TimeSpan.FromSeconds(30);

    /// <summary>How often a deleted Workspace waiting for its Modules is looked at, and for how many looks per chain.</summary>
    private static readonly TimeSpan WorkspacePoll = TimeSpan.FromSeconds(10);

    private const int WorkspacePolls = 30;

    /// <summary>Attempts counted beyond this stay there (the backoff is long capped by then).</summary>
    private const int MaxAttempt = 1000;

    /// <summary>
    /// Reconciles the message's key. Unexpected exceptions are left to the caller: the invocation fails and the queue
    /// delivers the message again, and after its last delivery moves it to the poison queue.
    /// </summary>
    /// <remarks>
    /// A follow-up (a retry with backoff, or a look at a time) is claimed in the Module's status when it is not soon, so
    /// the chains a resync, changes and redeliveries start collapse into one. A Workspace has no status: its waiting
    /// polls end after a bounded number of looks (the resync, and each deleted Module's change, start new ones).
    /// </remarks>
    public async Task<ReconcileOutcome> HandleAsync(ReconcileMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var outcome = await reconciler.ReconcileAsync(message.Key, cancellationToken).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        if (message.Key.StartsWith(ModuleReconciler.WorkspacePrefix, StringComparison.Ordinal))
        {
            if (outcome.RequeueAt is { } poll && message.Attempt < WorkspacePolls)
            {
                var wait = poll - now < WorkspacePoll ? WorkspacePoll : poll - now;
                await queue.SendAsync(message with { Attempt = message.Attempt + 1 }, wait, cancellationToken).ConfigureAwait(false);
            }

            return outcome;
        }

        DateTimeOffset at;
        int attempt;
        if (outcome.Retry)
        {
            at = now + ReconcileBackoff.Delay(message.Attempt);
            attempt = Math.Min(message.Attempt, MaxAttempt) + 1;
        }
        else if (outcome.RequeueAt is { } requeueAt)
        {
            at = requeueAt < now ? now : requeueAt;
            attempt = 0;
        }
        else
        {
            return outcome;
        }

        // Further than the queue can delay: look earlier, and that look asks again.
        if (at - now > queue.MaxDelay)
        {
            at = now + queue.MaxDelay;
        }

        if (at - now < ClaimThreshold)
        {
            await queue.SendAsync(new ReconcileMessage(message.Key, attempt), at - now, cancellationToken).ConfigureAwait(false);
        }
        else if (await reconciler.ClaimNextReconcileAsync(message.Key, at, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await queue.SendAsync(new ReconcileMessage(message.Key, attempt), at - now, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                // No message carries the claimed look: give the claim back so the redelivery (or a resync) can send one.
                await reconciler.ReleaseNextReconcileAsync(message.Key, at, CancellationToken.None).ConfigureAwait(false);
                throw;
            }
        }

        return outcome;
    }

    /// <summary>A message moved to the poison queue: reported in the Module's status and looked at again later.</summary>
    public async Task HandlePoisonAsync(ReconcileMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        await reconciler.ReportStalledAsync(
            message.Key,
            $"the work queue gave up on this Module after its last delivery failed (see the ModuleReconcile logs); it is reconciled again within {AfterStall.TotalMinutes:0} minutes",
            cancellationToken).ConfigureAwait(false);
        await queue.SendAsync(new ReconcileMessage(message.Key, 0), AfterStall, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Puts every Workspace and Module on the queue (the periodic resync); returns how many keys were sent.</summary>
    public Task<int> ResyncAsync(CancellationToken cancellationToken) => SendAllAsync(workspaces: true, null, cancellationToken);

    /// <summary>
    /// Puts the keys concerned by stored changes on the queue: a Module whose spec changed (its generation is not the
    /// observed one), that is being deleted or is gone (and then its Workspace too, which may be waiting for it), or
    /// that has no finalizer yet; a changed Workspace and every Module in its namespace (its schedule or its deletion
    /// concerns them). The controller's own status writes queue nothing, so they cannot feed back into more work;
    /// whatever else changes is caught by the resync. Returns how many keys were sent.
    /// </summary>
    public async Task<int> EnqueueChangesAsync(IEnumerable<ObjectChange> changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var keys = new List<string>();
        var workspaces = new List<ObjectKey>();
        foreach (var change in changes)
        {
            var key = change.Key;
            if (key.Group != ModuleDefinitions.Group)
            {
                continue;
            }

            if (key.Resource == ModuleDefinitions.ModulesResource && NeedsReconcile(change))
            {
                keys.Add(ModuleReconciler.ModuleKey(key.Namespace, key.Name));
                if ((change.Type == ChangeType.Deleted || Finalizers.IsDeleting(change.Object.Object))
                    && ObjectMetadata.GetString(change.Object.Object["spec"]?["workspace"]?["name"]) is { Length: > 0 } workspace)
                {
                    keys.Add(ModuleReconciler.WorkspaceKey(workspace));
                }
            }
            else if (key.Resource == ModuleDefinitions.WorkspacesResource)
            {
                keys.Add(ModuleReconciler.WorkspaceKey(key.Name));
                workspaces.Add(key);
            }
        }

        var sent = 0;
        foreach (var key in keys.Distinct(StringComparer.Ordinal))
        {
            await queue.SendAsync(new ReconcileMessage(key, 0), TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
            sent++;
        }

        foreach (var key in workspaces.Distinct())
        {
            if (await store.GetAsync(key, cancellationToken).ConfigureAwait(false) is { } workspace)
            {
                // Gone entirely, it has no Modules left (its finalizer waited for them).
                sent += await SendAllAsync(workspaces: false, ModuleDefinitions.WorkspaceNamespace(workspace.Object), cancellationToken).ConfigureAwait(false);
            }
        }

        return sent;
    }

    /// <summary>
    /// Whether a stored change of a Module asks for a reconcile: the deletion record; a deletion that the controller has
    /// not taken up yet (not Uninstalling); no finalizer yet (new); or a generation the controller has not seen — seen
    /// meaning recorded in <c>status.observedGeneration</c> or in any condition it wrote. The controller's own status
    /// writes (progress, retries, claims) thus never queue more work.
    /// </summary>
    private static bool NeedsReconcile(ObjectChange change)
    {
        var module = change.Object.Object;
        if (change.Type == ChangeType.Deleted)
        {
            return true;
        }

        var status = module["status"] as JsonObject;
        if (Finalizers.IsDeleting(module))
        {
            return ObjectMetadata.GetString(status?["phase"]) != "Uninstalling";
        }

        var hasFinalizer = Finalizers.Of(module).Contains(ModuleReconciler.Finalizer);
        if (!hasFinalizer || module["metadata"]?["generation"] is not { } generation)
        {
            return true;
        }

        var seen = status?["conditions"] is JsonArray conditions
            ? conditions.OfType<JsonObject>().Select(c => c["observedGeneration"]).Append(status["observedGeneration"])
            : [status?["observedGeneration"]];
        return !seen.Any(observed => observed is not null && JsonNode.DeepEquals(observed, generation));
    }

    private async Task<int> SendAllAsync(bool workspaces, string? ns, CancellationToken cancellationToken)
    {
        var sent = 0;
        await foreach (var key in ModuleReconciler.AllKeysAsync(store, workspaces, ns, cancellationToken).ConfigureAwait(false))
        {
            await queue.SendAsync(new ReconcileMessage(key, 0), TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
            sent++;
        }

        return sent;
    }
}
