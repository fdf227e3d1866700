using CustomResources.Core.Security;
using CustomResources.Server.Http;

namespace CustomResources.Server.Security;

/// <summary>
/// <c>authorization.k8s.io/v1</c> SelfSubjectAccessReview and SelfSubjectRulesReview (<c>kubectl auth can-i</c>, with
/// <c>--list</c>): create-only, answered from RBAC for the caller, never stored. kubectl posts them as protobuf.
/// </summary>
public static class AccessReviewApi
{
    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", (HttpContext context, AccessReviews reviews) =>
            ReviewAsync(context, (user, body, ct) => reviews.ReviewAsync(user, body, ct)));
        app.MapPost("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", (HttpContext context, AccessReviews reviews) =>
            ReviewAsync(context, (user, body, ct) => reviews.RulesReviewAsync(user, body, ct)));
    }

    private static async Task ReviewAsync(HttpContext context, Func<UserInfo, System.Text.Json.Nodes.JsonNode?, CancellationToken, Task<System.Text.Json.Nodes.JsonObject>> review)
    {
        var ct = context.RequestAborted;
        var bytes = await HttpIo.ReadBodyAsync(context.Request, ct);
        var body = RbacProtobuf.IsProtobuf(context.Request.ContentType) ? RbacProtobuf.Decode(bytes) : HttpIo.Parse(bytes, HttpIo.ContentType(context.Request));
        var user = RequestAuthentication.UserOf(context) ?? UserInfo.Anonymous;
        await HttpIo.WriteAsync(context, 201, await review(user, body, ct), HttpIo.Negotiate(context.Request) == ResponseFormat.Yaml ? ResponseFormat.Yaml : ResponseFormat.Json);
    }
}
