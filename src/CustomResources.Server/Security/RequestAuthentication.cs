using CustomResources.Core.Authentication;
using CustomResources.Core.Errors;
using CustomResources.Core.Security;
using Microsoft.Extensions.Options;

namespace CustomResources.Server.Security;

/// <summary>
/// Establishes who makes each request (bearer tokens: server-issued, then Entra ID) and checks it with RBAC before any
/// endpoint runs. Refusals are Kubernetes Status objects: 401 for missing or bad credentials, 403 naming the verb,
/// resource and namespace. The user is left in <see cref="HttpContext.Items"/> for the endpoints and the audit log.
/// </summary>
public sealed partial class RequestAuthentication(
    RequestDelegate next,
    IEnumerable<IBearerAuthenticator> authenticators,
    RbacAuthorizer authorizer,
    IOptions<AuthenticationOptions> options,
    ILogger<RequestAuthentication> logger)
{
    private const string UserKey = "customresources.user";

    /// <summary>Who acts when authentication is turned off: a cluster admin (loopback-only servers, tests).</summary>
    public static UserInfo Unauthenticated { get; } = UserInfo.Authenticated("system:admin", UserInfo.MastersGroup);

    /// <summary>Paths anyone may read (GET or HEAD) without credentials: the probes and the version.</summary>
    private static readonly HashSet<string> PublicPaths = new(StringComparer.Ordinal) { "/healthz", "/livez", "/readyz", "/version", "/version/" };

    /// <summary>
    /// Trigger endpoints the Functions host posts to without credentials (see <see cref="IsTriggerInvocation"/>); they
    /// act only on what the store holds.
    /// </summary>
    private static readonly HashSet<string> TriggerPaths = new(StringComparer.Ordinal);

    /// <summary>
    /// Headers App Service's front end (and the host's HTTP proxying) add to requests from outside, and the ones
    /// ASP.NET's forwarded-headers middleware leaves in their place when it is switched on.
    /// </summary>
    private static readonly string[] FrontEndHeaders = ["X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-ARR-LOG-ID", "DISGUISED-HOST", "X-Original-URL", "X-Client-IP", "CLIENT-IP", "X-Original-For", "X-Original-Proto", "X-Original-Host"];

    private readonly IBearerAuthenticator[] authenticators = [.. authenticators];

    /// <summary>The user of the current request (after this middleware ran).</summary>
    public static UserInfo? UserOf(HttpContext context) => context?.Items[UserKey] as UserInfo;

    /// <summary>Adds a path that needs no credentials (a trigger endpoint the Functions host calls).</summary>
    public static void AllowTrigger(string path)
    {
        lock (TriggerPaths)
        {
            TriggerPaths.Add(path);
        }
    }

    private static bool IsPublic(HttpRequest request, string path)
    {
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        {
            return PublicPaths.Contains(path);
        }

        return IsTriggerInvocation(request, path);
    }

    /// <summary>
    /// Whether a request is the Functions host invoking a trigger endpoint: a POST to a registered trigger path (exact
    /// case) that did not come through the platform's front end. The catch-all HTTP function forwards outside requests
    /// to the same paths, but those carry the front end's headers; the host's own invocations (local, to the handler's
    /// port) carry none, so a forwarded one must authenticate like any other request.
    /// </summary>
    public static bool IsTriggerInvocation(HttpRequest request, string path)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!HttpMethods.IsPost(request.Method) || FrontEndHeaders.Any(request.Headers.ContainsKey))
        {
            return false;
        }

        lock (TriggerPaths)
        {
            return TriggerPaths.Contains(path);
        }
    }

    public async Task InvokeAsync(HttpContext context)
    {
        if (!options.Value.Enabled)
        {
            context.Items[UserKey] = Unauthenticated;
            await next(context);
            return;
        }

        var path = context.Request.Path.Value ?? "/";
        var user = await AuthenticateAsync(context);
        if (user is null)
        {
            if (IsPublic(context.Request, path))
            {
                context.Items[UserKey] = UserInfo.Anonymous;
                await next(context);
                return;
            }

            if (!options.Value.Anonymous)
            {
                throw new ApiException(401, "Unauthorized", "Unauthorized");
            }

            user = UserInfo.Anonymous;
        }

        context.Items[UserKey] = user;
        var attributes = RequestAttributesMapper.Map(context.Request.Method, path, context.Request.QueryString.Value);
        if (user.Namespace is { } bound && attributes.IsResourceRequest && attributes.ApiGroup != AccessReviews.Group && attributes.Namespace != bound)
        {
            // A namespace-bound token reaches only its namespace, whatever RBAC would grant elsewhere.
            throw RbacErrors.Forbidden(user, attributes, $"the token is bound to namespace \"{bound}\"");
        }

        await authorizer.EnsureAllowedAsync(user, attributes, context.RequestAborted);
        await next(context);
    }

    private async Task<UserInfo?> AuthenticateAsync(HttpContext context)
    {
        var header = context.Request.Headers.Authorization;
        if (header.Count == 0)
        {
            return null;
        }

        var value = header.Count == 1 ? header[0] ?? "" : "";
        if (!value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || value.Length > 16 * 1024)
        {
            LogRefused(logger, context.Request.Method, context.Request.Path.Value ?? "", "not a single bearer token");
            throw new ApiException(401, "Unauthorized", "Unauthorized");
        }

        var token = value["Bearer ".Length..].Trim();
        foreach (var authenticator in authenticators)
        {
            var result = await authenticator.AuthenticateAsync(token, context.RequestAborted);
            if (result.Succeeded)
            {
                return result.User;
            }

            if (result.IsRefusal)
            {
                LogRefused(logger, context.Request.Method, context.Request.Path.Value ?? "", result.Failure!);
                throw new ApiException(401, "Unauthorized", "Unauthorized");
            }
        }

        LogRefused(logger, context.Request.Method, context.Request.Path.Value ?? "", "no authenticator accepts this kind of token");
        throw new ApiException(401, "Unauthorized", "Unauthorized");
    }

    [LoggerMessage(EventId = 60, Level = LogLevel.Warning, Message = "Authentication refused for {Method} {Path}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string method, string path, string reason);
}
