using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;
using CustomResources.Core.Errors;
using CustomResources.Core.Objects;
using CustomResources.Core.Outbound;
using CustomResources.Core.Serialization;
using CustomResources.Core.Storage;

namespace CustomResources.Core.Admission;

/// <summary>
/// The port through which Core calls an admission webhook: POST the AdmissionReview to <paramref name="url"/> and
/// return the parsed answer. Any exception is a failed call (subject to the webhook's failurePolicy); the caller's
/// token carries the webhook's timeout. The server implements it over its policy-enforcing outbound HTTP client.
/// </summary>
public interface IAdmissionWebhookClient
{
    Task<JsonNode?> PostAsync(Uri url, JsonObject review, CancellationToken cancellationToken);
}

/// <summary>One write as admission sees it (Kubernetes' admission attributes).</summary>
public sealed record AdmissionRequest(
    string Operation,
    ResourceDefinition Definition,
    string Version,
    string SubResource,
    string? Namespace,
    string Name,
    JsonObject? Object,
    JsonObject? OldObject,
    bool DryRun,
    JsonObject Options);

/// <summary>
/// Sync hooks: calls the registered mutating and validating admission webhooks for a write, using the Kubernetes
/// <c>admission.k8s.io/v1</c> AdmissionReview format. Mutating webhooks run one after another (configurations by
/// name, webhooks in order) and may return a JSON Patch; validating webhooks run in parallel and may only allow or
/// deny. A denial becomes the webhook's Status (code below 400 raised to 400, as in Kubernetes); a failed call under
/// failurePolicy Fail becomes a 500 naming the webhook, under Ignore it is skipped.
/// </summary>
public sealed class AdmissionWebhooks(IObjectStore store, OutboundPolicy policy, IAdmissionWebhookClient client)
{
    public OutboundPolicy Policy => policy;

    /// <summary>The registration types themselves are never subject to webhooks, so a broken hook cannot lock itself in.</summary>
    public static bool IsExempt(ResourceDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return definition.Group == WebhookConfigurations.Group
            && definition.Names.Plural is WebhookConfigurations.ValidatingPlural or WebhookConfigurations.MutatingPlural;
    }

    /// <summary>Runs the matching mutating webhooks in order and returns the (possibly patched) object.</summary>
    public async Task<JsonObject> MutateAsync(AdmissionRequest request, List<string> warnings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(warnings);
        var obj = request.Object ?? throw new ArgumentException("a mutating admission request needs an object", nameof(request));
        if (IsExempt(request.Definition) || request.Operation == "DELETE")
        {
            return obj;
        }

        var hooks = await MatchingAsync(WebhookConfigurations.MutatingPlural, request, cancellationToken);
        foreach (var hook in hooks)
        {
            var current = request with { Object = obj };
            var response = await CallAsync(hook, current, cancellationToken);
            if (response is null)
            {
                continue;
            }

            AddWarnings(response, warnings);
            if (Denial(hook, response) is { } denial)
            {
                throw denial;
            }

            if (response["patch"] is null)
            {
                continue;
            }

            try
            {
                obj = ApplyPatch(obj, response);
            }
            catch (AdmissionCallException e)
            {
                if (!hook.IgnoreFailures)
                {
                    throw Failed(hook, e.Message);
                }
            }
        }

        return obj;
    }

    /// <summary>Runs the matching validating webhooks (in parallel); throws the first denial or failure in order.</summary>
    public async Task ValidateAsync(AdmissionRequest request, List<string> warnings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(warnings);
        if (IsExempt(request.Definition))
        {
            return;
        }

        var hooks = await MatchingAsync(WebhookConfigurations.ValidatingPlural, request, cancellationToken);
        if (hooks.Count == 0)
        {
            return;
        }

        var outcomes = await Task.WhenAll(hooks.Select(async hook =>
        {
            try
            {
                return (Response: await CallAsync(hook, request, cancellationToken), Error: (ApiException?)null);
            }
            catch (ApiException e)
            {
                return (Response: null, Error: e);
            }
        }));

        for (var i = 0; i < hooks.Count; i++)
        {
            if (outcomes[i].Response is { } response)
            {
                AddWarnings(response, warnings);
            }
        }

        for (var i = 0; i < hooks.Count; i++)
        {
            var (response, error) = outcomes[i];
            if (error is not null)
            {
                throw error;
            }

            if (response is not null && Denial(hooks[i], response) is { } denial)
            {
                throw denial;
            }
        }
    }

    /// <summary>Does <paramref name="rule"/> cover this operation on this resource (and subresource)?</summary>
    public static bool RuleMatches(WebhookRule rule, string operation, string group, string version, string resource, string subResource, bool namespaced)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return (rule.Operations.Contains("*") || rule.Operations.Contains(operation))
            && (rule.ApiGroups.Contains("*") || rule.ApiGroups.Contains(group))
            && (rule.ApiVersions.Contains("*") || rule.ApiVersions.Contains(version))
            && rule.Resources.Any(r => ResourceMatches(r, resource, subResource))
            && rule.Scope switch
            {
                "Cluster" => !namespaced,
                "Namespaced" => namespaced,
                _ => true,
            };
    }

    private static bool ResourceMatches(string pattern, string resource, string subResource)
    {
        var slash = pattern.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return subResource.Length == 0 && (pattern == "*" || pattern == resource);
        }

        var resourcePart = pattern[..slash];
        var subPart = pattern[(slash + 1)..];
        return (resourcePart == "*" || resourcePart == resource)
            && (subPart == "*" ? true : subPart == subResource);
    }

    private async Task<List<Webhook>> MatchingAsync(string plural, AdmissionRequest request, CancellationToken cancellationToken)
    {
        var configurations = new List<StoredObject>();
        await foreach (var item in store.ListAllAsync(new CollectionKey(WebhookConfigurations.Group, plural, ""), cancellationToken))
        {
            configurations.Add(item);
        }

        var definition = request.Definition;
        var candidates = configurations
            .OrderBy(c => ObjectMetadata.Name(c.Object), StringComparer.Ordinal)
            .SelectMany(c => WebhookConfigurations.Parse(c.Object))
            .Where(h => h.Rules.Any(r => RuleMatches(r, request.Operation, definition.Group, request.Version, definition.Names.Plural, request.SubResource, definition.Namespaced)))
            .Where(h => h.ObjectSelector.IsEverything
                || h.ObjectSelector.Matches(Labels(request.Object))
                || (request.OldObject is not null && h.ObjectSelector.Matches(Labels(request.OldObject))))
            .ToList();
        if (candidates.All(h => h.NamespaceSelector.IsEverything))
        {
            return candidates;
        }

        var namespaceLabels = await NamespaceLabelsAsync(request, cancellationToken);
        return candidates.Where(h => h.NamespaceSelector.IsEverything || (namespaceLabels is not null && h.NamespaceSelector.Matches(namespaceLabels)) || (namespaceLabels is null && !definition.Namespaced)).ToList();
    }

    /// <summary>The labels a namespaceSelector is matched against: the object's namespace, or a Namespace's own labels; null for other cluster-scoped objects.</summary>
    private async Task<JsonObject?> NamespaceLabelsAsync(AdmissionRequest request, CancellationToken cancellationToken)
    {
        if (request.Definition == BuiltInDefinitions.Namespaces)
        {
            return Labels(request.Object ?? request.OldObject) ?? [];
        }

        if (!request.Definition.Namespaced || string.IsNullOrEmpty(request.Namespace))
        {
            return null;
        }

        var ns = await store.GetAsync(new ObjectKey("", "namespaces", "", request.Namespace), cancellationToken);
        return Labels(ns?.Object) ?? [];
    }

    private static JsonObject? Labels(JsonObject? obj) => obj?["metadata"]?["labels"] as JsonObject;

    /// <summary>Calls one webhook; returns its <c>response</c>, or null when the call failed and the webhook ignores failures.</summary>
    private async Task<JsonObject?> CallAsync(Webhook hook, AdmissionRequest request, CancellationToken cancellationToken)
    {
        var uid = Guid.NewGuid().ToString();
        var review = Review(uid, request);
        string? failure;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(hook.TimeoutSeconds));
            JsonNode? answer;
            try
            {
                answer = await client.PostAsync(new Uri(hook.Url), review, timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new AdmissionCallException($"failed to call webhook: Post \"{hook.Url}\": context deadline exceeded (timeout {hook.TimeoutSeconds}s)");
            }

            return ReadResponse(answer, uid);
        }
        catch (AdmissionCallException e)
        {
            failure = e.Message;
        }
#pragma warning disable CA1031 // Any failure of a user's webhook is reported per its failurePolicy, never as a server crash.
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            failure = $"failed to call webhook: Post \"{hook.Url}\": {e.Message}";
        }

        if (hook.IgnoreFailures)
        {
            return null;
        }

        throw Failed(hook, failure);
    }

    private static JsonObject ReadResponse(JsonNode? answer, string uid)
    {
        if (answer is not JsonObject review
            || ObjectMetadata.GetString(review["apiVersion"]) != "admission.k8s.io/v1"
            || ObjectMetadata.GetString(review["kind"]) != "AdmissionReview")
        {
            throw new AdmissionCallException("expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview");
        }

        if (review["response"] is not JsonObject response)
        {
            throw new AdmissionCallException("webhook response was absent");
        }

        var answered = ObjectMetadata.GetString(response["uid"]);
        if (answered != uid)
        {
            throw new AdmissionCallException($"expected response.uid=\"{uid}\", got \"{answered}\"");
        }

        if (response["allowed"] is not JsonValue allowed || !allowed.TryGetValue<bool>(out _))
        {
            throw new AdmissionCallException("webhook response.allowed must be a boolean");
        }

        return response;
    }

    private static ApiException? Denial(Webhook hook, JsonObject response)
    {
        if (response["allowed"]!.GetValue<bool>())
        {
            return null;
        }

        var status = response["status"] as JsonObject;
        var code = status?["code"] is JsonValue c && JsonNumbers.TryGetInteger(c, out var value) ? value : 0;
        if (code is < 400 or > 599)
        {
            // Kubernetes (webhookerrors.ToStatusErr) never answers a rejection below 400; it uses 400 then.
            code = 400;
        }

        var message = ObjectMetadata.GetString(status?["message"]) ?? "";
        var reason = ObjectMetadata.GetString(status?["reason"]) ?? "";
        var deniedBy = $"admission webhook \"{hook.Name}\" denied the request";
        var text = message.Length > 0 ? $"{deniedBy}: {message}" : reason.Length > 0 ? $"{deniedBy}: {reason}" : $"{deniedBy} without explanation";
        return new ApiException((int)code, reason, text);
    }

    private static JsonObject ApplyPatch(JsonObject obj, JsonObject response)
    {
        var patchType = ObjectMetadata.GetString(response["patchType"]);
        if (patchType != "JSONPatch")
        {
            throw new AdmissionCallException($"unsupported patch type \"{patchType}\"; only JSONPatch is supported");
        }

        JsonNode? operations;
        try
        {
            var bytes = Convert.FromBase64String(ObjectMetadata.GetString(response["patch"]) ?? "");
            operations = JsonNode.Parse(bytes);
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException)
        {
            throw new AdmissionCallException($"received undecodable patch in webhook response: {e.Message}");
        }

        JsonNode? patched;
        try
        {
            patched = JsonPatch.Apply(obj.DeepClone(), operations);
        }
        catch (PatchException e)
        {
            throw new AdmissionCallException($"the webhook's patch could not be applied: {e.Message}");
        }

        if (patched is not JsonObject result || result["metadata"] is not JsonObject)
        {
            throw new AdmissionCallException("the webhook's patch must leave an object with metadata");
        }

        if (ObjectMetadata.GetString(result["apiVersion"]) != ObjectMetadata.GetString(obj["apiVersion"])
            || ObjectMetadata.GetString(result["kind"]) != ObjectMetadata.GetString(obj["kind"]))
        {
            throw new AdmissionCallException("the webhook's patch may not change apiVersion or kind");
        }

        return result;
    }

    private static void AddWarnings(JsonObject response, List<string> warnings)
    {
        if (response["warnings"] is JsonArray list)
        {
            lock (warnings)
            {
                warnings.AddRange(list.Select(ObjectMetadata.GetString).OfType<string>().Where(w => w.Length > 0).Select(w => w.Length > 256 ? w[..256] : w));
            }
        }
    }

    private static ApiException Failed(Webhook hook, string detail) =>
        new(500, "InternalError", $"Internal error occurred: failed calling webhook \"{hook.Name}\": {detail}");

    /// <summary>The AdmissionReview v1 request body sent to a webhook.</summary>
    public static JsonObject Review(string uid, AdmissionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var definition = request.Definition;
        var kind = new JsonObject { ["group"] = definition.Group, ["version"] = request.Version, ["kind"] = definition.Names.Kind };
        var resource = new JsonObject { ["group"] = definition.Group, ["version"] = request.Version, ["resource"] = definition.Names.Plural };
        var body = new JsonObject
        {
            ["uid"] = uid,
            ["kind"] = kind,
            ["resource"] = resource,
        };
        if (request.SubResource.Length > 0)
        {
            body["subResource"] = request.SubResource;
        }

        body["requestKind"] = kind.DeepClone();
        body["requestResource"] = resource.DeepClone();
        if (request.SubResource.Length > 0)
        {
            body["requestSubResource"] = request.SubResource;
        }

        if (request.Name.Length > 0)
        {
            body["name"] = request.Name;
        }

        if (!string.IsNullOrEmpty(request.Namespace))
        {
            body["namespace"] = request.Namespace;
        }

        body["operation"] = request.Operation;
        body["userInfo"] = new JsonObject
        {
            ["username"] = "system:anonymous",
            ["groups"] = new JsonArray("system:unauthenticated"),
        };
        body["object"] = request.Object?.DeepClone();
        body["oldObject"] = request.OldObject?.DeepClone();
        body["dryRun"] = request.DryRun;
        body["options"] = request.Options.DeepClone();
        return new JsonObject
        {
            ["apiVersion"] = "admission.k8s.io/v1",
            ["kind"] = "AdmissionReview",
            ["request"] = body,
        };
    }

    /// <summary>The <c>options</c> object of a request: CreateOptions, UpdateOptions or DeleteOptions.</summary>
    public static JsonObject Options(string operation, bool dryRun, string? propagationPolicy = null)
    {
        var options = new JsonObject
        {
            ["apiVersion"] = "meta.k8s.io/v1",
            ["kind"] = operation switch
            {
                "CREATE" => "CreateOptions",
                "UPDATE" => "UpdateOptions",
                _ => "DeleteOptions",
            },
        };
        if (dryRun)
        {
            options["dryRun"] = new JsonArray("All");
        }

        if (propagationPolicy is not null)
        {
            options["propagationPolicy"] = propagationPolicy;
        }

        return options;
    }
}

/// <summary>A webhook call that did not produce a usable answer (transport error, timeout, malformed response).</summary>
public sealed class AdmissionCallException : Exception
{
    public AdmissionCallException()
    {
    }

    public AdmissionCallException(string message)
        : base(message)
    {
    }

    public AdmissionCallException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
