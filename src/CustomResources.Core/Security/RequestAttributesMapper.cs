namespace CustomResources.Core.Security;

/// <summary>
/// Maps a Kubernetes API request (method, path, query) to <see cref="RequestAttributes"/>, as kube-apiserver's
/// <c>RequestInfoFactory</c> does. Pure: no HTTP types, so the edge passes <c>Request.Method</c>, <c>Request.Path</c>
/// and <c>Request.QueryString</c>.
/// </summary>
/// <remarks>
/// Paths under <c>/api/{version}/...</c> and <c>/apis/{group}/{version}/...</c> naming a resource are resource requests:
/// GET item = get, GET collection = list (watch with <c>watch=true</c> or the legacy <c>/watch/</c> segment), POST = create,
/// PUT = update, PATCH = patch, DELETE item = delete, DELETE collection = deletecollection. Everything else (discovery
/// documents <c>/api</c>, <c>/apis</c>, <c>/apis/{group}[/{version}]</c>, <c>/openapi/*</c>, <c>/version</c>, <c>/healthz</c>,
/// the Oakestra façade, ...) is a non-resource request whose verb is the lower-case HTTP method.
/// As in Kubernetes, a request on one namespace object (<c>/api/v1/namespaces/{ns}</c>) carries that namespace too, and a
/// list or watch whose field selector pins <c>metadata.name</c> carries the name (so resourceNames rules can allow it).
/// </remarks>
public static class RequestAttributesMapper
{
    // Subresources of a namespace object: /api/v1/namespaces/{ns}/status is the namespace's status, not a resource "status".
    private static readonly string[] NamespaceSubresources = ["status", "finalize"];

    public static RequestAttributes Map(string method, string path, string? queryString = null)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(path);
        var parts = path.Trim('/').Split('/', StringSplitOptions.None);
        var nonResource = RequestAttributes.ForPath(method.ToLowerInvariant(), path.Length == 0 ? "/" : path);

        // Shortest resource path: /api/{version}/{resource} or /apis/{group}/{version}/{resource}.
        var prefixLength = parts[0] switch
        {
            "api" => 2,
            "apis" => 3,
            _ => -1,
        };
        if (prefixLength < 0 || parts.Length <= prefixLength || parts.Any(p => p.Length == 0))
        {
            return nonResource;
        }

        var group = prefixLength == 3 ? parts[1] : "";
        var version = parts[prefixLength - 1];
        var rest = parts[prefixLength..];

        string verb;
        if (rest[0] == "watch")
        {
            // The deprecated /watch/ path segment: /api/v1/watch/namespaces/{ns}/{resource}.
            if (rest.Length < 2)
            {
                return nonResource;
            }

            verb = "watch";
            rest = rest[1..];
        }
        else
        {
            verb = method.ToUpperInvariant() switch
            {
                "GET" or "HEAD" => "get",
                "POST" => "create",
                "PUT" => "update",
                "PATCH" => "patch",
                "DELETE" => "delete",
                _ => method.ToLowerInvariant(),
            };
        }

        var ns = "";
        if (rest[0] == "namespaces" && rest.Length > 1)
        {
            ns = rest[1];
            if (rest.Length > 2 && !NamespaceSubresources.Contains(rest[2], StringComparer.Ordinal))
            {
                rest = rest[2..];
            }
        }

        var resource = rest[0];
        var name = rest.Length >= 2 ? rest[1] : "";
        var subresource = rest.Length >= 3 ? string.Join('/', rest[2..]) : "";
        var query = ParseQuery(queryString);
        if (name.Length == 0)
        {
            if (verb == "get")
            {
                verb = IsTrue(query.GetValueOrDefault("watch")) ? "watch" : "list";
            }
            else if (verb == "delete")
            {
                verb = "deletecollection";
            }

            if ((verb is "list" or "watch") && PinnedName(query.GetValueOrDefault("fieldSelector")) is { } pinned)
            {
                name = pinned;
            }
        }

        return RequestAttributes.ForResource(verb, group, resource, ns, name, subresource, version, path);
    }

    private static bool IsTrue(string? value) =>
        value is not null && (value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase) || value.Equals("t", StringComparison.OrdinalIgnoreCase));

    /// <summary>The name a field selector pins with a single <c>metadata.name=</c> (or <c>==</c>) requirement, else null.</summary>
    private static string? PinnedName(string? fieldSelector)
    {
        if (string.IsNullOrEmpty(fieldSelector) || fieldSelector.Contains(',', StringComparison.Ordinal))
        {
            return null;
        }

        foreach (var prefix in new[] { "metadata.name==", "metadata.name=" })
        {
            if (fieldSelector.StartsWith(prefix, StringComparison.Ordinal) && fieldSelector.Length > prefix.Length)
            {
                return fieldSelector[prefix.Length..];
            }
        }

        return null;
    }

    private static Dictionary<string, string> ParseQuery(string? queryString)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(queryString))
        {
            return result;
        }

        foreach (var pair in queryString.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Decode(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : Decode(pair[(equals + 1)..]);

            // The first occurrence wins, as Go's url.Values.Get reads it.
            result.TryAdd(key, value);
        }

        return result;
    }

    private static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));
}
