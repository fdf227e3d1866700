using System.Text.Json.Nodes;
using CustomResources.Core.Modules;
using CustomResources.Core.Objects;

namespace CustomResources.Core.Tests.Modules;

public sealed class ModuleWriteGuardTests
{
    private const string Url = "https://files.example/app.yaml";

    private static string[] Fields(CustomResources.Core.Errors.ApiException error) => [.. error.Causes.Select(c => c.Field)];

    private static JsonObject ConfiguredFile(string permission = "workspace") => ModuleFileSamples.File(
        new JsonArray(
            new JsonObject { ["type"] = "integer", ["name"] = "replicas", ["alias"] = "r", ["spec"] = new JsonObject { ["min"] = 1, ["max"] = 5, ["default"] = 1 } },
            new JsonObject { ["type"] = "string", ["name"] = "region", ["spec"] = new JsonObject { ["required"] = true, ["editable"] = false } }),
        permission);

    private static async Task<ModuleWorld> WorldWithWorkspaceAsync()
    {
        var world = await ModuleWorld.StartAsync();
        await world.WorkspaceAsync("dev");
        return world;
    }

    [Fact]
    public async Task A_raw_module_with_valid_config_is_accepted()
    {
        var world = await WorldWithWorkspaceAsync();

        var stored = await world.ModuleAsync("dev", "app", ModuleWorld.Raw(ConfiguredFile()), new JsonObject { ["r"] = 3, ["region"] = "eu" });

        Assert.Equal(3, stored["spec"]!["config"]!["r"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_missing_workspace_and_bad_config_are_refused_together_in_one_422()
    {
        var world = await ModuleWorld.StartAsync();

        var error = await ModuleWorld.RefusedAsync(422, () => world.ModuleAsync("dev", "app", ModuleWorld.Raw(ConfiguredFile()), new JsonObject { ["r"] = 9, ["colour"] = "red" }, workspace: "nowhere"));

        Assert.Equal(["spec.workspace.name", "spec.config.colour", "spec.config.r", "spec.config.region"], Fields(error));
        Assert.Equal("FieldValueNotFound", error.Causes[0].Reason);
        Assert.Contains("Module.modules.customresources.io \"app\" is invalid", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_module_must_live_in_its_workspace_namespace()
    {
        var world = await WorldWithWorkspaceAsync();

        var error = await ModuleWorld.RefusedAsync(422, () => world.ModuleAsync("prod", "app", ModuleWorld.Raw(ModuleFileSamples.File())));

        Assert.Contains("maps to namespace \"dev\"", Assert.Single(error.Causes).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_workspace_mapped_to_another_namespace_is_followed()
    {
        var world = await ModuleWorld.StartAsync();
        await world.WorkspaceAsync("production", "prod");

        var stored = await world.ModuleAsync("prod", "app", ModuleWorld.Raw(ModuleFileSamples.File()), workspace: "production");

        Assert.Equal("production", stored["spec"]!["workspace"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_invalid_raw_file_is_reported_at_its_paths_inside_the_module()
    {
        var world = await WorldWithWorkspaceAsync();
        var file = ConfiguredFile();
        file["metadata"]!["version"] = "1";
        file["spec"]!.AsObject().Remove("image");

        var error = await ModuleWorld.RefusedAsync(422, () => world.ModuleAsync("dev", "app", ModuleWorld.Raw(file)));

        Assert.Equal(["spec.source.raw.metadata.version", "spec.source.raw.spec.image"], Fields(error));
    }

    [Fact]
    public async Task A_stored_module_definition_is_used_by_name()
    {
        var world = await WorldWithWorkspaceAsync();
        var definitionFile = ConfiguredFile();
        definitionFile.Remove("kind");
        await world.DefinitionAsync("installer", definitionFile);

        await world.ModuleAsync("dev", "ok", new JsonObject { ["moduleDefinition"] = new JsonObject { ["name"] = "installer" } }, new JsonObject { ["region"] = "eu" });
        var error = await ModuleWorld.RefusedAsync(422, () => world.ModuleAsync("dev", "bad", new JsonObject { ["moduleDefinition"] = new JsonObject { ["name"] = "installer" } }, new JsonObject { ["replicas"] = 0 }));

        Assert.Equal(["spec.config.replicas", "spec.config.region"], Fields(error));
    }

    [Fact]
    public async Task A_missing_module_definition_is_not_found()
    {
        var world = await WorldWithWorkspaceAsync();

        var error = await ModuleWorld.RefusedAsync(422, () => world.ModuleAsync("dev", "app", new JsonObject { ["moduleDefinition"] = new JsonObject { ["name"] = "ghost" } }));

        var cause = Assert.Single(error.Causes);
        Assert.Equal(("FieldValueNotFound", "spec.source.moduleDefinition.name"), (cause.Reason, cause.Field));
    }

    [Fact]
    public async Task A_stored_definition_a_newer_operator_refuses_is_reported_with_the_files_paths()
    {
        var world = await WorldWithWorkspaceAsync();
        await world.DefinitionAsync("installer", ModuleFileSamples.File());
        var guard = new ModuleWriteGuard(world.Store, world.Fetcher, operatorVersion: "1.5.0");
        var target = await world.TargetAsync("modules");
        var module = ModuleWorld.Module("dev", "app", new JsonObject { ["moduleDefinition"] = new JsonObject { ["name"] = "installer" } });

        var error = await ModuleWorld.RefusedAsync(422, () => guard.CheckAsync(target, "dev", module, null, new WriteOptions(), CancellationToken.None));

        var cause = Assert.Single(error.Causes);
        Assert.Equal("spec.source.moduleDefinition.name", cause.Field);
        Assert.StartsWith("module file: metadata.supportedOperatorVersion:", cause.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_http_url_file_is_fetched_once_and_recorded_with_its_hash()
    {
        var world = await WorldWithWorkspaceAsync();
        var text = CustomResources.Core.Serialization.Documents.WriteYaml(ConfiguredFile());
        world.Fetcher.Files[Url] = text;

        var stored = await world.ModuleAsync("dev", "app", new JsonObject { ["httpURL"] = Url }, new JsonObject { ["region"] = "eu" });

        var annotations = stored["metadata"]!["annotations"]!;
        Assert.Equal(text, annotations[ModuleDefinitions.SourceFileAnnotation]!.GetValue<string>());
        Assert.Equal(ModuleSources.Sha256(text), annotations[ModuleDefinitions.SourceSha256Annotation]!.GetValue<string>());
        Assert.Matches("^[0-9a-f]{64}$", ModuleSources.Sha256(text));
        Assert.Single(world.Fetcher.Calls);

        // What the reconciler reads back is the recorded file, without fetching again.
        var loaded = await ModuleSources.LoadAsync(world.Store, stored, ModuleFiles.OperatorVersion, CancellationToken.None);
        Assert.Equal(2, loaded.File!.Config.Count);
        Assert.Single(world.Fetcher.Calls);
    }

    [Fact]
    public async Task A_config_update_keeps_the_recorded_file_and_a_new_url_fetches_anew()
    {
        var world = await WorldWithWorkspaceAsync();
        var first = CustomResources.Core.Serialization.Documents.WriteYaml(ConfiguredFile());
        world.Fetcher.Files[Url] = first;
        var stored = await world.ModuleAsync("dev", "app", new JsonObject { ["httpURL"] = Url }, new JsonObject { ["region"] = "eu" });

        // The file at the URL changes (and would refuse the config): a config edit still uses what was recorded.
        world.Fetcher.Files[Url] = CustomResources.Core.Serialization.Documents.WriteYaml(ModuleFileSamples.File());
        stored["spec"]!["config"]!["r"] = 4;
        var updated = await world.ReplaceAsync("modules", "dev", stored);
        Assert.Equal(first, updated["metadata"]!["annotations"]![ModuleDefinitions.SourceFileAnnotation]!.GetValue<string>());
        Assert.Single(world.Fetcher.Calls);

        world.Fetcher.Files[Url + "?v=2"] = world.Fetcher.Files[Url];
        updated["spec"]!["source"]!["httpURL"] = Url + "?v=2";
        updated["spec"]!.AsObject().Remove("config");
        var moved = await world.ReplaceAsync("modules", "dev", updated);
        Assert.Equal(2, world.Fetcher.Calls.Count);
        Assert.Equal(ModuleSources.Sha256(world.Fetcher.Files[Url]), moved["metadata"]!["annotations"]![ModuleDefinitions.SourceSha256Annotation]!.GetValue<string>());
    }

    [Fact]
    public async Task A_fetch_failure_is_a_validation_problem_of_the_url()
    {
        var world = await WorldWithWorkspaceAsync();

        var error = await ModuleWorld.RefusedAsync(422, () => world.ModuleAsync("dev", "app", new JsonObject { ["httpURL"] = Url }));

        var cause = Assert.Single(error.Causes);
        Assert.Equal("spec.source.httpURL", cause.Field);
        Assert.Contains("404 Not Found", cause.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_fetched_file_lists_every_problem_at_the_url()
    {
        var world = await WorldWithWorkspaceAsync();
        world.Fetcher.Files[Url] = "kind: Custom\nmetadata:\n  name: Bad\nspec:\n  image: a:1\n  permissions: [root]\n";

        var error = await ModuleWorld.RefusedAsync(422, () => world.ModuleAsync("dev", "app", new JsonObject { ["httpURL"] = Url }));

        Assert.All(error.Causes, c => Assert.Equal("spec.source.httpURL", c.Field));
        Assert.Equal(
            ["metadata.name", "metadata.version", "metadata.supportedOperatorVersion", "spec.permissions[0]"],
            error.Causes.Select(c => c.Message.Split(": ")[1]));
    }

    [Fact]
    public async Task A_fetched_file_too_large_to_record_is_refused()
    {
        var world = await WorldWithWorkspaceAsync();
        world.Fetcher.Files[Url] = CustomResources.Core.Serialization.Documents.WriteYaml(ModuleFileSamples.File()) + "\n#" + new string('x', ModuleWriteGuard.MaxRecordedFileBytes);

        var error = await ModuleWorld.RefusedAsync(422, () => world.ModuleAsync("dev", "app", new JsonObject { ["httpURL"] = Url }));

        Assert.Contains("larger than", Assert.Single(error.Causes).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Users_cannot_plant_or_change_the_recorded_source_annotations()
    {
        var world = await WorldWithWorkspaceAsync();
        world.Fetcher.Files[Url] = CustomResources.Core.Serialization.Documents.WriteYaml(ModuleFileSamples.File());

        // Planted on a raw module: removed.
        var raw = ModuleWorld.Module("dev", "raw", ModuleWorld.Raw(ModuleFileSamples.File()));
        raw["metadata"]!["annotations"] = new JsonObject { [ModuleDefinitions.SourceFileAnnotation] = "forged", ["team"] = "a" };
        var storedRaw = await world.CreateAsync("modules", "dev", raw);
        Assert.Null(storedRaw["metadata"]!["annotations"]![ModuleDefinitions.SourceFileAnnotation]);
        Assert.Equal("a", storedRaw["metadata"]!["annotations"]!["team"]!.GetValue<string>());

        // Changed on a metadata-only update of an httpURL module: restored.
        var stored = await world.ModuleAsync("dev", "fetched", new JsonObject { ["httpURL"] = Url });
        var recorded = stored["metadata"]!["annotations"]![ModuleDefinitions.SourceFileAnnotation]!.GetValue<string>();
        stored["metadata"]!["annotations"]![ModuleDefinitions.SourceFileAnnotation] = CustomResources.Core.Serialization.Documents.WriteYaml(ModuleFileSamples.File(permission: "controller"));
        stored["metadata"]!["labels"] = new JsonObject { ["tier"] = "web" };
        var updated = await world.ReplaceAsync("modules", "dev", stored, ModuleWorld.Alice);
        Assert.Equal(recorded, updated["metadata"]!["annotations"]![ModuleDefinitions.SourceFileAnnotation]!.GetValue<string>());
        Assert.Equal("web", updated["metadata"]!["labels"]!["tier"]!.GetValue<string>());
        Assert.Single(world.Fetcher.Calls);
    }

    [Fact]
    public async Task Status_writes_neither_refetch_nor_revalidate()
    {
        var world = await WorldWithWorkspaceAsync();
        world.Fetcher.Files[Url] = CustomResources.Core.Serialization.Documents.WriteYaml(ModuleFileSamples.File());
        var stored = await world.ModuleAsync("dev", "app", new JsonObject { ["httpURL"] = Url });
        world.Fetcher.Files.Clear();

        stored["status"] = new JsonObject { ["phase"] = "Installing" };
        var written = await world.ReplaceStatusAsync("dev", stored);

        Assert.Equal("Installing", written["status"]!["phase"]!.GetValue<string>());
        Assert.Single(world.Fetcher.Calls);
    }

    [Fact]
    public async Task On_update_a_non_editable_entry_keeps_its_value_and_editable_ones_may_change()
    {
        var world = await WorldWithWorkspaceAsync();
        var stored = await world.ModuleAsync("dev", "app", ModuleWorld.Raw(ConfiguredFile()), new JsonObject { ["region"] = "eu" });

        stored["spec"]!["config"] = new JsonObject { ["region"] = "us", ["r"] = 2 };
        var error = await ModuleWorld.RefusedAsync(422, () => world.ReplaceAsync("modules", "dev", stored));
        Assert.Equal(["spec.config.region"], Fields(error));

        stored["spec"]!["config"] = new JsonObject { ["region"] = "eu", ["r"] = 2 };
        var updated = await world.ReplaceAsync("modules", "dev", stored);
        Assert.Equal(2, updated["spec"]!["config"]!["r"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_reconcilers_resolved_config_is_what_non_editable_entries_are_compared_with()
    {
        var world = await WorldWithWorkspaceAsync();
        var stored = await world.ModuleAsync("dev", "app", ModuleWorld.Raw(ConfiguredFile()), new JsonObject { ["region"] = "eu" });
        stored["status"] = new JsonObject { ["resolvedConfig"] = new JsonObject { ["region"] = "ap", ["replicas"] = 1 } };
        stored = await world.ReplaceStatusAsync("dev", stored);

        stored["spec"]!["config"] = new JsonObject { ["region"] = "eu", ["r"] = 2 };
        var error = await ModuleWorld.RefusedAsync(422, () => world.ReplaceAsync("modules", "dev", stored));

        Assert.Contains("was \"ap\"", Assert.Single(error.Causes).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_workspace_of_a_module_never_changes()
    {
        var world = await WorldWithWorkspaceAsync();
        await world.WorkspaceAsync("dev2", "dev-two");
        var stored = await world.ModuleAsync("dev", "app", ModuleWorld.Raw(ModuleFileSamples.File()));

        stored["spec"]!["workspace"]!["name"] = "dev2";
        var error = await ModuleWorld.RefusedAsync(422, () => world.ReplaceAsync("modules", "dev", stored));

        Assert.Contains("immutable", Assert.Single(error.Causes).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Controller_permission_needs_system_masters_or_the_server_itself()
    {
        var world = await WorldWithWorkspaceAsync();
        var source = ModuleWorld.Raw(ModuleFileSamples.File(permission: "controller"));

        var refused = await ModuleWorld.RefusedAsync(403, () => world.ModuleAsync("dev", "by-alice", source.DeepClone().AsObject(), user: ModuleWorld.Alice));
        Assert.Contains("controller permission", refused.Message, StringComparison.Ordinal);

        await world.ModuleAsync("dev", "by-admin", source.DeepClone().AsObject(), user: ModuleWorld.Admin);
        await world.ModuleAsync("dev", "by-server", source.DeepClone().AsObject());
        await world.ModuleAsync("dev", "workspace-only", ModuleWorld.Raw(ModuleFileSamples.File()), user: ModuleWorld.Alice);
    }

    [Fact]
    public async Task A_module_whose_workspace_is_gone_can_still_have_its_metadata_and_status_written()
    {
        var world = await WorldWithWorkspaceAsync();
        var stored = await world.ModuleAsync("dev", "app", ModuleWorld.Raw(ModuleFileSamples.File()));
        await world.Store.DeleteAsync(ModuleDefinitions.WorkspaceKey("dev"), null, CancellationToken.None);

        stored["metadata"]!["finalizers"] = new JsonArray("modules.customresources.io/uninstall");
        var updated = await world.ReplaceAsync("modules", "dev", stored);

        Assert.Single(updated["metadata"]!["finalizers"]!.AsArray());
    }

    [Fact]
    public async Task No_new_module_may_join_a_workspace_being_deleted()
    {
        var world = await WorldWithWorkspaceAsync();
        var workspace = await world.GetAsync("workspaces", null, "dev");
        workspace["metadata"]!["finalizers"] = new JsonArray("modules.customresources.io/uninstall");
        await world.ReplaceAsync("workspaces", null, workspace);
        await world.Service.DeleteAsync(await world.TargetAsync("workspaces"), null, "dev", new DeleteOptions(), CancellationToken.None);

        var error = await ModuleWorld.RefusedAsync(422, () => world.ModuleAsync("dev", "app", ModuleWorld.Raw(ModuleFileSamples.File())));

        Assert.Equal("FieldValueForbidden", Assert.Single(error.Causes).Reason);
    }

    [Fact]
    public async Task Writes_of_other_types_are_not_the_guards_business()
    {
        var world = await ModuleWorld.StartAsync();
        var guard = new ModuleWriteGuard(world.Store, world.Fetcher);
        var namespaces = await world.Service.ResolveAsync("", "v1", "namespaces", CancellationToken.None);

        await guard.CheckAsync(namespaces, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "x" } }, null, new WriteOptions(), CancellationToken.None);

        Assert.Empty(world.Fetcher.Calls);
    }
}
