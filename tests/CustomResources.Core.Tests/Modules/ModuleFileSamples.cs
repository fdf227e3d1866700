using System.Text.Json.Nodes;

namespace CustomResources.Core.Tests.Modules;

/// <summary>Module files used across the module tests.</summary>
public static class ModuleFileSamples
{
    /// <summary>The complete example shape of reference 002, with one entry of every type.</summary>
    public const string FullYaml = """
        kind: Custom
        metadata:
          name: custom-app-installer
          version: 1.0.0
          supportedOperatorVersion: ">= 0.0.0, < 1.0.0"
          description: "Custom application installer"
          author: "DevOps Team"
          category: "Application"
          image: https://example.com/icon.png
          resource_usage:
            cpu: 500m
            memory: 512Mi
        config:
          - type: option
            name: environment
            alias: env
            spec:
              required: true
              default: "development"
              values:
                - development
                - staging
                - production
              editable: true
          - type: boolean
            name: enableDebug
            alias: debug
            spec:
              required: false
              default: false
          - type: string
            name: namespace
            alias: namespace
            spec:
              required: true
              default: "default"
              regex: "^[a-z0-9-]+$"
          - type: integer
            name: replicas
            spec:
              default: 1
              min: 1
              max: 10
          - type: multiple-options
            name: features
            spec:
              values: [metrics, tracing, logging]
              min: 1
              max: 2
              default: [metrics]
          - type: string
            name: clusterId
            spec:
              editable: false
        spec:
          image: my-registry/custom-app-installer:v1.0.0
          imagePullSecrets:
            - my-registry-secret
          permissions:
            - workspace
        """;

    public const string SimpleJson = """
        {
          "kind": "Custom",
          "metadata": { "name": "simple-module", "version": "1.0.0", "supportedOperatorVersion": ">= 0.0.0, < 1.0.0" },
          "spec": { "image": "my-registry/simple-module:latest", "permissions": ["workspace"] }
        }
        """;

    /// <summary>A minimal valid module file object with the given config entries and permissions.</summary>
    public static JsonObject File(JsonArray? config = null, string permission = "workspace", string name = "app")
    {
        var file = new JsonObject
        {
            ["kind"] = "Custom",
            ["metadata"] = new JsonObject { ["name"] = name, ["version"] = "1.0.0", ["supportedOperatorVersion"] = ">= 0.0.0, < 1.0.0" },
            ["spec"] = new JsonObject { ["image"] = "registry.example/app:1", ["permissions"] = new JsonArray(permission) },
        };
        if (config is not null)
        {
            file["config"] = config;
        }

        return file;
    }
}
