using System.Text.Json.Nodes;
using CustomResources.Core.Objects;

namespace CustomResources.Core.Security;

/// <summary>
/// One rule of a Role or ClusterRole (Kubernetes' <c>PolicyRule</c>), with Kubernetes' matching semantics:
/// <c>*</c> matches every verb, group or resource; <c>*/status</c> matches that subresource of every resource;
/// resourceNames, when present, admit only requests that name one of them (so never list, watch or create of a whole
/// collection); a nonResourceURL ending in <c>*</c> matches every path with that prefix.
/// </summary>
public sealed record PolicyRule(
    IReadOnlyList<string> Verbs,
    IReadOnlyList<string> ApiGroups,
    IReadOnlyList<string> Resources,
    IReadOnlyList<string> ResourceNames,
    IReadOnlyList<string> NonResourceUrls)
{
    public const string All = "*";

    public static PolicyRule ForResources(IReadOnlyList<string> verbs, IReadOnlyList<string> apiGroups, IReadOnlyList<string> resources, IReadOnlyList<string>? resourceNames = null) =>
        new(verbs, apiGroups, resources, resourceNames ?? [], []);

    public static PolicyRule ForUrls(IReadOnlyList<string> verbs, IReadOnlyList<string> urls) => new(verbs, [], [], [], urls);

    /// <summary>Reads a rule object; missing or malformed lists read as empty (stored objects were validated on write).</summary>
    public static PolicyRule FromJson(JsonNode? node) => new(
        Strings(node?["verbs"]), Strings(node?["apiGroups"]), Strings(node?["resources"]), Strings(node?["resourceNames"]), Strings(node?["nonResourceURLs"]));

    /// <summary>The rules of a Role or ClusterRole object (<c>rules</c>).</summary>
    public static IReadOnlyList<PolicyRule> ListFromObject(JsonObject? role) =>
        role?["rules"] is JsonArray rules ? rules.Select(FromJson).ToList() : [];

    public JsonObject ToJson()
    {
        var obj = new JsonObject { ["verbs"] = Array(Verbs) };
        if (ApiGroups.Count > 0)
        {
            obj["apiGroups"] = Array(ApiGroups);
        }

        if (Resources.Count > 0)
        {
            obj["resources"] = Array(Resources);
        }

        if (ResourceNames.Count > 0)
        {
            obj["resourceNames"] = Array(ResourceNames);
        }

        if (NonResourceUrls.Count > 0)
        {
            obj["nonResourceURLs"] = Array(NonResourceUrls);
        }

        return obj;
    }

    /// <summary>Whether this rule allows the request (Kubernetes' <c>RuleAllows</c>).</summary>
    public bool Allows(RequestAttributes request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!VerbMatches(request.Verb))
        {
            return false;
        }

        if (!request.IsResourceRequest)
        {
            return NonResourceUrls.Any(url => UrlMatches(url, request.Path));
        }

        return (ApiGroups.Contains(All) || ApiGroups.Contains(request.ApiGroup))
            && ResourceMatches(request.Resource, request.Subresource)
            && (ResourceNames.Count == 0 || (request.Name.Length > 0 && ResourceNames.Contains(request.Name)));
    }

    /// <summary>The rule in Kubernetes' compact text (used in escalation messages).</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        Add("APIGroups", ApiGroups);
        Add("Resources", Resources);
        Add("ResourceNames", ResourceNames);
        Add("NonResourceURLs", NonResourceUrls);
        Add("Verbs", Verbs);
        return "{" + string.Join(", ", parts) + "}";

        void Add(string name, IReadOnlyList<string> values)
        {
            if (values.Count > 0)
            {
                parts.Add($"{name}:[{string.Join(" ", values.Select(v => $"\"{v}\""))}]");
            }
        }
    }

    public bool Equals(PolicyRule? other) =>
        other is not null && Verbs.SequenceEqual(other.Verbs) && ApiGroups.SequenceEqual(other.ApiGroups) && Resources.SequenceEqual(other.Resources)
        && ResourceNames.SequenceEqual(other.ResourceNames) && NonResourceUrls.SequenceEqual(other.NonResourceUrls);

    public override int GetHashCode() => HashCode.Combine(string.Join(",", Verbs), string.Join(",", ApiGroups), string.Join(",", Resources), string.Join(",", ResourceNames), string.Join(",", NonResourceUrls));

    private bool VerbMatches(string verb) => Verbs.Contains(All) || Verbs.Contains(verb);

    private bool ResourceMatches(string resource, string subresource)
    {
        var combined = subresource.Length == 0 ? resource : $"{resource}/{subresource}";
        foreach (var rule in Resources)
        {
            if (rule == All || rule == combined)
            {
                return true;
            }

            // "*/status" matches the status subresource of every resource.
            if (subresource.Length > 0 && rule.Length == subresource.Length + 2 && rule.StartsWith("*/", StringComparison.Ordinal) && rule.EndsWith(subresource, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    internal static bool UrlMatches(string rule, string path) =>
        rule == All || rule == path || (rule.EndsWith('*') && path.StartsWith(rule.TrimEnd('*'), StringComparison.Ordinal));

    private static List<string> Strings(JsonNode? node) =>
        node is JsonArray array ? array.Select(ObjectMetadata.GetString).OfType<string>().ToList() : [];

    private static JsonArray Array(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
}
