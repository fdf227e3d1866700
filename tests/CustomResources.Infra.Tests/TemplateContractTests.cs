using System.Text.Json;

namespace CustomResources.Infra.Tests;

/// <summary>
/// Checks the compiled ARM template for the decisions docs/azure.md documents: keyless access, the
/// CloudEvents topic, the Cosmos containers, the app settings the server reads and the outputs.
/// </summary>
public sealed class TemplateContractTests
{
    private static readonly Lazy<JsonDocument> Template = new(() =>
    {
        var result = Bicep.Run("build", Bicep.Infra("main.bicep"), "--stdout");
        Assert.True(result.ExitCode == 0, result.Describe());
        return JsonDocument.Parse(result.StandardOutput);
    });

    private static IEnumerable<JsonElement> Objects(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            yield return element;
            foreach (var property in element.EnumerateObject())
            {
                foreach (var child in Objects(property.Value))
                {
                    yield return child;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                foreach (var child in Objects(item))
                {
                    yield return child;
                }
            }
        }
    }

    private static List<JsonElement> Resources(string type) =>
        Objects(Template.Value.RootElement)
            .Where(o => o.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == type
                && o.TryGetProperty("apiVersion", out _))
            .ToList();

    private static JsonElement Properties(string type) => Assert.Single(Resources(type)).GetProperty("properties");

    [Fact]
    public void Main_exposes_the_documented_outputs()
    {
        var outputs = Template.Value.RootElement.GetProperty("outputs").EnumerateObject().Select(o => o.Name).ToList();
        foreach (var name in new[] { "apiBaseUrl", "functionAppName", "cosmosEndpoint", "eventGridTopicEndpoint", "identityClientId" })
        {
            Assert.Contains(name, outputs);
        }
    }

    [Fact]
    public void No_keys_are_read_or_allowed()
    {
        var text = Template.Value.RootElement.GetRawText();
        Assert.DoesNotContain("listKeys", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("listConnectionStrings", text, StringComparison.OrdinalIgnoreCase);

        Assert.False(Properties("Microsoft.Storage/storageAccounts").GetProperty("allowSharedKeyAccess").GetBoolean());
        Assert.True(Properties("Microsoft.DocumentDB/databaseAccounts").GetProperty("disableLocalAuth").GetBoolean());
        Assert.True(Properties("Microsoft.EventGrid/topics").GetProperty("disableLocalAuth").GetBoolean());
        Assert.True(Properties("Microsoft.Insights/components").GetProperty("DisableLocalAuth").GetBoolean());
    }

    [Fact]
    public void Topic_takes_CloudEvents()
    {
        Assert.Equal("CloudEventSchemaV1_0", Properties("Microsoft.EventGrid/topics").GetProperty("inputSchema").GetString());
    }

    [Fact]
    public void Cosmos_containers_have_the_documented_partition_keys_and_ttl()
    {
        var containers = Resources("Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers")
            .Select(c => c.GetProperty("properties").GetProperty("resource"))
            .ToList();
        Assert.Equal(2, containers.Count);

        var paths = containers.Select(c => c.GetProperty("partitionKey").GetProperty("paths")[0].GetString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["/id", "/partitionKey"], paths);

        var resources = Assert.Single(containers, c => c.GetProperty("partitionKey").GetProperty("paths")[0].GetString() == "/partitionKey");
        Assert.Equal(-1, resources.GetProperty("defaultTtl").GetInt32());
    }

    [Fact]
    public void Role_assignments_cover_storage_event_grid_monitoring_and_cosmos()
    {
        var text = Template.Value.RootElement.GetRawText();
        foreach (var role in new[]
        {
            "b7e6dc6d-f1e8-4753-8033-0f276bb0955b", // Storage Blob Data Owner
            "974c5e8b-45b9-4653-ba55-5f855dd0fb88", // Storage Queue Data Contributor
            "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", // Storage Table Data Contributor
            "d5a91429-5739-47e2-a06b-3470a27159e7", // EventGrid Data Sender
            "3913510d-42f4-4e42-8a64-420c390055eb", // Monitoring Metrics Publisher
            "00000000-0000-0000-0000-000000000002", // Cosmos DB Built-in Data Contributor
        })
        {
            Assert.Contains(role, text, StringComparison.Ordinal);
        }
        Assert.Single(Resources("Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments"));
        Assert.True(Resources("Microsoft.Authorization/roleAssignments").Count >= 3);
    }

    [Fact]
    public void Function_app_gets_identity_based_settings_for_host_and_app()
    {
        // The settings are declared as one object (then turned into name/value pairs): find the object that has them.
        var settings = Assert.Single(Objects(Template.Value.RootElement), o => o.TryGetProperty("FUNCTIONS_WORKER_RUNTIME", out _));
        var names = settings.EnumerateObject().Select(p => p.Name).ToList();
        foreach (var name in new[]
        {
            "FUNCTIONS_EXTENSION_VERSION", "AzureWebJobsStorage__accountName", "AzureWebJobsStorage__credential",
            "AzureWebJobsStorage__clientId", "Storage__Provider", "Storage__Cosmos__AccountEndpoint", "Storage__Cosmos__Database",
            "Events__EventGrid__TopicEndpoint", "Events__EventGrid__ManagedIdentityClientId", "AZURE_CLIENT_ID",
        })
        {
            Assert.Contains(name, names);
        }
        Assert.DoesNotContain("AzureWebJobsStorage", names);
        Assert.Equal("custom", settings.GetProperty("FUNCTIONS_WORKER_RUNTIME").GetString());
        Assert.Equal("~4", settings.GetProperty("FUNCTIONS_EXTENSION_VERSION").GetString());
        Assert.Equal("managedidentity", settings.GetProperty("AzureWebJobsStorage__credential").GetString());
        Assert.Equal("Cosmos", settings.GetProperty("Storage__Provider").GetString());

        // Entra ID sign-in (tenant and audience) and the admin groups reach the app's Authentication section.
        var text = Template.Value.RootElement.GetRawText();
        foreach (var name in new[] { "Authentication__EntraId__TenantId", "Authentication__EntraId__Audiences__0", "Authentication__AdminGroups__" })
        {
            Assert.Contains(name, text, StringComparison.Ordinal);
        }

        var site = Properties("Microsoft.Web/sites");
        Assert.True(site.GetProperty("httpsOnly").GetBoolean());
        Assert.True(site.GetProperty("siteConfig").TryGetProperty("cors", out _), "CORS is configured on the platform");
    }

    [Fact]
    public void The_module_controller_gets_its_queues_a_narrow_runner_role_and_a_secret_token_key()
    {
        var queues = Resources("Microsoft.Storage/storageAccounts/queueServices/queues");
        Assert.NotEmpty(queues);
        var text = Template.Value.RootElement.GetRawText();
        Assert.Contains("module-reconcile", text, StringComparison.Ordinal);

        // Container Instances in the app's resource group only, through a custom role rather than Contributor.
        var role = Properties("Microsoft.Authorization/roleDefinitions");
        var actions = role.GetProperty("permissions")[0].GetProperty("actions").EnumerateArray().Select(a => a.GetString()).ToList();
        Assert.Contains("Microsoft.ContainerInstance/containerGroups/*", actions);
        Assert.All(actions, a => Assert.StartsWith("Microsoft.", a, StringComparison.Ordinal));
        Assert.DoesNotContain("*", actions);
        Assert.Single(role.GetProperty("assignableScopes").EnumerateArray());

        // The key tokens are derived from is a secure parameter, never a plain string or an output.
        var parameters = Template.Value.RootElement.GetProperty("parameters");
        Assert.Equal("securestring", parameters.GetProperty("moduleTokenKey").GetProperty("type").GetString());
        Assert.DoesNotContain("moduleTokenKey", Template.Value.RootElement.GetProperty("outputs").GetRawText(), StringComparison.Ordinal);

        // With a key, the app's Modules settings (one conditional expression in the compiled template) name the queue
        // endpoint, the ACI runtime and the identity.
        var settings = Assert.Single(Objects(Template.Value.RootElement), o => o.TryGetProperty("moduleSettings", out _)).GetProperty("moduleSettings").GetString()!;
        foreach (var name in new[]
        {
            "Modules__TokenKey", "Modules__Queue__ServiceUri", "Modules__Queue__QueueName", "Modules__Queue__ManagedIdentityClientId",
            "Modules__Aci__SubscriptionId", "Modules__Aci__ResourceGroup", "Modules__Aci__Location", "Modules__Aci__ManagedIdentityClientId", "Modules__ApiUrl",
        })
        {
            Assert.Contains($"'{name}'", settings, StringComparison.Ordinal);
        }

        Assert.Contains("'Modules__Runtime', 'Aci'", settings, StringComparison.Ordinal);
    }
}
