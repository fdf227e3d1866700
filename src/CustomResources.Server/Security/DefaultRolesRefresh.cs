namespace CustomResources.Server.Security;

/// <summary>
/// Keeps authorization current after writes: a changed role or binding drops the RBAC read cache, and a created,
/// changed or deleted definition brings the default roles up to date (<c>view</c> and <c>edit</c> name every custom
/// API group), so either applies from the next request on.
/// </summary>
public sealed class DefaultRolesRefresh(RequestDelegate next, Core.Security.RbacReadCache cache)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        if (context.Request.Path.StartsWithSegments("/apis/rbac.authorization.k8s.io", StringComparison.Ordinal))
        {
            // Refused writes too: a write may have committed before its answer failed.
            cache.Invalidate();
        }
        else if (context.Response.StatusCode is >= 200 and < 300 && context.Request.Path.StartsWithSegments("/apis/apiextensions.k8s.io", StringComparison.Ordinal))
        {
            await SecuritySetup.RefreshDefaultRolesAsync(context.RequestServices, context.RequestAborted);
        }
    }
}
