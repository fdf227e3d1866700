using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;
using CustomResources.Core.Modules;

namespace CustomResources.Core.Tests.Modules;

public sealed class ModuleResourceTypesTests
{
    private static string[] Fields(CustomResources.Core.Errors.ApiException error) => [.. error.Causes.Select(c => c.Field)];

    [Fact]
    public async Task The_three_types_are_served_in_the_modules_group_with_their_scopes()
    {
        var world = await ModuleWorld.StartAsync();

        Assert.False((await world.TargetAsync("moduledefinitions")).Definition.Namespaced);
        Assert.False((await world.TargetAsync("workspaces")).Definition.Namespaced);
        var modules = await world.TargetAsync("modules");
        Assert.True(modules.Definition.Namespaced);
        Assert.True(modules.Version.StatusSubresource);
        Assert.Contains(ModuleDefinitions.ModuleType, BuiltInDefinitions.All);
    }

    [Fact]
    public async Task A_valid_module_definition_is_stored_as_written()
    {
        var world = await ModuleWorld.StartAsync();
        var stored = await world.DefinitionAsync("installer", Yaml(ModuleFileSamples.FullYaml));

        Assert.Equal("custom-app-installer", stored["spec"]!["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal(6, stored["spec"]!["config"]!.AsArray().Count);
    }

    [Fact]
    public async Task An_invalid_module_definition_is_refused_with_one_422_listing_every_problem()
    {
        var world = await ModuleWorld.StartAsync();
        var file = ModuleFileSamples.File(new JsonArray(new JsonObject { ["type"] = "integer", ["name"] = "n", ["spec"] = new JsonObject { ["min"] = 3, ["max"] = 1 } }));
        file["metadata"]!["version"] = "latest";
        file["spec"]!["permissions"] = new JsonArray("everything");
        file["spec"]!["imge"] = "typo";

        var error = await ModuleWorld.RefusedAsync(422, () => world.DefinitionAsync("broken", file));

        Assert.Equal(["spec.metadata.version", "spec.config[0].spec.min", "spec.spec.imge", "spec.spec.permissions[0]"], Fields(error));
        Assert.Contains("ModuleDefinition.modules.customresources.io \"broken\" is invalid", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_definition_for_a_newer_operator_is_refused_naming_both_versions()
    {
        var world = await ModuleWorld.StartAsync();
        var file = ModuleFileSamples.File();
        file["metadata"]!["supportedOperatorVersion"] = ">= 2.0.0";

        var error = await ModuleWorld.RefusedAsync(422, () => world.DefinitionAsync("future", file));

        var cause = Assert.Single(error.Causes);
        Assert.Equal("spec.metadata.supportedOperatorVersion", cause.Field);
        Assert.Contains(">= 2.0.0", cause.Message, StringComparison.Ordinal);
        Assert.Contains(ModuleFiles.OperatorVersion, cause.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_workspace_maps_to_its_own_name_unless_a_namespace_is_given()
    {
        var world = await ModuleWorld.StartAsync();

        Assert.Equal("dev", (await world.WorkspaceAsync("dev"))["spec"]!["namespace"]!.GetValue<string>());
        Assert.Equal("prod", (await world.WorkspaceAsync("production.eu", "prod"))["spec"]!["namespace"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_workspace_whose_name_is_no_namespace_name_must_give_one()
    {
        var world = await ModuleWorld.StartAsync();

        var error = await ModuleWorld.RefusedAsync(422, () => world.WorkspaceAsync("team.one"));

        Assert.Equal(["spec.namespace"], Fields(error));
    }

    [Fact]
    public async Task A_workspace_schedule_and_namespace_are_validated_together()
    {
        var world = await ModuleWorld.StartAsync();
        var hibernation = new JsonObject { ["sleep"] = "0 20 * * 1-5 *", ["wake"] = "61 7 * * *", ["timeZone"] = "Mars/Olympus" };

        var error = await ModuleWorld.RefusedAsync(422, () => world.WorkspaceAsync("ws", "Bad_NS", hibernation));

        Assert.Equal(["spec.namespace", "spec.hibernation.sleep", "spec.hibernation.wake", "spec.hibernation.timeZone"], Fields(error));
    }

    [Fact]
    public async Task A_valid_schedule_with_a_time_zone_is_accepted_and_computes_occurrences_there()
    {
        var world = await ModuleWorld.StartAsync();
        var hibernation = new JsonObject { ["sleep"] = "0 20 * * 1-5", ["wake"] = "0 7 * * 1-5", ["timeZone"] = "Europe/Berlin" };

        var stored = await world.WorkspaceAsync("dev", hibernation: hibernation);

        var errors = new List<CustomResources.Core.Errors.FieldError>();
        var schedule = HibernationSchedule.Parse(stored["spec"]!["hibernation"], "spec.hibernation", errors)!;
        Assert.Empty(errors);

        // Monday 2024-05-06 12:00 UTC is 14:00 in Berlin (CEST): the next sleep is 20:00 CEST, i.e. 18:00 UTC.
        Assert.Equal(new DateTimeOffset(2024, 5, 6, 18, 0, 0, TimeSpan.Zero), schedule.NextSleep(new DateTimeOffset(2024, 5, 6, 12, 0, 0, TimeSpan.Zero))!.Value.ToUniversalTime());
        Assert.Equal(new DateTimeOffset(2024, 5, 7, 5, 0, 0, TimeSpan.Zero), schedule.NextWake(new DateTimeOffset(2024, 5, 6, 12, 0, 0, TimeSpan.Zero))!.Value.ToUniversalTime());
    }

    [Fact]
    public async Task A_workspace_namespace_never_changes()
    {
        var world = await ModuleWorld.StartAsync();
        var stored = await world.WorkspaceAsync("dev");
        stored["spec"]!["namespace"] = "prod";

        var error = await ModuleWorld.RefusedAsync(422, () => world.ReplaceAsync("workspaces", null, stored));

        Assert.Equal(["spec.namespace"], Fields(error));
    }

    [Fact]
    public async Task Two_workspaces_may_not_share_a_namespace()
    {
        var world = await ModuleWorld.StartAsync();
        await world.WorkspaceAsync("dev");

        var error = await ModuleWorld.RefusedAsync(422, () => world.WorkspaceAsync("other", "dev"));

        Assert.Equal("FieldValueDuplicate", Assert.Single(error.Causes).Reason);
    }

    [Fact]
    public async Task A_module_is_created_with_defaults_and_without_a_status_of_the_users_making()
    {
        var world = await ModuleWorld.StartAsync();
        await world.WorkspaceAsync("dev");
        var body = ModuleWorld.Module("dev", "app", ModuleWorld.Raw(ModuleFileSamples.File()));
        body["status"] = new JsonObject { ["phase"] = "Ready" };

        var stored = await world.CreateAsync("modules", "dev", body);

        Assert.False(stored["spec"]!["hibernated"]!.GetValue<bool>());
        Assert.Null(stored["status"]);
    }

    [Fact]
    public async Task Module_status_is_written_through_the_status_subresource_only()
    {
        var world = await ModuleWorld.StartAsync();
        await world.WorkspaceAsync("dev");
        var stored = await world.ModuleAsync("dev", "app", ModuleWorld.Raw(ModuleFileSamples.File()));

        stored["status"] = JsonNode.Parse("""
            {
              "phase": "Ready", "observedGeneration": 1, "resolvedGeneration": 1, "resolvedConfig": {}, "metadata": { "deploymentName": "x", "nested": { "a": 1 } },
              "lastOperation": "install", "lastOperationTime": "2024-05-06T07:08:09Z",
              "conditions": [{ "type": "Ready", "status": "True", "reason": "Installed", "message": "ok", "lastTransitionTime": "2024-05-06T07:08:09Z", "observedGeneration": 1 }]
            }
            """);
        var written = await world.ReplaceStatusAsync("dev", stored);
        Assert.Equal("Ready", written["status"]!["phase"]!.GetValue<string>());
        Assert.Equal(1, written["status"]!["metadata"]!["nested"]!["a"]!.GetValue<int>());

        written["status"]!["phase"] = "Failed";
        var main = await world.ReplaceAsync("modules", "dev", written);
        Assert.Equal("Ready", main["status"]!["phase"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_status_phase_outside_the_life_cycle_is_refused()
    {
        var world = await ModuleWorld.StartAsync();
        await world.WorkspaceAsync("dev");
        var stored = await world.ModuleAsync("dev", "app", ModuleWorld.Raw(ModuleFileSamples.File()));
        stored["status"] = new JsonObject { ["phase"] = "Dancing" };

        var error = await ModuleWorld.RefusedAsync(422, () => world.ReplaceStatusAsync("dev", stored));

        Assert.Equal(["status.phase"], Fields(error));
    }

    [Fact]
    public async Task A_module_names_exactly_one_source()
    {
        var world = await ModuleWorld.StartAsync();
        await world.WorkspaceAsync("dev");

        var none = await ModuleWorld.RefusedAsync(422, () => world.ModuleAsync("dev", "none", new JsonObject()));
        var two = await ModuleWorld.RefusedAsync(422, () => world.ModuleAsync("dev", "two", new JsonObject { ["raw"] = ModuleFileSamples.File(), ["httpURL"] = "https://files.example/app.yaml" }));

        Assert.Equal(["spec.source"], Fields(none));
        Assert.Equal(["spec.source"], Fields(two));
        Assert.Equal("FieldValueForbidden", two.Causes[0].Reason);
    }

    [Theory]
    [InlineData("http://files.example/app.yaml")]
    [InlineData("https://user:pw@files.example/app.yaml")]
    [InlineData("files.example/app.yaml")]
    public async Task An_http_url_source_must_be_https_without_credentials(string url)
    {
        var world = await ModuleWorld.StartAsync();
        await world.WorkspaceAsync("dev");

        var error = await ModuleWorld.RefusedAsync(422, () => world.ModuleAsync("dev", "app", new JsonObject { ["httpURL"] = url }));

        Assert.Equal(["spec.source.httpURL"], Fields(error));
        Assert.Empty(world.Fetcher.Calls);
    }

    [Fact]
    public async Task A_module_without_workspace_or_source_fails_its_schema()
    {
        var world = await ModuleWorld.StartAsync();

        var error = await ModuleWorld.RefusedAsync(422, () => world.CreateAsync("modules", "dev", ModuleWorld.Object("Module", "app", "dev", new JsonObject { ["hibernated"] = "yes" })));

        Assert.Contains("spec.workspace", Fields(error));
        Assert.Contains("spec.source", Fields(error));
        Assert.Contains("spec.hibernated", Fields(error));
    }

    private static JsonObject Yaml(string text) => CustomResources.Core.Serialization.Documents.ParseYaml(text)!.AsObject();
}
