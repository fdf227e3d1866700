using System.Globalization;
using System.Text.Json.Nodes;
using CustomResources.Core.Errors;
using CustomResources.Core.Objects;
using CustomResources.Core.Storage;

namespace CustomResources.Core.Modules;

/// <summary>What one reconcile asks of the work list: done, try again later (counting an attempt), or look again at a time.</summary>
public sealed record ReconcileOutcome(bool Retry, DateTimeOffset? RequeueAt, string Summary)
{
    public static ReconcileOutcome Done(string summary, DateTimeOffset? requeueAt = null) => new(false, requeueAt, summary);

    public static ReconcileOutcome RetryLater(string summary) => new(true, null, summary);
}

/// <summary>Settings of <see cref="ModuleReconciler"/>.</summary>
public sealed record ModuleReconcilerOptions
{
    /// <summary>How long to wait for a started module's <c>GET /health</c> before trying again later.</summary>
    public TimeSpan HealthWait { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan HealthPollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Environment every module gets (the API base URL, for instance).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public string OperatorVersion { get; init; } = ModuleFiles.OperatorVersion;

    /// <summary>
    /// How long a reconcile's claim on an install holds off others (<c>status.installing</c>); zero: no claims, for work
    /// lists that never run one key twice at once (the embedded server's). Longer than a health wait plus an install call.
    /// </summary>
    public TimeSpan InstallClaim { get; init; }

    /// <summary>Derives each module's token (<c>CUSTOMRESOURCES_TOKEN</c>); null gives modules no credential.</summary>
    public ModuleCredentials? Credentials { get; init; }
}

/// <summary>
/// The level-triggered controller of Modules (controller-runtime's Reconcile): it reads the Module as it is now and takes
/// the next step towards its desired state, recording progress in <c>status</c>, which only it writes.
/// </summary>
/// <remarks>
/// Steps, each idempotent: add the uninstall finalizer; start the workload (the runtime reuses a running one); wait for
/// <c>/health</c>; <c>POST /install</c> with the resolved config merged over the persisted metadata, once per version of
/// what it is installed with (<c>status.installedHash</c>: source and resolved config); <c>/sleep</c> or <c>/resume</c>
/// when the wanted hibernation (<c>spec.hibernated</c> or the schedule of the Module, else of its Workspace) differs from <c>status.sleeping</c>. On deletion:
/// <c>/uninstall</c>, remove the workload, then the finalizer. Connection failures, timeouts and 5xx are retried by the
/// caller with backoff; a 4xx is terminal for that generation (<c>status.failedGeneration</c>, phase Failed, the module's
/// message) until the spec changes. A crash between a module call and the status write repeats that call on restart.
/// </remarks>
public sealed class ModuleReconciler(ResourceService service, IObjectStore store, IModuleRuntime runtime, IModuleClient client, TimeProvider clock, ModuleReconcilerOptions options)
{
    public const string Finalizer = "modules.customresources.io/uninstall";

    /// <summary>The prefix of work keys that name a Workspace rather than a Module.</summary>
    public const string WorkspacePrefix = "workspace:";

    /// <summary>How far apart the clocks of instances and of the queue may be.</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(5);

    /// <summary>The condition saying the controller gave up on the Module's work item (kstatus' <c>Stalled</c>).</summary>
    public const string StalledCondition = "Stalled";

    /// <summary>
    /// Reconciles a Workspace: holds it with a finalizer while it lives; once deleted, deletes its Modules (each
    /// uninstalled through its own finalizer) and lets the Workspace go only when none is left.
    /// </summary>
    public async Task<ReconcileOutcome> ReconcileWorkspaceAsync(string name, CancellationToken cancellationToken)
    {
        var target = await service.ResolveAsync(ModuleDefinitions.Group, ModuleDefinitions.Version, ModuleDefinitions.WorkspacesResource, cancellationToken);
        var stored = await store.GetAsync(ModuleDefinitions.WorkspaceKey(name), cancellationToken);
        if (stored is null)
        {
            return ReconcileOutcome.Done("gone");
        }

        var workspace = (JsonObject)stored.Object.DeepClone();
        var metadata = (JsonObject)workspace["metadata"]!;
        var finalizers = Finalizers.Of(workspace);
        var held = finalizers.Contains(Finalizer);
        if (metadata["deletionTimestamp"] is null)
        {
            if (!held)
            {
                Finalizers.Set(workspace, [.. finalizers, Finalizer]);
                await service.ReplaceAsync(target, null, name, workspace, new WriteOptions(), cancellationToken);
            }

            return ReconcileOutcome.Done("workspace held");
        }

        if (!held)
        {
            return ReconcileOutcome.Done("workspace deleting");
        }

        var modules = await service.ResolveAsync(ModuleDefinitions.Group, ModuleDefinitions.Version, ModuleDefinitions.ModulesResource, cancellationToken);
        var ns = ModuleDefinitions.WorkspaceNamespace(workspace);
        var remaining = 0;
        await foreach (var item in store.ListAllAsync(new CollectionKey(ModuleDefinitions.Group, ModuleDefinitions.ModulesResource, ns), cancellationToken))
        {
            var module = item.Object;
            if (ObjectMetadata.GetString(module["spec"]?["workspace"]?["name"]) == name)
            {
                remaining++;
                if (module["metadata"]?["deletionTimestamp"] is null)
                {
                    try
                    {
                        await service.DeleteAsync(modules, ns, ObjectMetadata.Name(module), new DeleteOptions(), cancellationToken);
                    }
                    catch (ApiException e) when (e.Code == 404)
                    {
                        // Gone meanwhile.
                    }
                }
            }
        }

        if (remaining > 0)
        {
            // Each Module uninstalls through its own finalizer; look again shortly.
            return ReconcileOutcome.Done($"waiting for {remaining} module(s) to uninstall", clock.GetUtcNow() + TimeSpan.FromSeconds(1));
        }

        Finalizers.Set(workspace, [.. finalizers.Where(f => f != Finalizer)]);
        await service.ReplaceAsync(target, null, name, workspace, new WriteOptions(), cancellationToken);
        return ReconcileOutcome.Done("workspace released");
    }

    /// <summary>Reconciles the Module <c>{namespace}/{name}</c> (or the Workspace <c>workspace:{name}</c>).</summary>
    public async Task<ReconcileOutcome> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.StartsWith(WorkspacePrefix, StringComparison.Ordinal))
        {
            return await ReconcileWorkspaceAsync(key[WorkspacePrefix.Length..], cancellationToken);
        }

        var (ns, name) = ModuleKeyParts(key);
        var target = await service.ResolveAsync(ModuleDefinitions.Group, ModuleDefinitions.Version, ModuleDefinitions.ModulesResource, cancellationToken);
        var stored = await store.GetAsync(ModuleDefinitions.ModuleKey(ns, name), cancellationToken);
        if (stored is null)
        {
            await runtime.RemoveAsync(ns, name, cancellationToken);
            return ReconcileOutcome.Done("gone");
        }

        var module = stored.Object;
        var metadata = (JsonObject)module["metadata"]!;
        var hasFinalizer = Finalizers.Of(module).Contains(Finalizer);
        if (metadata["deletionTimestamp"] is not null)
        {
            if (!hasFinalizer)
            {
                return ReconcileOutcome.Done("deleting");
            }

            // The module refused /uninstall for this generation: the user decides (change the spec to try again, or
            // remove the finalizer); asking again would only repeat the refusal.
            var deleting = module["status"] as JsonObject;
            if (Integer(deleting?["failedGeneration"]) == (Integer(metadata["generation"]) ?? 1)
                && deleting?["conditions"] is JsonArray conditions
                && conditions.OfType<JsonObject>().Any(c => ObjectMetadata.GetString(c["type"]) == "Ready" && ObjectMetadata.GetString(c["reason"]) == "UninstallFailed"))
            {
                return ReconcileOutcome.Done("uninstall refused for this generation; waiting for a spec change or the finalizer's removal");
            }

            return await UninstallAsync(target, ns, name, module, cancellationToken);
        }

        if (!hasFinalizer)
        {
            var withFinalizer = (JsonObject)module.DeepClone();
            Finalizers.Set(withFinalizer, [.. Finalizers.Of(module), Finalizer]);
            try
            {
                await service.ReplaceAsync(target, ns, name, withFinalizer, new WriteOptions(), cancellationToken);
            }
            catch (ApiException e) when (e.Code == 409)
            {
                // Written meanwhile (a user, or another reconcile adding the same finalizer): look again at the new state.
                return ReconcileOutcome.Done("changed meanwhile", clock.GetUtcNow());
            }

            return ReconcileOutcome.Done("finalizer added", clock.GetUtcNow());
        }

        var generation = Integer(metadata["generation"]) ?? 1;
        var status = module["status"] as JsonObject ?? new JsonObject();
        if (Integer(status["failedGeneration"]) == generation)
        {
            return ReconcileOutcome.Done("failed for this generation; waiting for a spec change");
        }

        var file = await ModuleSources.LoadAsync(store, module, options.OperatorVersion, cancellationToken);
        if (file.File is null)
        {
            return await FailAsync(target, ns, name, generation, "InvalidSource", string.Join("; ", file.Errors.Select(e => $"{e.Field}: {e.Message}")), cancellationToken);
        }

        var config = ModuleConfig.Resolve(file.File, module["spec"]?["config"] as JsonObject);
        if (config.Errors.Count > 0)
        {
            return await FailAsync(target, ns, name, generation, "InvalidConfig", string.Join("; ", config.Errors.Select(e => $"{e.Field}: {e.Message}")), cancellationToken);
        }

        var (wantAsleep, nextChange) = await WantedHibernationAsync(module, cancellationToken);
        var token = await EnsureCredentialAsync(ns, name, ObjectMetadata.GetString(metadata["uid"]) ?? "", file.File.NeedsControllerPermission, cancellationToken);
        ModuleEndpoint endpoint;
        try
        {
            endpoint = await runtime.EnsureRunningAsync(Workload(ns, name, metadata, file.File, token), cancellationToken);
        }
        catch (ModuleRuntimeException e) when (e.Retryable)
        {
            await SetStatusAsync(target, ns, name, s => Condition(s, "Ready", "False", "RuntimeUnavailable", e.Message, generation), cancellationToken);
            return ReconcileOutcome.RetryLater(e.Message);
        }
        catch (ModuleRuntimeException e)
        {
            return await FailAsync(target, ns, name, generation, "RuntimeFailed", e.Message, cancellationToken);
        }

        if (!await WaitHealthyAsync(endpoint, cancellationToken))
        {
            await SetStatusAsync(target, ns, name, s => Condition(s, "Ready", "False", "Unhealthy", $"GET /health did not report healthy within {options.HealthWait.TotalSeconds:0.#} s", generation), cancellationToken);
            return ReconcileOutcome.RetryLater("unhealthy");
        }

        // Installed again only when what the module was installed with changes (its source or resolved config), not
        // when only hibernation or labels change.
        var installHash = InstallHash(module, config.Resolved);
        if (ObjectMetadata.GetString(status["installedHash"]) != installHash)
        {
            if (await ClaimInstallAsync(target, ns, name, installHash, generation, cancellationToken) is { } busyUntil)
            {
                return ReconcileOutcome.Done("another reconcile is installing this module", busyUntil);
            }

            var result = await client.CallAsync(endpoint, ModuleOperation.Install, Body(status, config.Resolved), cancellationToken);
            if (!result.Succeeded)
            {
                return await CallFailedAsync(target, ns, name, generation, "InstallFailed", result, cancellationToken);
            }

            status = await SetStatusAsync(target, ns, name, s =>
            {
                Recorded(s, "install", result.Metadata ?? Body(s, config.Resolved));
                s["installedGeneration"] = generation;
                s["installedHash"] = installHash;
                s.Remove("installing");
                s["resolvedConfig"] = config.Resolved.DeepClone();
                s["resolvedGeneration"] = generation;
                s["sleeping"] = false;
                s["phase"] = "Ready";
                s.Remove("message");
                Condition(s, "Ready", "True", "Installed", "the module is installed", generation);
            }, cancellationToken);
        }

        var sleeping = status["sleeping"] is JsonValue v && v.TryGetValue<bool>(out var b) && b;
        if (wantAsleep != sleeping)
        {
            var operation = wantAsleep ? ModuleOperation.Sleep : ModuleOperation.Resume;
            if (!wantAsleep)
            {
                await SetStatusAsync(target, ns, name, s => s["phase"] = "Resuming", cancellationToken);
            }

            var result = await client.CallAsync(endpoint, operation, Body(status, config.Resolved), cancellationToken);
            if (!result.Succeeded)
            {
                return await CallFailedAsync(target, ns, name, generation, wantAsleep ? "SleepFailed" : "ResumeFailed", result, cancellationToken);
            }

            await SetStatusAsync(target, ns, name, s =>
            {
                Recorded(s, ModuleOperations.Path(operation), result.Metadata ?? Body(s, config.Resolved));
                s["sleeping"] = wantAsleep;
                s["phase"] = wantAsleep ? "Sleeping" : "Ready";
                Condition(s, "Ready", "True", wantAsleep ? "Hibernated" : "Installed", wantAsleep ? "the module is asleep" : "the module is installed", generation);
            }, cancellationToken);
        }

        var stalled = Stalled(module["status"] as JsonObject);
        if (stalled || Integer(status["observedGeneration"]) != generation)
        {
            // Everything the spec asks for is done: this generation is observed (a change feed can then tell a spec
            // change from the controller's own status writes).
            await SetStatusAsync(target, ns, name, s =>
            {
                s["observedGeneration"] = generation;
                if (stalled)
                {
                    Condition(s, StalledCondition, "False", "Reconciled", "the last reconcile succeeded", generation);
                }
            }, cancellationToken);
        }

        return ReconcileOutcome.Done(wantAsleep ? "asleep" : "ready", nextChange);
    }

    /// <summary>
    /// Records in a Module's status that its work item was given up on (the queue's poison handling): condition
    /// <c>Stalled=True</c> with <paramref name="message"/>, until a later reconcile succeeds. Nothing to do for a
    /// Workspace key or a Module that is gone.
    /// </summary>
    public async Task ReportStalledAsync(string key, string message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.StartsWith(WorkspacePrefix, StringComparison.Ordinal))
        {
            return;
        }

        var (ns, name) = ModuleKeyParts(key);
        var stored = await store.GetAsync(ModuleDefinitions.ModuleKey(ns, name), cancellationToken);
        if (stored is null)
        {
            return;
        }

        var target = await service.ResolveAsync(ModuleDefinitions.Group, ModuleDefinitions.Version, ModuleDefinitions.ModulesResource, cancellationToken);
        var generation = Integer(stored.Object["metadata"]?["generation"]) ?? 1;
        await SetStatusAsync(target, ns, name, s => Condition(s, StalledCondition, "True", "RetriesExhausted", message, generation), cancellationToken);
    }

    /// <summary>
    /// Claims a look at a Module at <paramref name="at"/> (<c>status.nextReconcileTime</c>), for work queues that cannot
    /// hold one entry per key (Azure Storage queues): false when a look is already pending at or before that time, so
    /// follow-ups from several deliveries (a resync, a change, a retry) collapse into one instead of multiplying.
    /// Workspace keys get true (they have no status); vanished Modules false.
    /// </summary>
    public async Task<bool> ClaimNextReconcileAsync(string key, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.StartsWith(WorkspacePrefix, StringComparison.Ordinal))
        {
            return true;
        }

        var (ns, name) = ModuleKeyParts(key);
        var stamp = Stamp(at);
        var wanted = DateTimeOffset.Parse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        var now = clock.GetUtcNow();

        // A look due within the next few seconds counts as already made: instances' clocks differ a little from each
        // other and from the queue's, and the instance handling that look must not take its own claim for a pending one.
        bool Pending(JsonNode? recorded) =>
            DateTimeOffset.TryParse(ObjectMetadata.GetString(recorded), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var pending)
            && pending > now + ClockSkew && pending <= wanted;

        var target = await service.ResolveAsync(ModuleDefinitions.Group, ModuleDefinitions.Version, ModuleDefinitions.ModulesResource, cancellationToken);
        try
        {
            var written = await UpdateStatusAsync(target, ns, name, s =>
            {
                if (Pending(s["nextReconcileTime"]))
                {
                    return false;
                }

                s["nextReconcileTime"] = stamp;
                return true;
            }, cancellationToken);
            return written is not null;
        }
        catch (ApiException e) when (e.Code == 404)
        {
            return false;
        }
    }

    /// <summary>Gives back a claim from <see cref="ClaimNextReconcileAsync"/> whose message could not be sent.</summary>
    public async Task ReleaseNextReconcileAsync(string key, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.StartsWith(WorkspacePrefix, StringComparison.Ordinal))
        {
            return;
        }

        var (ns, name) = ModuleKeyParts(key);
        var stamp = Stamp(at);
        var target = await service.ResolveAsync(ModuleDefinitions.Group, ModuleDefinitions.Version, ModuleDefinitions.ModulesResource, cancellationToken);
        try
        {
            await UpdateStatusAsync(target, ns, name, s => ObjectMetadata.GetString(s["nextReconcileTime"]) == stamp && s.Remove("nextReconcileTime"), cancellationToken);
        }
        catch (ApiException e) when (e.Code == 404)
        {
            // Gone: nothing to give back.
        }
    }

    /// <summary>The namespace and name in a Module work key <c>{namespace}/{name}</c>.</summary>
    public static (string Namespace, string Name) ModuleKeyParts(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 ? (key[..slash], key[(slash + 1)..]) : ("", key);
    }

    /// <summary>The work key of a Module.</summary>
    public static string ModuleKey(string ns, string name) => $"{ns}/{name}";

    /// <summary>The work key of a Workspace.</summary>
    public static string WorkspaceKey(string name) => WorkspacePrefix + name;

    /// <summary>The work keys of every Workspace, then of every Module (in <paramref name="ns"/> only, when given).</summary>
    public static async IAsyncEnumerable<string> AllKeysAsync(IObjectStore store, bool workspaces, string? ns, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (workspaces)
        {
            await foreach (var workspace in store.ListAllAsync(ModuleDefinitions.Workspaces(), cancellationToken))
            {
                yield return WorkspaceKey(ObjectMetadata.Name(workspace.Object));
            }
        }

        await foreach (var item in store.ListAllAsync(new CollectionKey(ModuleDefinitions.Group, ModuleDefinitions.ModulesResource, ns), cancellationToken))
        {
            yield return ModuleKey(ObjectMetadata.GetString(item.Object["metadata"]?["namespace"]) ?? "", ObjectMetadata.Name(item.Object));
        }
    }

    private static bool Stalled(JsonObject? status) =>
        status?["conditions"] is JsonArray conditions
        && conditions.OfType<JsonObject>().Any(c => ObjectMetadata.GetString(c["type"]) == StalledCondition && ObjectMetadata.GetString(c["status"]) == "True");

    private async Task<ReconcileOutcome> UninstallAsync(ResourceTarget target, string ns, string name, JsonObject module, CancellationToken cancellationToken)
    {
        var status = module["status"] as JsonObject ?? new JsonObject();
        var generation = Integer(module["metadata"]?["generation"]) ?? 1;
        if (Integer(status["installedGeneration"]) is not null)
        {
            var file = await ModuleSources.LoadAsync(store, module, options.OperatorVersion, cancellationToken);
            if (file.File is not null)
            {
                await SetStatusAsync(target, ns, name, s => s["phase"] = "Uninstalling", cancellationToken);
                ModuleEndpoint endpoint;
                try
                {
                    var token = await EnsureCredentialAsync(ns, name, ObjectMetadata.GetString(module["metadata"]?["uid"]) ?? "", file.File.NeedsControllerPermission, cancellationToken);
                    endpoint = await runtime.EnsureRunningAsync(Workload(ns, name, (JsonObject)module["metadata"]!, file.File, token), cancellationToken);
                }
                catch (ModuleRuntimeException e) when (e.Retryable)
                {
                    return ReconcileOutcome.RetryLater(e.Message);
                }

                if (!await WaitHealthyAsync(endpoint, cancellationToken))
                {
                    return ReconcileOutcome.RetryLater("unhealthy before uninstall");
                }

                var config = ModuleConfig.Resolve(file.File, module["spec"]?["config"] as JsonObject).Resolved;
                var result = await client.CallAsync(endpoint, ModuleOperation.Uninstall, Body(status, config), cancellationToken);
                if (!result.Succeeded)
                {
                    // A terminal refusal keeps the finalizer: the user decides (fix the module, or remove the finalizer).
                    return await CallFailedAsync(target, ns, name, generation, "UninstallFailed", result, cancellationToken);
                }
            }
        }

        await runtime.RemoveAsync(ns, name, cancellationToken);
        await RemoveCredentialAsync(ns, name, ObjectMetadata.GetString(module["metadata"]?["uid"]) ?? "", cancellationToken);
        var current = await store.GetAsync(ModuleDefinitions.ModuleKey(ns, name), cancellationToken);
        if (current is not null)
        {
            var without = (JsonObject)current.Object.DeepClone();
            Finalizers.Set(without, [.. Finalizers.Of(without).Where(f => f != Finalizer)]);

            await service.ReplaceAsync(target, ns, name, without, new WriteOptions(), cancellationToken);
        }

        return ReconcileOutcome.Done("uninstalled");
    }

    private async Task<(bool Asleep, DateTimeOffset? NextChange)> WantedHibernationAsync(JsonObject module, CancellationToken cancellationToken)
    {
        var spec = module["spec"] as JsonObject;
        if (spec?["hibernated"] is JsonValue h && h.TryGetValue<bool>(out var hibernated) && hibernated)
        {
            return (true, null);
        }

        var scheduleNode = spec?["hibernation"];
        if (scheduleNode is null && ObjectMetadata.GetString(spec?["workspace"]?["name"]) is { } workspaceName
            && await store.GetAsync(ModuleDefinitions.WorkspaceKey(workspaceName), cancellationToken) is { } workspace)
        {
            scheduleNode = workspace.Object["spec"]?["hibernation"];
        }

        var errors = new List<FieldError>();
        if (HibernationSchedule.Parse(scheduleNode, "spec.hibernation", errors) is not { } schedule)
        {
            return (false, null);
        }

        var now = clock.GetUtcNow();
        return (schedule.IsAsleep(now), schedule.NextChange(now));
    }

    /// <summary>Makes the module's token valid (its Token object) and its rights granted (its binding); returns the token.</summary>
    private async Task<string?> EnsureCredentialAsync(string ns, string name, string uid, bool controller, CancellationToken cancellationToken)
    {
        if (options.Credentials is not { } credentials)
        {
            return null;
        }

        var (token, tokenObject) = credentials.For(ns, name, uid, controller);
        await CreateIfMissingAsync(Authentication.TokenDefinitions.Group, Authentication.TokenDefinitions.Version, Authentication.TokenDefinitions.Resource, null, tokenObject, cancellationToken);
        var binding = ModuleCredentials.Binding(ns, name, controller);
        await CreateIfMissingAsync(Security.RbacDefinitions.Group, Security.RbacDefinitions.Version,
            controller ? Security.RbacDefinitions.ClusterRoleBindingsResource : Security.RbacDefinitions.RoleBindingsResource, controller ? null : ns, binding, cancellationToken);
        return token;
    }

    private async Task RemoveCredentialAsync(string ns, string name, string uid, CancellationToken cancellationToken)
    {
        if (options.Credentials is not { } credentials)
        {
            return;
        }

        var (_, tokenObject) = credentials.For(ns, name, uid, controller: false);
        await DeleteIfPresentAsync(Authentication.TokenDefinitions.Group, Authentication.TokenDefinitions.Version, Authentication.TokenDefinitions.Resource, null, ObjectMetadata.Name(tokenObject), cancellationToken);
        await DeleteIfPresentAsync(Security.RbacDefinitions.Group, Security.RbacDefinitions.Version, Security.RbacDefinitions.RoleBindingsResource, ns, ModuleCredentials.BindingName(ns, name, false), cancellationToken);
        await DeleteIfPresentAsync(Security.RbacDefinitions.Group, Security.RbacDefinitions.Version, Security.RbacDefinitions.ClusterRoleBindingsResource, null, ModuleCredentials.BindingName(ns, name, true), cancellationToken);
    }

    /// <summary>
    /// Creates <paramref name="obj"/>, or brings a stored one back to it: a changed token key (a rotated
    /// <c>Modules:TokenKey</c>) gives a new secret hash, which the stored Token must then carry.
    /// </summary>
    private async Task CreateIfMissingAsync(string group, string version, string plural, string? ns, JsonObject obj, CancellationToken cancellationToken)
    {
        var target = await service.ResolveAsync(group, version, plural, cancellationToken);
        try
        {
            await service.CreateAsync(target, ns, obj, new WriteOptions(), cancellationToken);
        }
        catch (ApiException e) when (e.Reason == "AlreadyExists")
        {
            var stored = await service.GetAsync(target, ns, ObjectMetadata.Name(obj), cancellationToken);
            var differs = obj.Where(p => p.Key is not ("metadata" or "apiVersion" or "kind")).Any(p => !JsonNode.DeepEquals(p.Value, stored.Object[p.Key]));
            if (differs)
            {
                var updated = (JsonObject)stored.Object.DeepClone();
                foreach (var (field, value) in obj.Where(p => p.Key is not ("metadata" or "apiVersion" or "kind")))
                {
                    updated[field] = value?.DeepClone();
                }

                await service.ReplaceAsync(target, ns, ObjectMetadata.Name(obj), updated, new WriteOptions(), cancellationToken);
            }
        }
    }

    private async Task DeleteIfPresentAsync(string group, string version, string plural, string? ns, string name, CancellationToken cancellationToken)
    {
        var target = await service.ResolveAsync(group, version, plural, cancellationToken);
        try
        {
            await service.DeleteAsync(target, ns, name, new DeleteOptions(), cancellationToken);
        }
        catch (ApiException e) when (e.Code == 404)
        {
            // Already gone.
        }
    }

    private ModuleWorkload Workload(string ns, string name, JsonObject metadata, ModuleFile file, string? token)
    {
        var environment = new Dictionary<string, string>(options.Environment, StringComparer.Ordinal)
        {
            ["MODULE_NAMESPACE"] = ns,
            ["MODULE_NAME"] = name,
        };
        if (token is not null)
        {
            environment["CUSTOMRESOURCES_TOKEN"] = token;
        }

        return new ModuleWorkload(ns, name, ObjectMetadata.GetString(metadata["uid"]) ?? "", file.Spec.Image, file.Metadata.Cpu, file.Metadata.Memory, [], environment);
    }

    private async Task<bool> WaitHealthyAsync(ModuleEndpoint endpoint, CancellationToken cancellationToken)
    {
        var deadline = clock.GetUtcNow() + options.HealthWait;
        while (true)
        {
            if (await client.IsHealthyAsync(endpoint, cancellationToken))
            {
                return true;
            }

            if (clock.GetUtcNow() >= deadline)
            {
                return false;
            }

            await Task.Delay(options.HealthPollInterval, clock, cancellationToken);
        }
    }

    /// <summary>The body of a life-cycle call: the persisted metadata with the resolved config over it.</summary>
    private static JsonObject Body(JsonObject status, JsonObject resolvedConfig)
    {
        var body = status["metadata"] is JsonObject persisted ? (JsonObject)persisted.DeepClone() : new JsonObject();
        foreach (var (key, value) in resolvedConfig)
        {
            body[key] = value?.DeepClone();
        }

        return body;
    }

    private void Recorded(JsonObject status, string operation, JsonObject metadata)
    {
        status["metadata"] = metadata.DeepClone();
        status["lastOperation"] = operation;
        status["lastOperationTime"] = Now();
    }

    private async Task<ReconcileOutcome> CallFailedAsync(ResourceTarget target, string ns, string name, long generation, string reason, ModuleCallResult result, CancellationToken cancellationToken)
    {
        if (!result.Retryable)
        {
            return await FailAsync(target, ns, name, generation, reason, result.Message, cancellationToken);
        }

        await SetStatusAsync(target, ns, name, s =>
        {
            s.Remove("installing");
            Condition(s, "Ready", "False", reason, $"{result.Message} (retrying)", generation);
        }, cancellationToken);
        return ReconcileOutcome.RetryLater(result.Message);
    }

    private async Task<ReconcileOutcome> FailAsync(ResourceTarget target, string ns, string name, long generation, string reason, string message, CancellationToken cancellationToken)
    {
        await SetStatusAsync(target, ns, name, s =>
        {
            s["phase"] = "Failed";
            s.Remove("installing");
            s["failedGeneration"] = generation;
            s["observedGeneration"] = generation;
            s["message"] = message;
            Condition(s, "Ready", "False", reason, message, generation);
        }, cancellationToken);
        return ReconcileOutcome.Done($"failed: {message}");
    }

    /// <summary>
    /// Marks the Module Installing before <c>POST /install</c>. With <see cref="ModuleReconcilerOptions.InstallClaim"/>
    /// (work queues that may run one key twice at once, as in Azure) this is a claim, written only over the version it
    /// read: a reconcile that finds a live claim for the same install, or the install already recorded, does not call
    /// <c>/install</c> and gets the time to look again instead (null: the claim is ours).
    /// </summary>
    private async Task<DateTimeOffset?> ClaimInstallAsync(ResourceTarget target, string ns, string name, string installHash, long generation, CancellationToken cancellationToken)
    {
        if (options.InstallClaim <= TimeSpan.Zero)
        {
            await SetStatusAsync(target, ns, name, s => { s["phase"] = "Installing"; s["observedGeneration"] = generation; }, cancellationToken);
            return null;
        }

        DateTimeOffset? lookAgain = null;
        try
        {
            await UpdateStatusAsync(target, ns, name, status =>
            {
                var now = clock.GetUtcNow();
                if (ObjectMetadata.GetString(status["installedHash"]) == installHash)
                {
                    lookAgain = now;
                    return false;
                }

                if (status["installing"] is JsonObject claim && ObjectMetadata.GetString(claim["hash"]) == installHash
                    && DateTimeOffset.TryParse(ObjectMetadata.GetString(claim["since"]), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var since)
                    && since + options.InstallClaim > now)
                {
                    lookAgain = since + options.InstallClaim;
                    return false;
                }

                // Written only over the version just read: a conflict means someone wrote meanwhile, perhaps a claim.
                lookAgain = null;
                status["installing"] = new JsonObject { ["hash"] = installHash, ["since"] = Now() };
                status["phase"] = "Installing";
                status["observedGeneration"] = generation;
                return true;
            }, cancellationToken);
        }
        catch (ApiException e) when (e.Code == 409)
        {
            return clock.GetUtcNow();
        }

        return lookAgain;
    }

    /// <summary>Applies <paramref name="change"/> to the current status and writes it (re-reading on a conflict).</summary>
    private async Task<JsonObject> SetStatusAsync(ResourceTarget target, string ns, string name, Action<JsonObject> change, CancellationToken cancellationToken) =>
        (await UpdateStatusAsync(target, ns, name, status => { change(status); return true; }, cancellationToken))!;

    /// <summary>
    /// Applies <paramref name="change"/> to the current status and writes it when the change says to (it returns false
    /// to leave the status as it is); on a conflict it reads again and asks again. Returns the written status, or null.
    /// </summary>
    private async Task<JsonObject?> UpdateStatusAsync(ResourceTarget target, string ns, string name, Func<JsonObject, bool> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var current = await service.GetAsync(target, ns, name, cancellationToken);
            var obj = (JsonObject)current.Object.DeepClone();
            var status = obj["status"] as JsonObject ?? new JsonObject();
            if (!change(status))
            {
                return null;
            }

            obj["status"] = status;
            try
            {
                var written = await service.ReplaceStatusAsync(target, ns, name, obj, new WriteOptions(), cancellationToken);
                return written.Stored.Object["status"] as JsonObject ?? status;
            }
            catch (ApiException e) when (e.Code == 409 && attempt < 5)
            {
                // Someone wrote the Module meanwhile (a user's spec change, our own finalizer): take the new state.
            }
        }
    }

    private void Condition(JsonObject status, string type, string value, string reason, string message, long generation)
    {
        var conditions = status["conditions"] as JsonArray ?? [];
        var existing = conditions.OfType<JsonObject>().FirstOrDefault(c => ObjectMetadata.GetString(c["type"]) == type);
        var transition = existing is not null && ObjectMetadata.GetString(existing["status"]) == value ? existing["lastTransitionTime"]?.DeepClone() : Now();
        var condition = new JsonObject
        {
            ["type"] = type,
            ["status"] = value,
            ["reason"] = reason,
            ["message"] = message,
            ["lastTransitionTime"] = transition,
            ["observedGeneration"] = generation,
        };
        if (existing is not null)
        {
            conditions[conditions.IndexOf(existing)] = condition;
        }
        else
        {
            conditions.Add(condition);
        }

        status["conditions"] = conditions;
    }

    private string Now() => Stamp(clock.GetUtcNow());

    /// <summary>A time as status fields hold it: UTC, to the second.</summary>
    private static string Stamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string InstallHash(JsonObject module, JsonObject resolvedConfig)
    {
        var identity = new JsonObject { ["source"] = module["spec"]?["source"]?.DeepClone(), ["config"] = resolvedConfig.DeepClone() };
        return ModuleSources.Sha256(identity.ToJsonString());
    }

    private static long? Integer(JsonNode? node) => node is JsonValue v && Serialization.JsonNumbers.TryGetInteger(v, out var n) ? n : null;
}
