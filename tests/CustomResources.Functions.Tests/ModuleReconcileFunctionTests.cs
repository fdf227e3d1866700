using System.Globalization;
using System.Text.Json.Nodes;
using CustomResources.Azure.Queues;
using CustomResources.Core.Modules;
using CustomResources.Server.Http;

namespace CustomResources.Functions.Tests;

/// <summary>
/// functions/ModuleReconcile, ModuleReconcilePoison and ModuleResync: the queue triggers read the queue the server
/// sends Module work to, with the encoding it uses, the poison queue is the one the host moves failed messages to, and
/// every setting they name is provided by the Bicep and by the sample local settings.
/// </summary>
public sealed class ModuleReconcileFunctionTests
{
    private static JsonObject Trigger(string function) =>
        Assert.Single(FunctionApp.Bindings(FunctionApp.Functions().Single(f => f.Name == function).FunctionJson));

    private static JsonObject Queues() => FunctionApp.HostJson()["extensions"]!["queues"]!.AsObject();

    [Theory]
    [InlineData(FunctionTriggers.ModuleReconcile, "%Modules__Queue__QueueName%")]
    [InlineData(FunctionTriggers.ModuleReconcilePoison, "%Modules__Queue__QueueName%-poison")]
    public void The_queue_triggers_read_the_work_queue_and_its_poison_queue_into_the_binding_the_server_reads(string function, string queueName)
    {
        var trigger = Trigger(function);
        Assert.Equal("queueTrigger", (string?)trigger["type"]);
        Assert.Equal(FunctionTriggers.MessageBinding, (string?)trigger["name"]);
        Assert.Equal(queueName, (string?)trigger["queueName"]);

        // The host's identity-based storage connection: the queues live in the host storage account.
        Assert.Equal("AzureWebJobsStorage", (string?)trigger["connection"]);
    }

    [Fact]
    public void The_queue_name_setting_is_set_by_the_bicep_and_the_sample_to_the_queue_the_bicep_creates()
    {
        var bicep = File.ReadAllText(Path.Combine(FunctionApp.RepositoryRoot, "infra", "modules", "functionapp.bicep"));
        Assert.Matches(@"(?m)^\s*Modules__Queue__QueueName\s*:", bicep);
        Assert.Contains($"param moduleQueueName string = '{StorageQueueOptions.DefaultQueueName}'", bicep, StringComparison.Ordinal);
        var sample = FunctionApp.ReadObject(Path.Combine(FunctionApp.RepositoryRoot, "local.settings.sample.json"))["Values"]!.AsObject();
        Assert.Equal(StorageQueueOptions.DefaultQueueName, (string?)sample["Modules__Queue__QueueName"]);
        Assert.Equal("UseDevelopmentStorage=true", (string?)sample["Modules__Queue__ConnectionString"]);

        var main = File.ReadAllText(Path.Combine(FunctionApp.RepositoryRoot, "infra", "main.bicep"));
        Assert.Contains($"var moduleQueueName = '{StorageQueueOptions.DefaultQueueName}'", main, StringComparison.Ordinal);
        Assert.Contains("'${moduleQueueName}-poison'", main, StringComparison.Ordinal);
    }

    [Fact]
    public void The_host_decodes_base64_messages_as_the_sender_encodes_them_and_gives_up_after_a_few_deliveries()
    {
        var queues = Queues();
        Assert.Equal("base64", (string?)queues["messageEncoding"]);
        Assert.Equal(global::Azure.Storage.Queues.QueueMessageEncoding.Base64, StorageQueueReconcileSender.Encoding);

        // A failed message is delivered again after the visibility timeout, at most maxDequeueCount times, then poisoned.
        Assert.InRange((int)queues["maxDequeueCount"]!, 2, 10);
        var visibility = TimeSpan.Parse((string)queues["visibilityTimeout"]!, CultureInfo.InvariantCulture);
        Assert.InRange(visibility, TimeSpan.FromSeconds(5), ReconcileBackoff.Max);
    }

    [Fact]
    public void The_resync_timer_runs_at_least_as_often_as_a_stalled_module_is_looked_at_again()
    {
        var trigger = Trigger(FunctionTriggers.ModuleResync);
        Assert.Equal("timerTrigger", (string?)trigger["type"]);
        Assert.False((bool?)trigger["runOnStartup"]);

        // Six NCRONTAB fields (with seconds); "every N minutes" with N no larger than the stall retry.
        var fields = ((string)trigger["schedule"]!).Split(' ');
        Assert.Equal(6, fields.Length);
        Assert.Equal("0", fields[0]);
        Assert.StartsWith("*/", fields[1], StringComparison.Ordinal);
        Assert.InRange(int.Parse(fields[1][2..], CultureInfo.InvariantCulture), 1, (int)QueuedModuleReconciler.AfterStall.TotalMinutes);
        Assert.All(fields[2..], f => Assert.Equal("*", f));
    }
}
