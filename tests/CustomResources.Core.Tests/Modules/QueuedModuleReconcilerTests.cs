using System.Text.Json.Nodes;
using CustomResources.Core.Modules;
using CustomResources.Core.Objects;
using CustomResources.Core.Storage;
using CustomResources.Core.Tests.Fakes;

namespace CustomResources.Core.Tests.Modules;

/// <summary>
/// The Module controller as Azure runs it: one queue message per reconcile, follow-ups sent to a queue that cannot
/// de-duplicate, poison messages reported in status, resync and change notifications turned into messages.
/// </summary>
public sealed class QueuedModuleReconcilerTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly FixedTimeProvider clock = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeRuntime runtime = new();
    private readonly ScriptedModule module = new();
    private readonly RecordingSender sender = new();
    private ModuleWorld world = null!;

    private async Task<QueuedModuleReconciler> StartAsync(JsonObject? workspaceHibernation = null)
    {
        world = await ModuleWorld.StartAsync();
        await world.WorkspaceAsync("dev", hibernation: workspaceHibernation);
        var reconciler = new ModuleReconciler(world.Service, world.Store, runtime, module, clock, new ModuleReconcilerOptions { HealthWait = TimeSpan.Zero });
        return new QueuedModuleReconciler(reconciler, world.Store, sender, clock);
    }

    private Task<JsonObject> CreateModuleAsync(string name = "app") =>
        world.CreateAsync(ModuleDefinitions.ModulesResource, "dev", ModuleWorld.Module("dev", name, ModuleWorld.Raw(ModuleFileSamples.File())));

    private Task<JsonObject> CurrentAsync() => world.GetAsync(ModuleDefinitions.ModulesResource, "dev", "app");

    /// <summary>Delivers what is due now, as the queue would, until nothing due is left.</summary>
    private async Task DrainDueAsync(QueuedModuleReconciler controller)
    {
        for (var i = 0; i < 20 && sender.TakeDue() is { } message; i++)
        {
            await controller.HandleAsync(message, None);
        }
    }

    private async Task<StoredObject> StoredAsync(ObjectKey key) => (await world.Store.GetAsync(key, None))!;

    private static ObjectChange Change(StoredObject stored) =>
        new(ChangeType.Modified, new ObjectKey(ModuleDefinitions.Group, ModuleDefinitions.ModulesResource, (string)stored.Object["metadata"]!["namespace"]!, (string)stored.Object["metadata"]!["name"]!), stored, null);

    private static JsonObject? Condition(JsonObject obj, string type) =>
        obj["status"]?["conditions"]?.AsArray().OfType<JsonObject>().SingleOrDefault(c => (string?)c["type"] == type);

    [Theory]
    [InlineData("{\"key\":\"dev/app\",\"attempt\":3}", "dev/app", 3)]
    [InlineData("{\"key\":\"dev/app\"}", "dev/app", 0)]
    [InlineData("dev/app", "dev/app", 0)]
    [InlineData("  workspace:dev \n", "workspace:dev", 0)]
    public void A_message_is_read_from_its_json_form_or_a_bare_key(string text, string key, int attempt)
    {
        var message = ReconcileMessage.Parse(text);
        Assert.Equal(new ReconcileMessage(key, attempt), message);
        Assert.Equal(message, ReconcileMessage.Parse(message.ToJson()));
    }

    [Theory]
    [InlineData("", "1 to")]
    [InlineData("{\"key\":", "not JSON")]
    [InlineData("{\"attempt\":1}", "no string 'key'")]
    [InlineData("{\"key\":\"dev/app\",\"attempt\":-1}", "non-negative")]
    [InlineData("{\"key\":\"dev/app\",\"attempt\":\"1\"}", "non-negative")]
    [InlineData("dev/app/extra", "not a work key")]
    [InlineData("Dev/App", "not a work key")]
    [InlineData("workspace:", "not a work key")]
    [InlineData("/app", "not a work key")]
    public void A_malformed_message_is_refused_saying_why(string text, string problem)
    {
        var error = Assert.Throws<FormatException>(() => ReconcileMessage.Parse(text));
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Messages_drive_a_new_module_to_ready_with_each_follow_up_sent_once()
    {
        var controller = await StartAsync();
        await CreateModuleAsync();
        await controller.HandleAsync(new ReconcileMessage("dev/app", 0), None);

        // The finalizer step asks to come back at once: one follow-up, due now.
        var followUp = Assert.Single(sender.Sent);
        Assert.Equal((new ReconcileMessage("dev/app", 0), TimeSpan.Zero), followUp);
        await DrainDueAsync(controller);

        Assert.Equal("Ready", (string?)(await CurrentAsync())["status"]!["phase"]);
        Assert.Single(module.Calls, c => c.Operation == ModuleOperation.Install);
        Assert.Empty(sender.Pending);
    }

    [Fact]
    public async Task A_retryable_failure_sends_the_key_again_with_exponential_backoff_counting_attempts()
    {
        var controller = await StartAsync();
        await CreateModuleAsync();
        runtime.Failure = new ModuleRuntimeException("the container group is still provisioning", retryable: true);
        await controller.HandleAsync(new ReconcileMessage("dev/app", 0), None);
        await DrainDueAsync(controller);

        var outcome = await controller.HandleAsync(new ReconcileMessage("dev/app", 3), None);
        Assert.True(outcome.Retry);
        Assert.Equal((new ReconcileMessage("dev/app", 4), TimeSpan.FromSeconds(8)), sender.Sent[^1]);
        Assert.Equal(ReconcileBackoff.Max, ReconcileBackoff.Delay(30));
    }

    [Fact]
    public async Task A_scheduled_look_is_sent_once_however_many_messages_ask_for_it()
    {
        var controller = await StartAsync(new JsonObject { ["sleep"] = "0 19 * * *", ["wake"] = "0 7 * * *" });
        await CreateModuleAsync();
        await controller.HandleAsync(new ReconcileMessage("dev/app", 0), None);
        await DrainDueAsync(controller);

        // Ready at noon: one follow-up for 19:00, recorded in status; duplicates (a resync, a redelivery) add none.
        var scheduled = Assert.Single(sender.Pending);
        Assert.Equal(TimeSpan.FromHours(7), scheduled.Delay);
        Assert.Equal("2026-11-30T19:00:00Z", (string?)(await CurrentAsync())["status"]!["nextReconcileTime"]);
        await controller.HandleAsync(new ReconcileMessage("dev/app", 0), None);
        await controller.HandleAsync(new ReconcileMessage("dev/app", 0), None);
        Assert.Single(sender.Pending);

        // At 19:00 the module goes to sleep and the next look (07:00) is sent, once.
        clock.Advance(TimeSpan.FromHours(7));
        sender.Age(TimeSpan.FromHours(7));
        await DrainDueAsync(controller);
        Assert.Equal("Sleeping", (string?)(await CurrentAsync())["status"]!["phase"]);
        Assert.Equal(TimeSpan.FromHours(12), Assert.Single(sender.Pending).Delay);
    }

    [Fact]
    public async Task A_poisoned_message_marks_the_module_stalled_until_a_reconcile_succeeds()
    {
        var controller = await StartAsync();
        await CreateModuleAsync();
        await controller.HandleAsync(new ReconcileMessage("dev/app", 0), None);
        await DrainDueAsync(controller);

        await controller.HandlePoisonAsync(new ReconcileMessage("dev/app", 0), None);
        var stalled = Condition(await CurrentAsync(), ModuleReconciler.StalledCondition)!;
        Assert.Equal("True", (string?)stalled["status"]);
        Assert.Equal("RetriesExhausted", (string?)stalled["reason"]);
        Assert.Contains("gave up", (string?)stalled["message"], StringComparison.Ordinal);
        Assert.Equal((new ReconcileMessage("dev/app", 0), QueuedModuleReconciler.AfterStall), sender.Sent[^1]);

        await controller.HandleAsync(new ReconcileMessage("dev/app", 0), None);
        Assert.Equal("False", (string?)Condition(await CurrentAsync(), ModuleReconciler.StalledCondition)!["status"]);

        // A poisoned message for a Module that is gone, or for a Workspace, changes nothing and fails nothing.
        await controller.HandlePoisonAsync(new ReconcileMessage("dev/missing", 0), None);
        await controller.HandlePoisonAsync(new ReconcileMessage("workspace:dev", 0), None);
    }

    [Fact]
    public async Task An_unexpected_failure_is_left_to_the_queue_and_sends_nothing()
    {
        var controller = await StartAsync();
        await CreateModuleAsync();
        await controller.HandleAsync(new ReconcileMessage("dev/app", 0), None);
        sender.Sent.Clear();
        runtime.Failure = new InvalidOperationException("disk on fire");
        await Assert.ThrowsAsync<InvalidOperationException>(() => controller.HandleAsync(new ReconcileMessage("dev/app", 0), None));
        Assert.Empty(sender.Sent);
    }

    [Fact]
    public async Task Spec_changes_deletions_and_workspace_changes_are_queued_but_the_controllers_own_status_writes_are_not()
    {
        var controller = await StartAsync();
        await CreateModuleAsync("one");
        await CreateModuleAsync("two");
        await controller.HandleAsync(new ReconcileMessage("dev/one", 0), None);
        await DrainDueAsync(controller);
        sender.Sent.Clear();

        // Ready and observed: a change of it (the controller's own status writes) queues nothing.
        var one = await StoredAsync(ModuleDefinitions.ModuleKey("dev", "one"));
        var foreign = new ObjectChange(ChangeType.Added, new ObjectKey("stable.example.com", "crontabs", "dev", "x"), one, null);
        Assert.Equal(0, await controller.EnqueueChangesAsync([Change(one), foreign], None));

        // New (no finalizer yet), or a spec change (generation ahead of the observed one): queued, once.
        var two = await StoredAsync(ModuleDefinitions.ModuleKey("dev", "two"));
        var respecified = (JsonObject)one.Object.DeepClone();
        respecified["metadata"]!["generation"] = 2;
        Assert.Equal(2, await controller.EnqueueChangesAsync([Change(two), Change(two), Change(one with { Object = respecified })], None));
        Assert.Equal(["dev/two", "dev/one"], sender.Sent.Select(s => s.Message.Key));

        // A deleted Module: it, and its Workspace (which may be waiting for it).
        sender.Sent.Clear();
        Assert.Equal(2, await controller.EnqueueChangesAsync([new ObjectChange(ChangeType.Deleted, ModuleDefinitions.ModuleKey("dev", "one"), one, one)], None));
        Assert.Equal(["dev/one", "workspace:dev"], sender.Sent.Select(s => s.Message.Key));

        // A Workspace change concerns the Workspace and every Module in its namespace.
        sender.Sent.Clear();
        var workspace = await StoredAsync(ModuleDefinitions.WorkspaceKey("dev"));
        Assert.Equal(3, await controller.EnqueueChangesAsync([new ObjectChange(ChangeType.Modified, ModuleDefinitions.WorkspaceKey("dev"), workspace, null)], None));
        Assert.Equal(["workspace:dev", "dev/one", "dev/two"], sender.Sent.Select(s => s.Message.Key));

        sender.Sent.Clear();
        Assert.Equal(3, await controller.ResyncAsync(None));
        Assert.All(sender.Sent, s => Assert.Equal(TimeSpan.Zero, s.Delay));
    }

    [Fact]
    public async Task Status_writes_of_a_module_that_never_got_installed_or_is_uninstalling_queue_nothing()
    {
        var controller = await StartAsync();
        await CreateModuleAsync();
        runtime.Failure = new ModuleRuntimeException("the container group is still provisioning", retryable: true);
        await controller.HandleAsync(new ReconcileMessage("dev/app", 0), None);
        await DrainDueAsync(controller);
        await controller.HandleAsync(new ReconcileMessage("dev/app", 6), None); // a long retry: claimed in status
        var failing = await StoredAsync(ModuleDefinitions.ModuleKey("dev", "app"));
        Assert.Null(failing.Object["status"]!["observedGeneration"]);
        Assert.NotNull(failing.Object["status"]!["nextReconcileTime"]);
        Assert.Equal(0, await controller.EnqueueChangesAsync([Change(failing)], None));

        // Deleting: the deletion itself is queued (the Module and its Workspace); the uninstall's own writes are not.
        runtime.Failure = null;
        await world.Service.DeleteAsync(await world.TargetAsync(ModuleDefinitions.ModulesResource), "dev", "app", new DeleteOptions(), None);
        var deleting = await StoredAsync(ModuleDefinitions.ModuleKey("dev", "app"));
        Assert.Equal(2, await controller.EnqueueChangesAsync([Change(deleting)], None));
        var uninstalling = (JsonObject)deleting.Object.DeepClone();
        uninstalling["status"]!["phase"] = "Uninstalling";
        Assert.Equal(0, await controller.EnqueueChangesAsync([Change(deleting with { Object = uninstalling })], None));
    }

    [Fact]
    public async Task A_claimed_look_whose_message_could_not_be_sent_is_given_back()
    {
        var controller = await StartAsync();
        await CreateModuleAsync();
        await controller.HandleAsync(new ReconcileMessage("dev/app", 0), None);
        await DrainDueAsync(controller);
        runtime.Failure = new ModuleRuntimeException("the container group is still provisioning", retryable: true);
        sender.FailNext = true;
        await Assert.ThrowsAsync<InvalidOperationException>(() => controller.HandleAsync(new ReconcileMessage("dev/app", 6), None));
        Assert.Null((await CurrentAsync())["status"]!["nextReconcileTime"]);

        // The redelivery claims and sends it.
        sender.Sent.Clear();
        await controller.HandleAsync(new ReconcileMessage("dev/app", 6), None);
        Assert.Equal((new ReconcileMessage("dev/app", 7), TimeSpan.FromSeconds(64)), Assert.Single(sender.Sent));
    }

    [Fact]
    public async Task Retry_chains_started_by_several_deliveries_collapse_into_one_once_the_backoff_is_long()
    {
        var controller = await StartAsync();
        await CreateModuleAsync();
        await controller.HandleAsync(new ReconcileMessage("dev/app", 0), None);
        runtime.Failure = new ModuleRuntimeException("the container group is still provisioning", retryable: true);
        sender.Sent.Clear();

        // Attempt 6 waits 64 s: claimed in status, sent once; a second chain at the same point sends nothing.
        await controller.HandleAsync(new ReconcileMessage("dev/app", 6), None);
        Assert.Equal((new ReconcileMessage("dev/app", 7), TimeSpan.FromSeconds(64)), Assert.Single(sender.Sent));
        await controller.HandleAsync(new ReconcileMessage("dev/app", 6), None);
        await controller.HandleAsync(new ReconcileMessage("dev/app", 8), None);
        Assert.Single(sender.Sent);

        // Short retries are sent without a claim (a fresh delivery starts over at 1 s).
        await controller.HandleAsync(new ReconcileMessage("dev/app", 0), None);
        Assert.Equal((new ReconcileMessage("dev/app", 1), TimeSpan.FromSeconds(1)), sender.Sent[^1]);

        // Once the claimed look has passed, a forged huge attempt count is capped, not overflowed.
        clock.Advance(TimeSpan.FromSeconds(65));
        await controller.HandleAsync(new ReconcileMessage("dev/app", int.MaxValue), None);
        Assert.Equal((new ReconcileMessage("dev/app", 1001), ReconcileBackoff.Max), sender.Sent[^1]);
    }

    [Fact]
    public async Task A_look_further_away_than_the_queue_can_delay_is_made_in_hops()
    {
        var controller = await StartAsync(new JsonObject { ["sleep"] = "0 19 * * *", ["wake"] = "0 7 * * *" });
        sender.MaxDelay = TimeSpan.FromHours(4);
        await CreateModuleAsync();
        await controller.HandleAsync(new ReconcileMessage("dev/app", 0), None);
        await DrainDueAsync(controller);
        Assert.Equal(TimeSpan.FromHours(4), Assert.Single(sender.Pending).Delay);

        // The hop arrives at 16:00: still awake, and the next hop is sent (the earlier claim is not pending any more).
        clock.Advance(TimeSpan.FromHours(4));
        sender.Age(TimeSpan.FromHours(4));
        await DrainDueAsync(controller);
        Assert.Equal(TimeSpan.FromHours(3), Assert.Single(sender.Pending).Delay);
    }

    [Fact]
    public async Task A_deleted_workspace_waiting_for_its_modules_is_polled_in_bounded_chains()
    {
        var controller = await StartAsync();
        await CreateModuleAsync();
        await controller.HandleAsync(new ReconcileMessage("dev/app", 0), None);
        await DrainDueAsync(controller);
        await controller.HandleAsync(new ReconcileMessage("workspace:dev", 0), None);
        module.Results.Enqueue(ModuleCallResult.Failure(retryable: false, 409, "busy, not now"));
        await world.Service.DeleteAsync(await world.TargetAsync(ModuleDefinitions.WorkspacesResource), null, "dev", new DeleteOptions(), None);
        sender.Sent.Clear();

        await controller.HandleAsync(new ReconcileMessage("workspace:dev", 0), None);
        Assert.Equal((new ReconcileMessage("workspace:dev", 1), TimeSpan.FromSeconds(10)), Assert.Single(sender.Sent));
        await controller.HandleAsync(new ReconcileMessage("workspace:dev", 30), None);
        Assert.Single(sender.Sent);
    }

    [Fact]
    public async Task Two_deliveries_of_one_module_at_once_install_it_once_and_an_abandoned_claim_expires()
    {
        world = await ModuleWorld.StartAsync();
        await world.WorkspaceAsync("dev");
        var gated = new GatedInstall();
        var claim = TimeSpan.FromMinutes(2);
        var reconciler = new ModuleReconciler(world.Service, world.Store, runtime, gated, clock, new ModuleReconcilerOptions { HealthWait = TimeSpan.Zero, InstallClaim = claim });
        await CreateModuleAsync();
        await reconciler.ReconcileAsync("dev/app", None); // the finalizer

        // The first reconcile claims the install and waits inside POST /install; the second finds the claim.
        var first = reconciler.ReconcileAsync("dev/app", None);
        await gated.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var second = await reconciler.ReconcileAsync("dev/app", None);
        Assert.Equal(clock.GetUtcNow() + claim, second.RequeueAt);
        Assert.Equal(1, gated.Installs);

        gated.Release.SetResult();
        await first;
        Assert.Equal("Ready", (string?)(await CurrentAsync())["status"]!["phase"]);
        Assert.Null((await CurrentAsync())["status"]!["installing"]);
        await reconciler.ReconcileAsync("dev/app", None);
        Assert.Equal(1, gated.Installs);

        // A claim left by a reconcile that died mid-install holds off others only until it expires.
        var current = await CurrentAsync();
        var status = (JsonObject)current["status"]!;
        var hash = (string)status["installedHash"]!;
        status.Remove("installedHash");
        status["installing"] = new JsonObject { ["hash"] = hash, ["since"] = "2026-11-30T11:59:00Z" };
        await world.ReplaceStatusAsync("dev", current);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 12, 1, 0, TimeSpan.Zero), (await reconciler.ReconcileAsync("dev/app", None)).RequeueAt);
        Assert.Equal(1, gated.Installs);

        clock.Advance(TimeSpan.FromMinutes(1));
        await reconciler.ReconcileAsync("dev/app", None);
        Assert.Equal(2, gated.Installs);
        Assert.Equal("Ready", (string?)(await CurrentAsync())["status"]!["phase"]);
    }

    /// <summary>A module whose install waits for the test to let it finish.</summary>
    private sealed class GatedInstall : IModuleClient
    {
        private int installs;

        public TaskCompletionSource Entered { get; } = new();

        public TaskCompletionSource Release { get; } = new();

        public int Installs => Volatile.Read(ref installs);

        public Task<bool> IsHealthyAsync(ModuleEndpoint endpoint, CancellationToken cancellationToken) => Task.FromResult(true);

        public async Task<ModuleCallResult> CallAsync(ModuleEndpoint endpoint, ModuleOperation operation, JsonObject body, CancellationToken cancellationToken)
        {
            if (operation == ModuleOperation.Install)
            {
                Interlocked.Increment(ref installs);
                Entered.TrySetResult();
                await Release.Task.WaitAsync(cancellationToken);
            }

            return ModuleCallResult.Success(200, (JsonObject)body.DeepClone());
        }
    }

    /// <summary>A queue stand-in: records every send and hands out what is due, oldest first.</summary>
    private sealed class RecordingSender : IReconcileMessageSender
    {
        public TimeSpan MaxDelay { get; set; } = TimeSpan.FromDays(7);

        public List<(ReconcileMessage Message, TimeSpan Delay)> Sent { get; } = [];

        public List<(ReconcileMessage Message, TimeSpan Delay)> Pending { get; } = [];

        public bool FailNext { get; set; }

        public Task SendAsync(ReconcileMessage message, TimeSpan delay, CancellationToken cancellationToken)
        {
            if (FailNext)
            {
                FailNext = false;
                throw new InvalidOperationException("the queue is unreachable");
            }

            Sent.Add((message, delay));
            Pending.Add((message, delay));
            return Task.CompletedTask;
        }

        public ReconcileMessage? TakeDue()
        {
            var index = Pending.FindIndex(p => p.Delay <= TimeSpan.Zero);
            if (index < 0)
            {
                return null;
            }

            var message = Pending[index].Message;
            Pending.RemoveAt(index);
            return message;
        }

        public void Age(TimeSpan elapsed)
        {
            for (var i = 0; i < Pending.Count; i++)
            {
                Pending[i] = (Pending[i].Message, Pending[i].Delay - elapsed);
            }
        }
    }
}
