using System.Text.Json;
using System.Text.Json.Nodes;
using CustomResources.Core.Errors;
using CustomResources.Core.Objects;
using CustomResources.Core.Outbound;
using CustomResources.Core.Selectors;
using CustomResources.Core.Serialization;

namespace CustomResources.Core.Admission;

/// <summary>One <c>rules[]</c> entry of a webhook registration.</summary>
public sealed record WebhookRule(
    IReadOnlyList<string> Operations,
    IReadOnlyList<string> ApiGroups,
    IReadOnlyList<string> ApiVersions,
    IReadOnlyList<string> Resources,
    string Scope);

/// <summary>One registered admission webhook, as read from a Validating- or MutatingWebhookConfiguration.</summary>
public sealed record Webhook(
    string ConfigurationName,
    string Name,
    string Url,
    IReadOnlyList<WebhookRule> Rules,
    bool IgnoreFailures,
    int TimeoutSeconds,
    LabelSelector NamespaceSelector,
    LabelSelector ObjectSelector);

/// <summary>
/// The <c>admissionregistration.k8s.io/v1</c> registration types: write-time validation (with the v1 defaults filled
/// in) and parsing of stored configurations into <see cref="Webhook"/>s.
/// </summary>
public static class WebhookConfigurations
{
    public const string Group = "admissionregistration.k8s.io";
    public const string ValidatingPlural = "validatingwebhookconfigurations";
    public const string MutatingPlural = "mutatingwebhookconfigurations";

    public const int DefaultTimeoutSeconds = 10;
    public const int MaxTimeoutSeconds = 30;

    private static readonly string[] Operations = ["CREATE", "UPDATE", "DELETE", "CONNECT", "*"];
    private static readonly string[] SupportedOperations = ["CREATE", "UPDATE", "DELETE", "*"];
    private static readonly string[] FailurePolicies = ["Fail", "Ignore"];
    private static readonly string[] SideEffects = ["None", "NoneOnDryRun"];
    private static readonly string[] Scopes = ["*", "Cluster", "Namespaced"];
    private static readonly string[] MatchPolicies = ["Exact", "Equivalent"];
    private static readonly string[] ReinvocationPolicies = ["Never", "IfNeeded"];

    /// <summary>
    /// Checks a configuration object (every problem with its path) and fills in the v1 defaults
    /// (failurePolicy Fail, timeoutSeconds 10, matchPolicy Equivalent, empty selectors, rule scope "*").
    /// </summary>
    public static List<FieldError> Validate(JsonObject configuration, bool mutating, OutboundPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(policy);
        var errors = new List<FieldError>();
        switch (configuration["webhooks"])
        {
            case null:
                return errors;
            case JsonArray webhooks:
                var names = new HashSet<string>(StringComparer.Ordinal);
                for (var i = 0; i < webhooks.Count; i++)
                {
                    var path = $"webhooks[{i}]";
                    if (webhooks[i] is not JsonObject webhook)
                    {
                        errors.Add(FieldError.TypeInvalid(path, webhooks[i], "object"));
                        continue;
                    }

                    ValidateWebhook(webhook, path, mutating, policy, names, errors);
                }

                return errors;
            default:
                errors.Add(FieldError.TypeInvalid("webhooks", configuration["webhooks"], "array"));
                return errors;
        }
    }

    /// <summary>The webhooks of a stored configuration; entries that no longer parse are skipped.</summary>
    public static IReadOnlyList<Webhook> Parse(JsonObject configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var configurationName = ObjectMetadata.GetString(configuration["metadata"]?["name"]) ?? "";
        var result = new List<Webhook>();
        if (configuration["webhooks"] is not JsonArray webhooks)
        {
            return result;
        }

        foreach (var webhook in webhooks.OfType<JsonObject>())
        {
            var errors = new List<FieldError>();
            var name = ObjectMetadata.GetString(webhook["name"]);
            var url = ObjectMetadata.GetString(webhook["clientConfig"]?["url"]);
            var namespaceSelector = LabelSelector.FromJson(webhook["namespaceSelector"], "namespaceSelector", errors);
            var objectSelector = LabelSelector.FromJson(webhook["objectSelector"], "objectSelector", errors);
            if (name is null || url is null || namespaceSelector is null || objectSelector is null)
            {
                continue;
            }

            var rules = (webhook["rules"] as JsonArray ?? []).OfType<JsonObject>().Select(r => new WebhookRule(
                Strings(r["operations"]),
                Strings(r["apiGroups"]),
                Strings(r["apiVersions"]),
                Strings(r["resources"]),
                ObjectMetadata.GetString(r["scope"]) ?? "*")).ToList();
            var timeout = webhook["timeoutSeconds"] is JsonValue t && t.GetValueKind() == System.Text.Json.JsonValueKind.Number && JsonNumbers.TryGetInteger(t, out var seconds) ? (int)seconds : DefaultTimeoutSeconds;
            result.Add(new Webhook(
                configurationName,
                name,
                url,
                rules,
                ObjectMetadata.GetString(webhook["failurePolicy"]) == "Ignore",
                Math.Clamp(timeout, 1, MaxTimeoutSeconds),
                namespaceSelector,
                objectSelector));
        }

        return result;
    }

    private static void ValidateWebhook(JsonObject webhook, string path, bool mutating, OutboundPolicy policy, HashSet<string> names, List<FieldError> errors)
    {
        // name: a fully qualified name (a DNS subdomain with at least three segments), unique in the configuration.
        var name = webhook["name"];
        if (name is null)
        {
            errors.Add(FieldError.Required($"{path}.name"));
        }
        else if (ObjectMetadata.GetString(name) is not { } text)
        {
            errors.Add(FieldError.TypeInvalid($"{path}.name", name, "string"));
        }
        else
        {
            var nameErrors = NameRules.CheckSubdomain($"{path}.name", text).ToList();
            if (nameErrors.Count == 0 && text.Count(c => c == '.') < 2)
            {
                nameErrors.Add(FieldError.Invalid($"{path}.name", text, "should be a domain with at least three segments separated by dots"));
            }

            errors.AddRange(nameErrors);
            if (!names.Add(text))
            {
                errors.Add(FieldError.Duplicate($"{path}.name", name));
            }
        }

        ValidateClientConfig(webhook["clientConfig"], $"{path}.clientConfig", policy, errors);

        if (webhook["rules"] is { } rules)
        {
            if (rules is JsonArray list)
            {
                for (var i = 0; i < list.Count; i++)
                {
                    ValidateRule(list[i], $"{path}.rules[{i}]", errors);
                }
            }
            else
            {
                errors.Add(FieldError.TypeInvalid($"{path}.rules", rules, "array"));
            }
        }

        Enum(webhook, "failurePolicy", path, FailurePolicies, "Fail", errors);
        Enum(webhook, "matchPolicy", path, MatchPolicies, "Equivalent", errors);
        if (mutating)
        {
            Enum(webhook, "reinvocationPolicy", path, ReinvocationPolicies, "Never", errors);
        }

        if (webhook["sideEffects"] is null)
        {
            errors.Add(FieldError.Required($"{path}.sideEffects", $"must specify one of {string.Join(", ", SideEffects)}"));
        }
        else
        {
            Enum(webhook, "sideEffects", path, SideEffects, null, errors);
        }

        switch (webhook["timeoutSeconds"])
        {
            case null:
                webhook["timeoutSeconds"] = DefaultTimeoutSeconds;
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.Number && JsonNumbers.TryGetInteger(value, out var seconds):
                if (seconds is < 1 or > MaxTimeoutSeconds)
                {
                    errors.Add(FieldError.Invalid($"{path}.timeoutSeconds", value, $"the timeout value must be between 1 and {MaxTimeoutSeconds} seconds"));
                }

                break;
            case var other:
                errors.Add(FieldError.TypeInvalid($"{path}.timeoutSeconds", other, "integer"));
                break;
        }

        switch (webhook["admissionReviewVersions"])
        {
            case null:
                errors.Add(FieldError.Required($"{path}.admissionReviewVersions", "must specify one of v1"));
                break;
            case JsonArray versions when versions.All(v => ObjectMetadata.GetString(v) is not null):
                if (!versions.Any(v => ObjectMetadata.GetString(v) == "v1"))
                {
                    errors.Add(FieldError.Invalid($"{path}.admissionReviewVersions", versions, "must include at least one of v1"));
                }

                break;
            case var other:
                errors.Add(FieldError.TypeInvalid($"{path}.admissionReviewVersions", other, "array of strings"));
                break;
        }

        foreach (var selector in new[] { "namespaceSelector", "objectSelector" })
        {
            if (LabelSelector.FromJson(webhook[selector], $"{path}.{selector}", errors) is not null && webhook[selector] is null)
            {
                webhook[selector] = new JsonObject();
            }
        }
    }

    private static void ValidateClientConfig(JsonNode? node, string path, OutboundPolicy policy, List<FieldError> errors)
    {
        if (node is null)
        {
            errors.Add(FieldError.Required(path));
            return;
        }

        if (node is not JsonObject clientConfig)
        {
            errors.Add(FieldError.TypeInvalid(path, node, "object"));
            return;
        }

        if (clientConfig["service"] is not null)
        {
            errors.Add(FieldError.Forbidden($"{path}.service", "service references are not supported by this server (there are no Services); use clientConfig.url"));
            if (clientConfig["url"] is null)
            {
                return;
            }
        }

        var url = clientConfig["url"];
        if (url is not null && ObjectMetadata.GetString(url) is null)
        {
            errors.Add(FieldError.TypeInvalid($"{path}.url", url, "string"));
            return;
        }

        errors.AddRange(policy.CheckUrl($"{path}.url", ObjectMetadata.GetString(url)));

        if (clientConfig["caBundle"] is { } caBundle && (ObjectMetadata.GetString(caBundle) is not { } base64 || !IsBase64(base64)))
        {
            errors.Add(FieldError.Invalid($"{path}.caBundle", caBundle, "must be base64-encoded PEM data"));
        }
    }

    private static void ValidateRule(JsonNode? node, string path, List<FieldError> errors)
    {
        if (node is not JsonObject rule)
        {
            errors.Add(FieldError.TypeInvalid(path, node, "object"));
            return;
        }

        var operations = StringList(rule, "operations", path, errors);
        for (var i = 0; i < operations.Count; i++)
        {
            if (!Operations.Contains(operations[i]))
            {
                errors.Add(FieldError.NotSupported($"{path}.operations[{i}]", operations[i], SupportedOperations));
            }
        }

        if (operations.Count > 1 && operations.Contains("*"))
        {
            errors.Add(FieldError.Invalid($"{path}.operations", rule["operations"], "if '*' is present, must not specify other operations"));
        }

        var groups = StringList(rule, "apiGroups", path, errors);
        if (groups.Count > 1 && groups.Contains("*"))
        {
            errors.Add(FieldError.Invalid($"{path}.apiGroups", rule["apiGroups"], "if '*' is present, must not specify other API groups"));
        }

        var versions = StringList(rule, "apiVersions", path, errors);
        for (var i = 0; i < versions.Count; i++)
        {
            if (versions[i].Length == 0)
            {
                errors.Add(FieldError.Required($"{path}.apiVersions[{i}]", "version must be non-empty"));
            }
        }

        if (versions.Count > 1 && versions.Contains("*"))
        {
            errors.Add(FieldError.Invalid($"{path}.apiVersions", rule["apiVersions"], "if '*' is present, must not specify other API versions"));
        }

        var resources = StringList(rule, "resources", path, errors);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < resources.Count; i++)
        {
            var resource = resources[i];
            var parts = resource.Split('/');
            if (resource.Length == 0 || parts.Length > 2 || parts.Any(p => p.Length == 0))
            {
                errors.Add(FieldError.Invalid($"{path}.resources[{i}]", resource, "must be a resource, \"resource/subresource\", \"*\" or \"*/*\""));
            }
            else if (!seen.Add(resource))
            {
                errors.Add(FieldError.Duplicate($"{path}.resources[{i}]", resource));
            }
        }

        if (resources.Contains("*/*") && resources.Count > 1)
        {
            errors.Add(FieldError.Invalid($"{path}.resources", rule["resources"], "if '*/*' is present, must not specify other resources"));
        }
        else if (resources.Contains("*") && resources.Any(r => !r.Contains('/', StringComparison.Ordinal) && r != "*"))
        {
            errors.Add(FieldError.Invalid($"{path}.resources", rule["resources"], "if '*' is present, must not specify other resources without subresources"));
        }

        Enum(rule, "scope", path, Scopes, "*", errors);
    }

    private static List<string> StringList(JsonObject parent, string field, string path, List<FieldError> errors)
    {
        switch (parent[field])
        {
            case null:
                errors.Add(FieldError.Required($"{path}.{field}"));
                return [];
            case JsonArray array:
                var list = new List<string>();
                for (var i = 0; i < array.Count; i++)
                {
                    if (ObjectMetadata.GetString(array[i]) is { } text)
                    {
                        list.Add(text);
                    }
                    else
                    {
                        errors.Add(FieldError.TypeInvalid($"{path}.{field}[{i}]", array[i], "string"));
                    }
                }

                return list;
            case var other:
                errors.Add(FieldError.TypeInvalid($"{path}.{field}", other, "array"));
                return [];
        }
    }

    /// <summary>Checks an enumerated string field; fills in <paramref name="defaultValue"/> when it is absent.</summary>
    private static void Enum(JsonObject parent, string field, string path, string[] allowed, string? defaultValue, List<FieldError> errors)
    {
        var value = parent[field];
        if (value is null)
        {
            if (defaultValue is not null)
            {
                parent[field] = defaultValue;
            }

            return;
        }

        if (ObjectMetadata.GetString(value) is not { } text || !allowed.Contains(text))
        {
            errors.Add(FieldError.NotSupported($"{path}.{field}", value, allowed));
        }
    }

    private static IReadOnlyList<string> Strings(JsonNode? node) =>
        (node as JsonArray ?? []).Select(ObjectMetadata.GetString).OfType<string>().ToList();

    private static bool IsBase64(string text)
    {
        var buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out _);
    }
}
