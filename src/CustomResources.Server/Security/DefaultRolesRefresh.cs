namespace CustomResources.Server.Security;

/// <summary>
/// After a definition is created, changed or deleted, brings the default roles up to date: <c>view</c> and <c>edit</c>
/// name every custom API group, so a new group is covered from the next request on.
/// </summary>
public sealed class DefaultRolesRefresh(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        if (!HttpMethods.IsGet(context.Request.Method) && context.Response.StatusCode is >= 200 and < 300
            && context.Request.Path.StartsWithSegments("/apis/apiextensions.k8s.io", StringComparison.Ordinal))
        {
            await SecuritySetup.RefreshDefaultRolesAsync(context.RequestServices, context.RequestAborted);
        }
    }
}
