using CustomResources.Embedded.Modules;
using Microsoft.Extensions.Configuration;

namespace CustomResources.Embedded.Tests.Modules;

/// <summary>Image names contain ':' and '/', so the options are a list: check they bind from configuration keys.</summary>
public sealed class LocalModuleRuntimeOptionsTests
{
    [Fact]
    public void Images_bind_from_indexed_configuration_keys_with_colons_and_slashes_in_the_image()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Modules:Local:StatePath"] = "/var/lib/cr/modules.json",
                ["Modules:Local:Images:0:Image"] = "registry.example.com:5000/team/reference-module:1.0.0",
                ["Modules:Local:Images:0:Command"] = "dotnet",
                ["Modules:Local:Images:0:Arguments:0"] = "samples/modules/ReferenceModule/bin/Debug/net10.0/ReferenceModule.dll",
                ["Modules:Local:Images:0:WorkingDirectory"] = "/srv",
                ["Modules:Local:Images:0:Environment:MODULE_STATE_FILE"] = "/tmp/calls.jsonl",
                ["Modules:Local:Images:1:Image"] = "example.com/other",
                ["Modules:Local:Images:1:Command"] = "/usr/bin/other",
            })
            .Build();

        var options = configuration.GetSection(LocalModuleRuntimeOptions.SectionName).Get<LocalModuleRuntimeOptions>()!;

        Assert.Equal("/var/lib/cr/modules.json", options.StatePath);
        Assert.Equal(2, options.Images.Count);
        var reference = options.Images[0];
        Assert.Equal("registry.example.com:5000/team/reference-module:1.0.0", reference.Image);
        Assert.Equal("dotnet", reference.Command);
        Assert.Equal(["samples/modules/ReferenceModule/bin/Debug/net10.0/ReferenceModule.dll"], reference.Arguments);
        Assert.Equal("/srv", reference.WorkingDirectory);
        Assert.Equal("/tmp/calls.jsonl", reference.Environment["MODULE_STATE_FILE"]);
        Assert.Empty(options.Images[1].Arguments);
    }

    [Fact]
    public void The_state_file_defaults_to_modules_json_beside_the_default_store()
    {
        Assert.Equal("./data/modules.json", new LocalModuleRuntimeOptions().StatePath);
    }
}
