using System.Globalization;
using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;

namespace CustomResources.Core.Discovery;

/// <summary>
/// The documents kubectl reads to find resources: <c>/version</c>, aggregated and legacy discovery.
/// Every method takes the full set of served definitions (built-ins included).
/// </summary>
public static class DiscoveryDocuments
{
    /// <summary>Aggregated discovery content type kubectl requires (v2).</summary>
    public const string AggregatedContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

    /// <summary>The Kubernetes minor version reported by default (kubectl 1.32 behaviour).</summary>
    public const int DefaultMinorVersion = 32;

    /// <summary><c>GET /version</c> reporting Kubernetes 1.32.</summary>
    public static JsonObject Version() => Version(DefaultMinorVersion);

    /// <summary>
    /// <c>GET /version</c> reporting Kubernetes 1.<paramref name="minorVersion"/>. The kubectl dispatcher runs
    /// the matching <c>kubectl.1.&lt;minor&gt;</c> for minors 27 to 33 and its built-in 1.32 client otherwise.
    /// </summary>
    public static JsonObject Version(int minorVersion)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minorVersion);
        var minor = minorVersion.ToString(CultureInfo.InvariantCulture);
        return new JsonObject
        {
            ["major"] = "1",
            ["minor"] = minor,
            ["gitVersion"] = $"v1.{minor}.0",
            ["gitCommit"] = "0000000000000000000000000000000000000000",
            ["gitTreeState"] = "clean",
            ["buildDate"] = "2025-01-01T00:00:00Z",
            ["goVersion"] = "go1.23.4",
            ["compiler"] = "gc",
            ["platform"] = "linux/amd64",
        };
    }

    /// <summary><c>GET /api</c> aggregated: one item for the core group (name "").</summary>
    public static JsonObject AggregatedCore(IReadOnlyList<ResourceDefinition> definitions, string discoveryVersion = "v2")
    {
        ArgumentNullException.ThrowIfNull(definitions);
        var items = new JsonArray();
        if (DiscoveryModel.ServedVersions(definitions, "").Count > 0)
        {
            items.Add(AggregatedItem(definitions, ""));
        }

        return AggregatedList(items, discoveryVersion);
    }

    /// <summary><c>GET /apis</c> aggregated: one item per named group.</summary>
    public static JsonObject AggregatedGroups(IReadOnlyList<ResourceDefinition> definitions, string discoveryVersion = "v2")
    {
        ArgumentNullException.ThrowIfNull(definitions);
        var items = new JsonArray();
        foreach (var group in DiscoveryModel.NamedGroups(definitions))
        {
            items.Add(AggregatedItem(definitions, group));
        }

        return AggregatedList(items, discoveryVersion);
    }

    /// <summary><c>GET /api</c> legacy (<c>APIVersions</c>).</summary>
    public static JsonObject LegacyCoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject
        {
            ["clientCIDR"] = "0.0.0.0/0",
            ["serverAddress"] = serverAddress,
        }),
    };

    /// <summary><c>GET /apis</c> legacy (<c>APIGroupList</c>).</summary>
    public static JsonObject LegacyGroupList(IReadOnlyList<ResourceDefinition> definitions)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        var groups = new JsonArray();
        foreach (var group in DiscoveryModel.NamedGroups(definitions))
        {
            groups.Add(GroupBody(definitions, group));
        }

        return new JsonObject
        {
            ["kind"] = "APIGroupList",
            ["apiVersion"] = "v1",
            ["groups"] = groups,
        };
    }

    /// <summary><c>GET /apis/{group}</c> (<c>APIGroup</c>), or null when no served version exists.</summary>
    public static JsonObject? LegacyGroup(IReadOnlyList<ResourceDefinition> definitions, string group)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        if (string.IsNullOrEmpty(group) || DiscoveryModel.ServedVersions(definitions, group).Count == 0)
        {
            return null;
        }

        var result = new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
        };
        foreach (var (key, value) in GroupBody(definitions, group).ToList())
        {
            result[key] = value?.DeepClone();
        }

        return result;
    }

    /// <summary><c>GET /apis/{group}/{version}</c> or <c>/api/v1</c> (group "") (<c>APIResourceList</c>), or null.</summary>
    public static JsonObject? ResourceList(IReadOnlyList<ResourceDefinition> definitions, string group, string version)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        var served = DiscoveryModel.Resources(definitions, group ?? "", version);
        if (served.Count == 0)
        {
            return null;
        }

        var resources = new JsonArray();
        foreach (var resource in served)
        {
            var definition = resource.Definition;
            var entry = new JsonObject
            {
                ["name"] = definition.Names.Plural,
                ["singularName"] = definition.Names.Singular,
                ["namespaced"] = definition.Namespaced,
                ["kind"] = definition.Names.Kind,
                ["verbs"] = DiscoveryModel.Strings(DiscoveryModel.LegacyVerbs(definition)),
            };
            if (definition.Names.ShortNames.Count > 0)
            {
                entry["shortNames"] = DiscoveryModel.Strings(definition.Names.ShortNames);
            }

            if (definition.Names.Categories.Count > 0)
            {
                entry["categories"] = DiscoveryModel.Strings(definition.Names.Categories);
            }

            resources.Add(entry);
            if (resource.Version.StatusSubresource)
            {
                resources.Add(new JsonObject
                {
                    ["name"] = $"{definition.Names.Plural}/status",
                    ["singularName"] = "",
                    ["namespaced"] = definition.Namespaced,
                    ["kind"] = definition.Names.Kind,
                    ["verbs"] = DiscoveryModel.Strings(DiscoveryModel.StatusVerbs),
                });
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = DiscoveryModel.GroupVersion(group ?? "", version),
            ["resources"] = resources,
        };
    }

    /// <summary>
    /// The aggregated discovery version to answer with, from an Accept header: the first of <c>v2</c> or
    /// <c>v2beta1</c> the client lists (kubectl up to 1.29 accepts only v2beta1; both have the same shape),
    /// or null when the client did not ask for aggregated discovery.
    /// </summary>
    public static string? NegotiateAggregatedVersion(string accept)
    {
        ArgumentNullException.ThrowIfNull(accept);
        foreach (var mediaType in accept.Split(','))
        {
            var parameters = mediaType.Split(';').Skip(1).Select(p => p.Trim()).ToList();
            if (!parameters.Contains("as=APIGroupDiscoveryList") || !parameters.Contains("g=apidiscovery.k8s.io"))
            {
                continue;
            }

            if (parameters.Contains("v=v2"))
            {
                return "v2";
            }

            if (parameters.Contains("v=v2beta1"))
            {
                return "v2beta1";
            }
        }

        return null;
    }

    /// <summary>The exact content type of an aggregated discovery answer in <paramref name="discoveryVersion"/>.</summary>
    public static string AggregatedContentTypeFor(string discoveryVersion) =>
        $"application/json;g=apidiscovery.k8s.io;v={discoveryVersion};as=APIGroupDiscoveryList";

    private static JsonObject AggregatedList(JsonArray items, string discoveryVersion) => new()
    {
        ["kind"] = "APIGroupDiscoveryList",
        ["apiVersion"] = $"apidiscovery.k8s.io/{discoveryVersion}",
        ["metadata"] = new JsonObject(),
        ["items"] = items,
    };

    private static JsonObject AggregatedItem(IReadOnlyList<ResourceDefinition> definitions, string group)
    {
        var versions = new JsonArray();
        foreach (var version in DiscoveryModel.ServedVersions(definitions, group))
        {
            var resources = new JsonArray();
            foreach (var resource in DiscoveryModel.Resources(definitions, group, version))
            {
                resources.Add(AggregatedResource(resource));
            }

            versions.Add(new JsonObject
            {
                ["version"] = version,
                ["resources"] = resources,
                ["freshness"] = "Current",
            });
        }

        return new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = group },
            ["versions"] = versions,
        };
    }

    private static JsonObject AggregatedResource(ServedResource resource)
    {
        var definition = resource.Definition;
        var entry = new JsonObject
        {
            ["resource"] = definition.Names.Plural,
            ["responseKind"] = resource.GroupVersionKind(definition.Names.Kind),
            ["scope"] = definition.Namespaced ? "Namespaced" : "Cluster",
            ["singularResource"] = definition.Names.Singular,
            ["verbs"] = DiscoveryModel.Strings(DiscoveryModel.Verbs(definition)),
        };
        if (definition.Names.ShortNames.Count > 0)
        {
            entry["shortNames"] = DiscoveryModel.Strings(definition.Names.ShortNames);
        }

        if (definition.Names.Categories.Count > 0)
        {
            entry["categories"] = DiscoveryModel.Strings(definition.Names.Categories);
        }

        if (resource.Version.StatusSubresource)
        {
            entry["subresources"] = new JsonArray(new JsonObject
            {
                ["subresource"] = "status",
                ["responseKind"] = resource.GroupVersionKind(definition.Names.Kind),
                ["verbs"] = DiscoveryModel.Strings(DiscoveryModel.StatusVerbs),
            });
        }

        return entry;
    }

    private static JsonObject GroupBody(IReadOnlyList<ResourceDefinition> definitions, string group)
    {
        var served = DiscoveryModel.ServedVersions(definitions, group);
        var versions = new JsonArray();
        foreach (var version in served)
        {
            versions.Add(GroupVersionForDiscovery(group, version));
        }

        return new JsonObject
        {
            ["name"] = group,
            ["versions"] = versions,
            ["preferredVersion"] = GroupVersionForDiscovery(group, served[0]),
        };
    }

    private static JsonObject GroupVersionForDiscovery(string group, string version) => new()
    {
        ["groupVersion"] = DiscoveryModel.GroupVersion(group, version),
        ["version"] = version,
    };
}
