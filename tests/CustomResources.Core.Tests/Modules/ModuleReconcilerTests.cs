using System.Text.Json.Nodes;
using CustomResources.Core.Modules;
using CustomResources.Core.Objects;
using CustomResources.Core.Tests.Fakes;

namespace CustomResources.Core.Tests.Modules;

/// <summary>The Module reconciler with a fake runtime and a scripted module: level-triggered, idempotent steps.</summary>
public sealed class ModuleReconcilerTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly FixedTimeProvider clock = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeRuntime runtime = new();
    private readonly ScriptedModule module = new();
    private ModuleWorld world = null!;

    private async Task<ModuleReconciler> StartAsync(JsonObject? workspaceHibernation = null)
    {
        world = await ModuleWorld.StartAsync();
        await world.WorkspaceAsync("dev", hibernation: workspaceHibernation);
        return new ModuleReconciler(world.Service, world.Store, runtime, module, clock, new ModuleReconcilerOptions { HealthWait = TimeSpan.Zero, Credentials = new ModuleCredentials(new byte[32]) });
    }

    private Task<JsonObject> CreateModuleAsync(JsonObject? hibernation = null)
    {
        var body = ModuleWorld.Module("dev", "app", ModuleWorld.Raw(ModuleFileSamples.File()));
        if (hibernation is not null)
        {
            body["spec"]!["hibernation"] = hibernation;
        }

        return world.CreateAsync(ModuleDefinitions.ModulesResource, "dev", body);
    }

    private Task<JsonObject> CurrentAsync() => world.GetAsync(ModuleDefinitions.ModulesResource, "dev", "app");

    /// <summary>Reconciles until the reconciler has nothing more to do now (the finalizer step asks to come back at once).</summary>
    private async Task<ReconcileOutcome> SettleAsync(ModuleReconciler reconciler)
    {
        ReconcileOutcome outcome;
        var rounds = 0;
        do
        {
            outcome = await reconciler.ReconcileAsync("dev/app", None);
        }
        while (outcome.RequeueAt is { } at && at <= clock.GetUtcNow() && ++rounds < 5);
        return outcome;
    }

    private static string? Phase(JsonObject obj) => (string?)obj["status"]?["phase"];

    [Fact]
    public async Task A_new_module_gets_the_finalizer_is_started_and_installed_once_with_the_returned_metadata_persisted()
    {
        var reconciler = await StartAsync();
        await CreateModuleAsync();
        module.Results.Enqueue(ModuleCallResult.Success(201, new JsonObject { ["installedResources"] = "svc-1" }));

        await SettleAsync(reconciler);
        await SettleAsync(reconciler);

        var current = await CurrentAsync();
        Assert.Equal("Ready", Phase(current));
        Assert.Equal("svc-1", (string?)current["status"]!["metadata"]!["installedResources"]);
        Assert.Contains(ModuleReconciler.Finalizer, current["metadata"]!["finalizers"]!.AsArray().Select(f => (string?)f));
        Assert.Equal([ModuleOperation.Install], module.Calls.Select(c => c.Operation));
        Assert.Equal("registry.example/app:1", runtime.Ensured.Last().Image);
    }

    [Fact]
    public async Task A_retryable_failure_asks_for_a_retry_and_the_next_attempt_converges()
    {
        var reconciler = await StartAsync();
        await CreateModuleAsync();
        module.Results.Enqueue(ModuleCallResult.Failure(retryable: true, 0, "cannot reach the module: connection refused"));

        var first = await SettleAsync(reconciler);
        Assert.True(first.Retry);
        var retrying = await CurrentAsync();
        Assert.Contains("retrying", (string?)retrying["status"]!["conditions"]![0]!["message"], StringComparison.Ordinal);

        var second = await SettleAsync(reconciler);
        Assert.False(second.Retry);
        Assert.Equal("Ready", Phase(await CurrentAsync()));
        Assert.Equal(2, module.Calls.Count(c => c.Operation == ModuleOperation.Install));
    }

    [Fact]
    public async Task After_a_crash_between_the_install_call_and_its_status_write_a_restart_installs_and_converges()
    {
        var reconciler = await StartAsync();
        await CreateModuleAsync();
        await SettleAsync(reconciler);
        var installed = await CurrentAsync();

        // The state a crash right after POST /install leaves: the phase says Installing, nothing recorded it.
        var status = (JsonObject)installed["status"]!;
        status.Remove("installedHash");
        status["phase"] = "Installing";
        await world.ReplaceStatusAsync("dev", installed);

        var restarted = new ModuleReconciler(world.Service, world.Store, runtime, module, clock, new ModuleReconcilerOptions { HealthWait = TimeSpan.Zero });
        await SettleAsync(restarted);
        await SettleAsync(restarted);
        Assert.Equal("Ready", Phase(await CurrentAsync()));
        Assert.Equal(2, module.Calls.Count(c => c.Operation == ModuleOperation.Install));
    }

    [Fact]
    public async Task The_workspace_schedule_puts_modules_to_sleep_and_wakes_them_and_says_when_to_look_again()
    {
        var reconciler = await StartAsync(new JsonObject { ["sleep"] = "0 19 * * *", ["wake"] = "0 7 * * *" });
        await CreateModuleAsync();

        var noon = await SettleAsync(reconciler);
        Assert.Equal("Ready", Phase(await CurrentAsync()));
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 19, 0, 0, TimeSpan.Zero), noon.RequeueAt);

        clock.Advance(TimeSpan.FromHours(7));
        var evening = await SettleAsync(reconciler);
        Assert.Equal("Sleeping", Phase(await CurrentAsync()));
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 7, 0, 0, TimeSpan.Zero), evening.RequeueAt);

        clock.Advance(TimeSpan.FromHours(12));
        await SettleAsync(reconciler);
        Assert.Equal("Ready", Phase(await CurrentAsync()));
        Assert.Equal([ModuleOperation.Install, ModuleOperation.Sleep, ModuleOperation.Resume], module.Calls.Select(c => c.Operation));
    }

    [Fact]
    public async Task A_modules_own_schedule_overrides_its_workspaces()
    {
        var reconciler = await StartAsync(new JsonObject { ["sleep"] = "0 19 * * *", ["wake"] = "0 7 * * *" });
        await CreateModuleAsync(new JsonObject { ["sleep"] = "0 11 * * *", ["wake"] = "0 13 * * *" });

        await SettleAsync(reconciler);
        Assert.Equal("Sleeping", Phase(await CurrentAsync()));
    }

    [Fact]
    public async Task A_refusal_fails_the_generation_with_the_modules_message_and_is_not_retried()
    {
        var reconciler = await StartAsync();
        await CreateModuleAsync();
        module.Results.Enqueue(ModuleCallResult.Failure(retryable: false, 400, "HTTP 400: replicas must be even"));

        var outcome = await SettleAsync(reconciler);
        Assert.False(outcome.Retry);
        var failed = await CurrentAsync();
        Assert.Equal("Failed", Phase(failed));
        Assert.Equal("HTTP 400: replicas must be even", (string?)failed["status"]!["message"]);

        await SettleAsync(reconciler);
        Assert.Single(module.Calls);
    }

    [Fact]
    public async Task Deleting_a_module_uninstalls_it_removes_the_workload_and_then_lets_the_object_go()
    {
        var reconciler = await StartAsync();
        await CreateModuleAsync();
        await SettleAsync(reconciler);

        var target = await world.TargetAsync(ModuleDefinitions.ModulesResource);
        await world.Service.DeleteAsync(target, "dev", "app", new DeleteOptions(), None);
        Assert.NotNull(await world.Store.GetAsync(ModuleDefinitions.ModuleKey("dev", "app"), None));

        await SettleAsync(reconciler);
        Assert.Null(await world.Store.GetAsync(ModuleDefinitions.ModuleKey("dev", "app"), None));
        Assert.Equal(ModuleOperation.Uninstall, module.Calls.Last().Operation);
        Assert.Equal(["dev/app"], runtime.Removed);
    }

    [Fact]
    public async Task A_refused_uninstall_keeps_the_object_and_is_not_called_again_until_the_spec_changes()
    {
        var reconciler = await StartAsync();
        await CreateModuleAsync();
        await SettleAsync(reconciler);
        await SettleAsync(reconciler);

        var target = await world.TargetAsync(ModuleDefinitions.ModulesResource);
        await world.Service.DeleteAsync(target, "dev", "app", new DeleteOptions(), None);
        module.Results.Enqueue(ModuleCallResult.Failure(retryable: false, 409, "backups still running"));
        await SettleAsync(reconciler);
        var refused = await CurrentAsync();
        Assert.Equal("Failed", Phase(refused));
        Assert.Contains("backups still running", (string?)refused["status"]!["message"], StringComparison.Ordinal);

        // Looked at again (a resync, a change), it does not call /uninstall again nor write anything.
        var version = (string?)refused["metadata"]!["resourceVersion"];
        await SettleAsync(reconciler);
        Assert.Single(module.Calls, c => c.Operation == ModuleOperation.Uninstall);
        Assert.Equal(version, (string?)(await CurrentAsync())["metadata"]!["resourceVersion"]);
    }

    [Fact]
    public async Task Deleting_a_workspace_uninstalls_its_modules_first_and_then_lets_the_workspace_go()
    {
        var reconciler = await StartAsync();
        await CreateModuleAsync();
        await reconciler.ReconcileAsync("workspace:dev", None);
        await SettleAsync(reconciler);
        Assert.Equal("Ready", Phase(await CurrentAsync()));

        var workspaces = await world.TargetAsync(ModuleDefinitions.WorkspacesResource);
        await world.Service.DeleteAsync(workspaces, null, "dev", new DeleteOptions(), None);

        var waiting = await reconciler.ReconcileAsync("workspace:dev", None);
        Assert.NotNull(waiting.RequeueAt);
        Assert.NotNull(await world.Store.GetAsync(ModuleDefinitions.WorkspaceKey("dev"), None));
        Assert.DoesNotContain(module.Calls, c => c.Operation == ModuleOperation.Uninstall);

        await SettleAsync(reconciler);
        Assert.Equal(ModuleOperation.Uninstall, module.Calls.Last().Operation);
        Assert.Null(await world.Store.GetAsync(ModuleDefinitions.ModuleKey("dev", "app"), None));

        var released = await reconciler.ReconcileAsync("workspace:dev", None);
        Assert.Null(released.RequeueAt);
        Assert.Null(await world.Store.GetAsync(ModuleDefinitions.WorkspaceKey("dev"), None));
    }

    [Fact]
    public async Task A_workspace_module_gets_a_token_bound_to_its_namespace_with_admin_rights_there_and_loses_it_when_deleted()
    {
        var reconciler = await StartAsync();
        await CreateModuleAsync();
        await SettleAsync(reconciler);

        var token = runtime.Ensured.Last().Environment["CUSTOMRESOURCES_TOKEN"];
        var authenticated = await new CustomResources.Core.Authentication.ServerTokenAuthenticator(world.Store, clock).AuthenticateAsync(token, None);
        Assert.True(authenticated.Succeeded);
        Assert.Equal("system:serviceaccount:dev:module-app", authenticated.User!.Name);
        Assert.Equal("dev", authenticated.User.Namespace);
        var binding = await world.Store.GetAsync(CustomResources.Core.Security.RbacDefinitions.Key(CustomResources.Core.Security.RbacDefinitions.RoleBindingsResource, "dev", "module-app"), None);
        Assert.Equal("admin", (string?)binding!.Object["roleRef"]!["name"]);

        // The same Module gets the same token again (a restarted workload needs it), nothing stored in clear.
        await SettleAsync(reconciler);
        Assert.Equal(token, runtime.Ensured.Last().Environment["CUSTOMRESOURCES_TOKEN"]);

        await world.Service.DeleteAsync(await world.TargetAsync(ModuleDefinitions.ModulesResource), "dev", "app", new DeleteOptions(), None);
        await SettleAsync(reconciler);
        Assert.False((await new CustomResources.Core.Authentication.ServerTokenAuthenticator(world.Store, clock).AuthenticateAsync(token, None)).Succeeded);
        Assert.Null(await world.Store.GetAsync(CustomResources.Core.Security.RbacDefinitions.Key(CustomResources.Core.Security.RbacDefinitions.RoleBindingsResource, "dev", "module-app"), None));
    }

    [Fact]
    public async Task A_runtime_that_cannot_run_the_image_fails_the_module()
    {
        var reconciler = await StartAsync();
        await CreateModuleAsync();
        runtime.Failure = new ModuleRuntimeException("no command is configured for image registry.example/app:1", retryable: false);

        await SettleAsync(reconciler);
        var failed = await CurrentAsync();
        Assert.Equal("Failed", Phase(failed));
        Assert.Contains("no command is configured", (string?)failed["status"]!["message"], StringComparison.Ordinal);
        Assert.Empty(module.Calls);
    }

    [Fact]
    public async Task A_rotated_token_key_gives_the_module_a_new_token_and_the_stored_hash_follows()
    {
        var reconciler = await StartAsync();
        await CreateModuleAsync();
        await SettleAsync(reconciler);
        await SettleAsync(reconciler);
        var uid = (string)(await CurrentAsync())["metadata"]!["uid"]!;
        var oldToken = new ModuleCredentials(new byte[32]).For("dev", "app", uid, controller: false);

        var rotatedKey = Enumerable.Repeat((byte)7, 32).ToArray();
        var rotated = new ModuleReconciler(world.Service, world.Store, runtime, module, clock, new ModuleReconcilerOptions { HealthWait = TimeSpan.Zero, Credentials = new ModuleCredentials(rotatedKey) });
        await SettleAsync(rotated);

        var newToken = new ModuleCredentials(rotatedKey).For("dev", "app", uid, controller: false);
        Assert.NotEqual(oldToken.Token, newToken.Token);
        var stored = await world.Store.GetAsync(new CustomResources.Core.Storage.ObjectKey(CustomResources.Core.Authentication.TokenDefinitions.Group, CustomResources.Core.Authentication.TokenDefinitions.Resource, "", (string)newToken.TokenObject["metadata"]!["name"]!), None);
        Assert.Equal((string?)newToken.TokenObject["spec"]!["secretHash"], (string?)stored!.Object["spec"]!["secretHash"]);
        Assert.Equal(newToken.Token, runtime.Ensured.Last().Environment["CUSTOMRESOURCES_TOKEN"]);
    }
}
