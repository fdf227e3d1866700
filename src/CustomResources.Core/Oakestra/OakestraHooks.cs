using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CustomResources.Core.Errors;
using CustomResources.Core.Objects;

namespace CustomResources.Core.Oakestra;

/// <summary>
/// Oakestra-compatible hook registration (<c>/hooks</c>) mapped onto the engine's two hook types:
/// <c>pre_create</c> / <c>pre_update</c> / <c>pre_delete</c> become a validating admission webhook
/// (<c>admissionregistration.k8s.io/v1</c> ValidatingWebhookConfiguration, failure policy Fail: unlike Oakestra, a
/// failing pre-hook refuses the write instead of silently passing), and <c>post_*</c> events become an asynchronous
/// event subscription. Each object created for a hook carries the registration in an annotation, so
/// <c>GET /hooks</c> shows exactly what was registered.
/// </summary>
public sealed partial class OakestraHooks(ResourceService service)
{
    public const string RegistrationAnnotation = "oakestra.custom-resources.io/hook";
    private const string AdmissionGroup = "admissionregistration.k8s.io";
    private const string ValidatingPlural = "validatingwebhookconfigurations";
    private const string SubscriptionGroup = "events.customresources.io";
    private const string SubscriptionPlural = "subscriptions";

    private static readonly string[] PreEvents = ["pre_create", "pre_update", "pre_delete"];
    private static readonly string[] PostEvents = ["post_create", "post_update", "post_delete"];

    public async Task<JsonObject> CreateAsync(JsonNode? body, CancellationToken cancellationToken)
    {
        var registration = Validate(body);
        var name = ObjectName(registration.Name);
        var created = new List<(ResourceTarget Target, string Name)>();
        try
        {
            if (registration.Pre.Count > 0)
            {
                var target = await service.ResolveAsync(AdmissionGroup, "v1", ValidatingPlural, cancellationToken);
                await service.CreateAsync(target, null, ValidatingConfiguration(registration, name), new WriteOptions(FieldValidation.Strict), cancellationToken);
                created.Add((target, name));
            }

            foreach (var step in await PostStepsAsync(registration, name, cancellationToken))
            {
                await service.CreateAsync(step.Target, null, step.Body, new WriteOptions(FieldValidation.Strict), cancellationToken);
                created.Add((step.Target, name));
            }
        }
        catch (ApiException e)
        {
            // One hook is one registration: undo what was already created.
            foreach (var (target, objectName) in created)
            {
                await TryDeleteAsync(target, objectName, cancellationToken);
            }

            throw e.Reason == "AlreadyExists"
                ? new ApiException(409, "AlreadyExists", $"hook \"{registration.Name}\" already exists")
                : e.Code == 422 ? Invalid(e.Causes.Select(ToHookCause).ToList()) : e;
        }

        return registration.ToJson();
    }

    public async Task<JsonArray> ListAsync(CancellationToken cancellationToken)
    {
        var hooks = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var target in await HookTargetsAsync(cancellationToken))
        {
            string? token = null;
            do
            {
                var page = await service.ListAsync(target, null, new ListOptions(500, token), cancellationToken);
                foreach (var item in page.Items)
                {
                    if (ObjectMetadata.GetString(item.Object["metadata"]?["annotations"]?[RegistrationAnnotation]) is { } text
                        && JsonNode.Parse(text) is JsonObject registration
                        && ObjectMetadata.GetString(registration["hook_name"]) is { } hookName)
                    {
                        hooks[hookName] = registration;
                    }
                }

                token = page.Continue;
            }
            while (token is not null);
        }

        return new JsonArray(hooks.Values.Select(h => (JsonNode)h).ToArray());
    }

    public async Task DeleteAsync(string hookName, CancellationToken cancellationToken)
    {
        var name = ObjectName(hookName);
        var found = false;
        foreach (var target in await HookTargetsAsync(cancellationToken))
        {
            found |= await TryDeleteAsync(target, name, cancellationToken);
        }

        if (!found)
        {
            throw new ApiException(404, "NotFound", $"hook \"{hookName}\" not found");
        }
    }

    /// <summary>The Kubernetes object name a hook maps to.</summary>
    public static string ObjectName(string hookName) => $"oakestra-{hookName.Replace('_', '-')}";

    private sealed record Registration(string Name, string Url, string Entity, IReadOnlyList<string> Pre, IReadOnlyList<string> Post, IReadOnlyList<string> Events)
    {
        public JsonObject ToJson() => new()
        {
            ["hook_name"] = Name,
            ["webhook_url"] = Url,
            ["entity"] = Entity,
            ["events"] = new JsonArray(Events.Select(e => (JsonNode)JsonValue.Create(e)).ToArray()),
        };
    }

    private sealed record Step(ResourceTarget Target, JsonObject Body);

    private static Registration Validate(JsonNode? body)
    {
        if (body is not JsonObject request)
        {
            throw Invalid([FieldError.TypeInvalid("body", body, "object")]);
        }

        var errors = new List<FieldError>();
        var name = RequiredString(request, "hook_name", errors);
        if (name is not null && !HookNamePattern().IsMatch(name))
        {
            errors.Add(FieldError.Invalid("hook_name", name, "must be 1-50 characters of lower-case letters, digits, '-' and '_', starting with a letter and ending with a letter or digit"));
        }

        var url = RequiredString(request, "webhook_url", errors);
        var entity = RequiredString(request, "entity", errors);
        if (entity is not null && !OakestraFacade.IsTypeName(entity))
        {
            errors.Add(FieldError.Invalid("entity", entity, "must name a custom resource type (lower-case letters, digits and '_')"));
        }

        var events = new List<string>();
        if (request["events"] is not JsonArray list || list.Count == 0)
        {
            errors.Add(request["events"] is null or JsonArray ? FieldError.Required("events", "at least one of pre_create, pre_update, pre_delete, post_create, post_update, post_delete") : FieldError.TypeInvalid("events", request["events"], "array"));
        }
        else
        {
            for (var i = 0; i < list.Count; i++)
            {
                var value = ObjectMetadata.GetString(list[i]);
                if (value is null || !PreEvents.Concat(PostEvents).Contains(value))
                {
                    errors.Add(FieldError.NotSupported($"events[{i}]", list[i], PreEvents.Concat(PostEvents)));
                }
                else if (events.Contains(value))
                {
                    errors.Add(FieldError.Duplicate($"events[{i}]", list[i]));
                }
                else
                {
                    events.Add(value);
                }
            }
        }

        foreach (var key in request.Select(p => p.Key).Where(k => k is not ("hook_name" or "webhook_url" or "entity" or "events")))
        {
            errors.Add(FieldError.UnknownField(key));
        }

        if (errors.Count > 0)
        {
            throw Invalid(errors);
        }

        return new Registration(name!, url!, entity!, events.Where(PreEvents.Contains).ToList(), events.Where(PostEvents.Contains).ToList(), events);
    }

    private static JsonObject ValidatingConfiguration(Registration registration, string name) => new()
    {
        ["apiVersion"] = $"{AdmissionGroup}/v1",
        ["kind"] = "ValidatingWebhookConfiguration",
        ["metadata"] = Metadata(registration, name),
        ["webhooks"] = new JsonArray(new JsonObject
        {
            ["name"] = $"{name}.hooks.{OakestraFacade.Group}",
            ["clientConfig"] = new JsonObject { ["url"] = registration.Url },
            ["rules"] = new JsonArray(new JsonObject
            {
                ["operations"] = new JsonArray(registration.Pre.Select(e => (JsonNode)JsonValue.Create(e[4..].ToUpperInvariant())).ToArray()),
                ["apiGroups"] = new JsonArray(OakestraFacade.Group),
                ["apiVersions"] = new JsonArray(OakestraFacade.Version),
                ["resources"] = new JsonArray(OakestraFacade.Plural(registration.Entity)),
                ["scope"] = "Cluster",
            }),
            ["failurePolicy"] = "Fail",
            ["sideEffects"] = "None",
            ["admissionReviewVersions"] = new JsonArray("v1"),
            ["timeoutSeconds"] = 10,
        }),
    };

    /// <summary>post_* events: one event subscription, filtered to the entity's type, dead-lettering what cannot be delivered.</summary>
    private async Task<List<Step>> PostStepsAsync(Registration registration, string name, CancellationToken cancellationToken)
    {
        if (registration.Post.Count == 0)
        {
            return [];
        }

        var target = await service.ResolveAsync(SubscriptionGroup, "v1", SubscriptionPlural, cancellationToken);
        var body = new JsonObject
        {
            ["apiVersion"] = $"{SubscriptionGroup}/v1",
            ["kind"] = "Subscription",
            ["metadata"] = Metadata(registration, name),
            ["spec"] = new JsonObject
            {
                ["url"] = registration.Url,
                ["eventTypes"] = new JsonArray(registration.Post.Select(e => (JsonNode)JsonValue.Create(e[5..] + "d")).ToArray()),
                ["filter"] = new JsonObject { ["group"] = OakestraFacade.Group, ["kind"] = OakestraFacade.Kind(registration.Entity) },
                ["deadLetter"] = true,
            },
        };
        return [new Step(target, body)];
    }

    private async Task<List<ResourceTarget>> HookTargetsAsync(CancellationToken cancellationToken) =>
    [
        await service.ResolveAsync(AdmissionGroup, "v1", ValidatingPlural, cancellationToken),
        await service.ResolveAsync(SubscriptionGroup, "v1", SubscriptionPlural, cancellationToken),
    ];

    private static JsonObject Metadata(Registration registration, string name) => new()
    {
        ["name"] = name,
        ["annotations"] = new JsonObject { [RegistrationAnnotation] = registration.ToJson().ToJsonString() },
    };

    private async Task<bool> TryDeleteAsync(ResourceTarget target, string name, CancellationToken cancellationToken)
    {
        try
        {
            await service.DeleteAsync(target, null, name, new DeleteOptions(), cancellationToken);
            return true;
        }
        catch (ApiException e) when (e.Code == 404)
        {
            return false;
        }
    }

    private static string? RequiredString(JsonObject request, string field, List<FieldError> errors)
    {
        var node = request[field];
        if (ObjectMetadata.GetString(node) is { Length: > 0 } text)
        {
            return text;
        }

        errors.Add(node is null || ObjectMetadata.GetString(node) is not null ? FieldError.Required(field) : FieldError.TypeInvalid(field, node, "string"));
        return null;
    }

    /// <summary>The engine reports problems in the mapped objects' terms; the façade speaks in the request's.</summary>
    private static FieldError ToHookCause(FieldError cause) =>
        cause.Field.EndsWith("clientConfig.url", StringComparison.Ordinal) || cause.Field == "spec.url"
            ? cause with { Field = "webhook_url" }
            : cause;

    private static ApiException Invalid(IReadOnlyList<FieldError> causes) =>
        new(422, "Invalid", causes.Count == 1 ? $"hook is invalid: {causes[0].Field}: {causes[0].Message}" : $"hook is invalid: {causes.Count} problems", null, causes);

    [GeneratedRegex("^[a-z]([-a-z0-9_]{0,48}[a-z0-9])?$")]
    private static partial Regex HookNamePattern();
}
