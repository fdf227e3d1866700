using System.Text.Json.Nodes;

namespace CustomResources.Core.Errors;

/// <summary>Identifies the object an error is about, as in a Kubernetes <c>StatusDetails</c>.</summary>
public sealed record ErrorSubject(string Group, string Kind, string Name);

/// <summary>
/// A refused request. Core throws it; the HTTP edge renders it as a Kubernetes <c>Status</c>
/// (or RFC 9457 problem details on the Oakestra façade).
/// </summary>
public sealed class ApiException : Exception
{
    public ApiException(int code, string reason, string message, ErrorSubject? subject = null, IReadOnlyList<FieldError>? causes = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Subject = subject;
        Causes = causes ?? [];
    }

    public ApiException()
        : this(500, "InternalError", "internal error")
    {
    }

    public ApiException(string message)
        : this(500, "InternalError", message)
    {
    }

    public ApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = 500;
        Reason = "InternalError";
        Causes = [];
    }

    public int Code { get; }

    public string Reason { get; }

    public ErrorSubject? Subject { get; }

    public IReadOnlyList<FieldError> Causes { get; }

    /// <summary>Kubernetes' qualified resource text: <c>crontabs.stable.example.com</c>, or <c>namespaces</c> for the core group.</summary>
    public static string Qualified(string resource, string group) => group.Length == 0 ? resource : $"{resource}.{group}";

    public static ApiException NotFound(string resource, string group, string name) =>
        new(404, "NotFound", $"{Qualified(resource, group)} \"{name}\" not found", new ErrorSubject(group, resource, name));

    public static ApiException AlreadyExists(string resource, string group, string name) =>
        new(409, "AlreadyExists", $"{Qualified(resource, group)} \"{name}\" already exists", new ErrorSubject(group, resource, name));

    public static ApiException Conflict(string resource, string group, string name, string detail) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {Qualified(resource, group)} \"{name}\": {detail}", new ErrorSubject(group, resource, name));

    public static ApiException Invalid(string kind, string group, string name, IReadOnlyList<FieldError> causes)
    {
        var qualifiedKind = group.Length == 0 ? kind : $"{kind}.{group}";
        var message = causes.Count == 1
            ? $"{qualifiedKind} \"{name}\" is invalid: {causes[0].Field}: {causes[0].Message}"
            : $"{qualifiedKind} \"{name}\" is invalid: [{string.Join(", ", causes.Select(c => $"{c.Field}: {c.Message}"))}]";
        return new ApiException(422, "Invalid", message, new ErrorSubject(group, kind, name), causes);
    }

    /// <summary>
    /// 403 as kube-apiserver words it: <c>{resource}.{group} "{name}" is forbidden: {detail}</c>, without the name for
    /// collections, and plain <c>forbidden: {detail}</c> when the request names no resource (non-resource URLs).
    /// </summary>
    public static ApiException Forbidden(string resource, string group, string name, string detail)
    {
        if (resource.Length == 0)
        {
            return new(403, "Forbidden", $"forbidden: {detail}");
        }

        var message = name.Length == 0 ? $"{Qualified(resource, group)} is forbidden: {detail}" : $"{Qualified(resource, group)} \"{name}\" is forbidden: {detail}";
        return new(403, "Forbidden", message, new ErrorSubject(group, resource, name));
    }

    public static ApiException BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiException UnsupportedMediaType(string message) => new(415, "UnsupportedMediaType", message);

    public static ApiException NotAcceptable(string message) => new(406, "NotAcceptable", message);

    public static ApiException MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    public static ApiException RequestEntityTooLarge(string message) => new(413, "RequestEntityTooLarge", message);

    public static ApiException Gone(string message) => new(410, "Expired", message);

    public static ApiException ResourceNotFound(string message = "the server could not find the requested resource") => new(404, "NotFound", message);

    /// <summary>The Kubernetes <c>Status</c> object for this error.</summary>
    public JsonObject ToStatus()
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = Message,
            ["reason"] = Reason,
        };
        if (Subject is not null || Causes.Count > 0)
        {
            var details = new JsonObject();
            if (Subject is not null)
            {
                details["name"] = Subject.Name;
                details["group"] = Subject.Group;
                details["kind"] = Subject.Kind;
            }

            if (Causes.Count > 0)
            {
                details["causes"] = new JsonArray(Causes.Select(c => (JsonNode)new JsonObject
                {
                    ["reason"] = c.Reason,
                    ["message"] = c.Message,
                    ["field"] = c.Field,
                }).ToArray());
            }

            status["details"] = details;
        }

        status["code"] = Code;
        return status;
    }
}
