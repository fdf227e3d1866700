namespace CustomResources.Core.Security;

/// <summary>
/// What a request asks to do, the input of authorization (Kubernetes' <c>authorizer.Attributes</c>). A resource request
/// names a verb, API group, resource (plural), optional subresource, namespace ("" for cluster scope or all namespaces)
/// and name ("" for a collection); a non-resource request names a URL path and a lower-case HTTP verb.
/// </summary>
public sealed record RequestAttributes
{
    private RequestAttributes(bool isResourceRequest, string verb, string apiGroup, string apiVersion, string resource, string subresource, string ns, string name, string path)
    {
        IsResourceRequest = isResourceRequest;
        Verb = verb;
        ApiGroup = apiGroup;
        ApiVersion = apiVersion;
        Resource = resource;
        Subresource = subresource;
        Namespace = ns;
        Name = name;
        Path = path;
    }

    public bool IsResourceRequest { get; }

    /// <summary>get, list, watch, create, update, patch, delete, deletecollection (or bind, escalate, ...); for non-resource requests get, post, put, patch, delete.</summary>
    public string Verb { get; }

    public string ApiGroup { get; }

    public string ApiVersion { get; }

    public string Resource { get; }

    public string Subresource { get; }

    public string Namespace { get; }

    public string Name { get; }

    /// <summary>The URL path of a non-resource request (empty for resource requests built by hand).</summary>
    public string Path { get; }

    /// <summary><c>resource</c> or <c>resource/subresource</c>, as rules name it.</summary>
    public string ResourceWithSubresource => Subresource.Length == 0 ? Resource : $"{Resource}/{Subresource}";

    public static RequestAttributes ForResource(string verb, string apiGroup, string resource, string ns = "", string name = "", string subresource = "", string apiVersion = "", string path = "") =>
        new(true, verb, apiGroup, apiVersion, resource, subresource, ns, name, path);

    public static RequestAttributes ForPath(string verb, string path) =>
        new(false, verb, "", "", "", "", "", "", path);
}
