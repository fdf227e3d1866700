using CustomResources.Core.Security;

namespace CustomResources.Core.Auditing;

/// <summary>
/// One audited request: who did what to which object, and how it ended (issue 6: the audit log). The HTTP edge builds
/// one per mutating request and hands it to an <see cref="IAuditSink"/>. Strings are "" when not applicable (cluster
/// scope has namespace "", a collection request has name ""), as in <see cref="Security.RequestAttributes"/>.
/// </summary>
public sealed record AuditRecord
{
    /// <summary>When the request was answered, always stored in UTC (other offsets are converted).</summary>
    public required DateTimeOffset Time { get; init => field = value.ToUniversalTime(); }

    public string RequestId { get; init; } = "";

    public string User { get; init; } = "";

    public IReadOnlyList<string> Groups { get; init; } = [];

    /// <summary>The Kubernetes verb: create, update, patch, delete, deletecollection (others are allowed, not required).</summary>
    public string Verb { get; init; } = "";

    public string ApiGroup { get; init; } = "";

    public string Resource { get; init; } = "";

    public string Subresource { get; init; } = "";

    public string Namespace { get; init; } = "";

    public string Name { get; init; } = "";

    public string Method { get; init; } = "";

    /// <summary>
    /// The request path only. Anything from <c>?</c> or <c>#</c> on is cut here, not left to callers, because query
    /// strings can carry secrets (tokens, signatures) that must never reach a log.
    /// </summary>
    public string Path { get; init => field = PathOnly(value); } = "";

    public int StatusCode { get; init; }

    /// <summary>A short outcome reason such as "Forbidden" or "Conflict"; null for success.</summary>
    public string? Reason { get; init; }

    public string? SourceIp { get; init; }

    public string? UserAgent { get; init; }

    /// <summary>
    /// A record from what the request pipeline already has: the authenticated user and the authorization attributes.
    /// <paramref name="reason"/> defaults to the Kubernetes reason for <paramref name="statusCode"/>; pass the Status
    /// reason when one was rendered (409 can be "AlreadyExists" as well as "Conflict").
    /// </summary>
    public static AuditRecord From(
        DateTimeOffset time,
        UserInfo user,
        RequestAttributes attributes,
        string method,
        string path,
        int statusCode,
        string requestId = "",
        string? reason = null,
        string? sourceIp = null,
        string? userAgent = null)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(attributes);
        return new AuditRecord
        {
            Time = time,
            RequestId = requestId,
            User = user.Name,
            Groups = [.. user.Groups],
            Verb = attributes.Verb,
            ApiGroup = attributes.ApiGroup,
            Resource = attributes.Resource,
            Subresource = attributes.Subresource,
            Namespace = attributes.Namespace,
            Name = attributes.Name,
            Method = method,
            Path = path,
            StatusCode = statusCode,
            Reason = reason ?? ReasonFor(statusCode),
            SourceIp = sourceIp,
            UserAgent = userAgent,
        };
    }

    /// <summary>The verbs that change state, the ones issue 6 requires to be audited.</summary>
    public static IReadOnlySet<string> MutatingVerbs { get; } =
        new HashSet<string>(["create", "update", "patch", "delete", "deletecollection"], StringComparer.Ordinal);

    public static bool IsMutating(string verb) => MutatingVerbs.Contains(verb);

    /// <summary>Removes the query string and fragment (and any scheme/authority) from a path or URL.</summary>
    public static string PathOnly(string? pathOrUrl)
    {
        if (string.IsNullOrEmpty(pathOrUrl))
        {
            return "";
        }

        var cut = pathOrUrl.AsSpan();
        var end = cut.IndexOfAny('?', '#');
        if (end >= 0)
        {
            cut = cut[..end];
        }

        // An absolute URL could carry user:password in its authority; keep only what follows it.
        var scheme = cut.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            var afterAuthority = cut[(scheme + 3)..];
            var slash = afterAuthority.IndexOf('/');
            cut = slash >= 0 ? afterAuthority[slash..] : "/";
        }

        return cut.ToString();
    }

    /// <summary>The Kubernetes <c>StatusReason</c> for an HTTP status code, null for success (2xx/3xx).</summary>
    public static string? ReasonFor(int statusCode) => statusCode switch
    {
        < 400 => null,
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        406 => "NotAcceptable",
        409 => "Conflict",
        410 => "Expired",
        413 => "RequestEntityTooLarge",
        415 => "UnsupportedMediaType",
        422 => "Invalid",
        429 => "TooManyRequests",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        < 500 => "BadRequest",
        _ => "InternalError",
    };

    // Groups is a list, which records compare by reference; compare by content so round trips compare equal.
    public bool Equals(AuditRecord? other) =>
        other is not null
        && Time == other.Time
        && RequestId == other.RequestId
        && User == other.User
        && Groups.SequenceEqual(other.Groups, StringComparer.Ordinal)
        && Verb == other.Verb
        && ApiGroup == other.ApiGroup
        && Resource == other.Resource
        && Subresource == other.Subresource
        && Namespace == other.Namespace
        && Name == other.Name
        && Method == other.Method
        && Path == other.Path
        && StatusCode == other.StatusCode
        && Reason == other.Reason
        && SourceIp == other.SourceIp
        && UserAgent == other.UserAgent;

    public override int GetHashCode() => HashCode.Combine(Time, RequestId, User, Verb, Resource, Namespace, Name, StatusCode);
}
