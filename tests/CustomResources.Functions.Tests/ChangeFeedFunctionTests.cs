using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CustomResources.Server.Http;

namespace CustomResources.Functions.Tests;

/// <summary>
/// functions/ResourceChangeFeed: the Cosmos DB change-feed trigger, the server endpoint that handles it, and the
/// settings it names, which the Bicep app settings and the sample local settings must both provide.
/// </summary>
public partial class ChangeFeedFunctionTests
{
    private static JsonObject FunctionJson() => FunctionApp.Functions().Single(f => f.Name == FunctionTriggers.ResourceChangeFeed).FunctionJson;

    private static JsonObject Trigger() => Assert.Single(FunctionApp.Bindings(FunctionJson()));

    private static JsonObject SampleSettings() =>
        FunctionApp.ReadObject(Path.Combine(FunctionApp.RepositoryRoot, "local.settings.sample.json"))["Values"]!.AsObject();

    private static string BicepAppSettings() => File.ReadAllText(Path.Combine(FunctionApp.RepositoryRoot, "infra", "modules", "functionapp.bicep"));

    /// <summary>Every app setting the trigger reads: the connection prefix and each %Setting% expression.</summary>
    private static IEnumerable<string> SettingsTheTriggerReads()
    {
        var trigger = Trigger();
        foreach (var (_, value) in trigger)
        {
            if (value is JsonValue v && v.TryGetValue<string>(out var text))
            {
                foreach (Match m in SettingExpression().Matches(text))
                {
                    yield return m.Groups[1].Value;
                }
            }
        }
    }

    [Fact]
    public void The_trigger_is_the_cosmos_change_feed_bound_to_the_name_the_server_reads()
    {
        var trigger = Trigger();
        Assert.Equal("cosmosDBTrigger", (string?)trigger["type"]);
        Assert.Equal("in", (string?)trigger["direction"]);
        Assert.Equal(FunctionTriggers.DocumentsBinding, (string?)trigger["name"]);
        Assert.Equal("CosmosDb", (string?)trigger["connection"]);
        foreach (var required in new[] { "databaseName", "containerName", "leaseContainerName" })
        {
            Assert.False(string.IsNullOrEmpty((string?)trigger[required]), $"the trigger has no {required}");
        }

        // The Bicep creates the lease container; the trigger must not try to (its identity has data-plane rights only).
        Assert.False((bool?)trigger["createLeaseContainerIfNotExists"]);
    }

    [Fact]
    public void The_trigger_watches_the_container_the_store_writes()
    {
        var trigger = Trigger();
        Assert.Equal("%Storage__Cosmos__Database%", (string?)trigger["databaseName"]);
        Assert.Equal("%Storage__Cosmos__Container%", (string?)trigger["containerName"]);
    }

    [Fact]
    public void A_failed_invocation_is_retried_without_limit_with_backoff()
    {
        var retry = FunctionJson()["retry"]!.AsObject();
        Assert.Equal("exponentialBackoff", (string?)retry["strategy"]);
        Assert.Equal(-1, (int?)retry["maxRetryCount"]);
        Assert.True(TimeSpan.Parse((string)retry["minimumInterval"]!, System.Globalization.CultureInfo.InvariantCulture)
            < TimeSpan.Parse((string)retry["maximumInterval"]!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Every_setting_the_trigger_reads_is_set_by_the_bicep_and_by_the_sample_settings()
    {
        var bicep = BicepAppSettings();
        var sample = SampleSettings();
        var settings = SettingsTheTriggerReads().ToList();
        Assert.NotEmpty(settings);
        foreach (var setting in settings)
        {
            Assert.Matches($@"(?m)^\s*{Regex.Escape(setting)}\s*:", bicep);
            Assert.True(sample.ContainsKey(setting), $"local.settings.sample.json lacks {setting}");
        }

        // The identity-based connection in Azure, a connection string locally.
        Assert.Matches(@"(?m)^\s*CosmosDb__accountEndpoint\s*:", bicep);
        Assert.True(sample.ContainsKey("CosmosDb"));
    }

    [Fact]
    public void Sample_local_settings_select_the_custom_worker_local_storage_and_the_cosmos_store()
    {
        var values = SampleSettings();
        Assert.Equal("custom", (string?)values["FUNCTIONS_WORKER_RUNTIME"]);
        Assert.Equal("UseDevelopmentStorage=true", (string?)values["AzureWebJobsStorage"]);
        Assert.Equal("Cosmos", (string?)values["Storage__Provider"]);
        Assert.StartsWith("https://localhost:8081", (string?)values["Storage__Cosmos__AccountEndpoint"], StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty((string?)values["Events__EventGrid__TopicEndpoint"]));
    }

    [GeneratedRegex("%([^%]+)%")]
    private static partial Regex SettingExpression();
}
