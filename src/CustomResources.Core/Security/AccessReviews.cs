using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;
using CustomResources.Core.Errors;
using CustomResources.Core.Objects;

namespace CustomResources.Core.Security;

/// <summary>
/// <c>authorization.k8s.io/v1</c> SelfSubjectAccessReview, what <c>kubectl auth can-i</c> posts (the caller asks whether
/// they may do something), and SelfSubjectRulesReview, what <c>kubectl auth can-i --list</c> posts (the caller asks what
/// they may do in a namespace). Each comes back with <c>status</c> filled. Nothing is stored, so they are not engine
/// types: the HTTP layer routes <c>POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews</c> and
/// <c>.../selfsubjectrulesreviews</c> here, and lists <see cref="SelfSubjectAccessReviews"/> and
/// <see cref="SelfSubjectRulesReviews"/> (verb create only) in discovery.
/// </summary>
public sealed class AccessReviews(RbacAuthorizer authorizer)
{
    public const string Group = "authorization.k8s.io";
    public const string Version = "v1";
    public const string ApiVersion = Group + "/" + Version;
    public const string Kind = "SelfSubjectAccessReview";
    public const string RulesKind = "SelfSubjectRulesReview";

    /// <summary>The type as discovery shows it; not in <see cref="BuiltInDefinitions.All"/> because the engine must not store it.</summary>
    public static readonly ResourceDefinition SelfSubjectAccessReviews = new(
        Group,
        new ResourceNames("selfsubjectaccessreviews", "selfsubjectaccessreview", Kind, "SelfSubjectAccessReviewList", [], []),
        ResourceScope.Cluster,
        [new DefinitionVersion(Version, true, true, false, null, null, [], false)])
    {
        BuiltIn = true,
    };

    /// <summary>The rules review as discovery shows it; not stored either.</summary>
    public static readonly ResourceDefinition SelfSubjectRulesReviews = new(
        Group,
        new ResourceNames("selfsubjectrulesreviews", "selfsubjectrulesreview", RulesKind, "SelfSubjectRulesReviewList", [], []),
        ResourceScope.Cluster,
        [new DefinitionVersion(Version, true, true, false, null, null, [], false)])
    {
        BuiltIn = true,
    };

    /// <summary>
    /// Answers a SelfSubjectRulesReview for <paramref name="user"/>: every rule they hold in <c>spec.namespace</c> (cluster-wide
    /// grants included), split into <c>status.resourceRules</c> and <c>status.nonResourceRules</c>; <c>incomplete</c> is set
    /// when a binding names a role that does not exist. Without a namespace, only the cluster-wide grants count.
    /// Throws 400 for another kind.
    /// </summary>
    public async Task<JsonObject> RulesReviewAsync(UserInfo user, JsonNode? body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        var result = RequireKind(body, RulesKind);
        var ns = ObjectMetadata.GetString(result["spec"]?["namespace"]) ?? "";
        var errors = new List<string>();
        var rules = user.InGroup(UserInfo.MastersGroup)
            ? RbacAuthorizer.FullAuthority
            : (await authorizer.GrantsAsync(user, ns, errors, cancellationToken)).SelectMany(g => g.Rules).Distinct().ToList();
        var status = new JsonObject
        {
            ["resourceRules"] = new JsonArray(rules.Where(r => r.NonResourceUrls.Count == 0).Select(r => (JsonNode)r.ToJson()).ToArray()),
            ["nonResourceRules"] = new JsonArray(rules.Where(r => r.NonResourceUrls.Count > 0).Select(r => (JsonNode)r.ToJson()).ToArray()),
            ["incomplete"] = errors.Count > 0,
        };
        if (errors.Count > 0)
        {
            status["evaluationError"] = string.Join(", ", errors);
        }

        result["status"] = status;
        return result;
    }

    /// <summary>
    /// Answers a SelfSubjectAccessReview for <paramref name="user"/>: the request object with <c>status.allowed</c> and
    /// <c>status.reason</c> set. Throws 400 for a body that is not this kind and 422 unless the spec has exactly one of
    /// <c>resourceAttributes</c> and <c>nonResourceAttributes</c>.
    /// </summary>
    public async Task<JsonObject> ReviewAsync(UserInfo user, JsonNode? body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        var result = RequireKind(body, Kind);
        var request = Attributes(result["spec"] as JsonObject, ObjectMetadata.GetString(result["metadata"]?["name"]) ?? "");
        var decision = await authorizer.AuthorizeAsync(user, request, cancellationToken);
        var status = new JsonObject { ["allowed"] = decision.Allowed };
        if (decision.Reason.Length > 0)
        {
            status["reason"] = decision.Reason;
        }

        result["status"] = status;
        return result;
    }

    /// <summary>A copy of the body, with a metadata object, when it is a <paramref name="kind"/> of this group-version.</summary>
    private static JsonObject RequireKind(JsonNode? body, string kind)
    {
        if (body is not JsonObject review)
        {
            throw ApiException.BadRequest($"the request body must be a JSON or YAML object, not {FieldError.TypeName(body)}");
        }

        if (ObjectMetadata.GetString(review["kind"]) != kind || ObjectMetadata.GetString(review["apiVersion"]) != ApiVersion)
        {
            throw ApiException.BadRequest($"the body must be a {kind} of {ApiVersion}");
        }

        var result = (JsonObject)review.DeepClone();
        result["metadata"] = result["metadata"] as JsonObject ?? new JsonObject();
        return result;
    }

    private static RequestAttributes Attributes(JsonObject? spec, string name)
    {
        var resource = spec?["resourceAttributes"] as JsonObject;
        var nonResource = spec?["nonResourceAttributes"] as JsonObject;
        if ((resource is null) == (nonResource is null))
        {
            throw ApiException.Invalid(Kind, Group, name, [FieldError.Invalid("spec.resourceAttributes", resource?.DeepClone(), "exactly one of nonResourceAttributes or resourceAttributes must be specified")]);
        }

        if (nonResource is not null)
        {
            return RequestAttributes.ForPath(Text(nonResource, "verb"), Text(nonResource, "path"));
        }

        return RequestAttributes.ForResource(
            Text(resource!, "verb"),
            Text(resource!, "group"),
            Text(resource!, "resource"),
            Text(resource!, "namespace"),
            Text(resource!, "name"),
            Text(resource!, "subresource"),
            Text(resource!, "version"));
    }

    private static string Text(JsonObject obj, string field) => ObjectMetadata.GetString(obj[field]) ?? "";
}
