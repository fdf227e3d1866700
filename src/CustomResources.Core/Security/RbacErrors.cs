using CustomResources.Core.Errors;

namespace CustomResources.Core.Security;

/// <summary>The errors authorization answers with, worded as kube-apiserver words them (kubectl users recognise them).</summary>
public static class RbacErrors
{
    /// <summary>
    /// The 403 Status for a denied request, e.g. <c>widgets.example.com "w1" is forbidden: User "alice" cannot get resource
    /// "widgets" in API group "example.com" in the namespace "team-a"</c>; a non-empty <paramref name="reason"/> (the
    /// decision's) is appended after a colon.
    /// </summary>
    public static ApiException Forbidden(UserInfo user, RequestAttributes request, string reason = "")
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(request);
        var detail = reason.Length == 0 ? ForbiddenMessage(user, request) : $"{ForbiddenMessage(user, request)}: {reason}";
        return request.IsResourceRequest
            ? ApiException.Forbidden(request.Resource, request.ApiGroup, request.Name, detail)
            : ApiException.Forbidden("", "", "", detail);
    }

    /// <summary>Kubernetes' <c>forbiddenMessage</c>: who cannot do what, where.</summary>
    public static string ForbiddenMessage(UserInfo user, RequestAttributes request)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(request);
        if (!request.IsResourceRequest)
        {
            return $"User \"{user.Name}\" cannot {request.Verb} path \"{request.Path}\"";
        }

        var scope = request.Namespace.Length > 0 ? $"in the namespace \"{request.Namespace}\"" : "at the cluster scope";
        return $"User \"{user.Name}\" cannot {request.Verb} resource \"{request.ResourceWithSubresource}\" in API group \"{request.ApiGroup}\" {scope}";
    }
}
