using System.Text.Json.Nodes;

namespace CustomResources.Core.Errors;

/// <summary>
/// One problem with one field, in the shape of a Kubernetes <c>StatusCause</c>:
/// <see cref="Reason"/> is the cause type (<c>FieldValueInvalid</c>, ...), <see cref="Field"/> the path
/// (<c>spec.versions[0].name</c>), <see cref="Message"/> a sentence a person understands.
/// </summary>
public sealed record FieldError(string Reason, string Field, string Message)
{
    public static FieldError Required(string field, string? detail = null) =>
        new("FieldValueRequired", field, detail is null ? "Required value" : $"Required value: {detail}");

    public static FieldError Invalid(string field, JsonNode? value, string detail) =>
        new("FieldValueInvalid", field, $"Invalid value: {Render(value)}: {detail}");

    public static FieldError Invalid(string field, string value, string detail) =>
        Invalid(field, JsonValue.Create(value), detail);

    public static FieldError TypeInvalid(string field, JsonNode? value, string expectedType) =>
        new("FieldValueTypeInvalid", field, $"Invalid value: {Render(value)}: {field} in body must be of type {expectedType}: \"{TypeName(value)}\"");

    public static FieldError NotSupported(string field, JsonNode? value, IEnumerable<string> supported) =>
        new("FieldValueNotSupported", field, $"Unsupported value: {Render(value)}: supported values: {string.Join(", ", supported.Select(s => $"\"{s}\""))}");

    public static FieldError Forbidden(string field, string detail) =>
        new("FieldValueForbidden", field, $"Forbidden: {detail}");

    public static FieldError Duplicate(string field, JsonNode? value) =>
        new("FieldValueDuplicate", field, $"Duplicate value: {Render(value)}");

    public static FieldError TooLong(string field, int maxLength) =>
        new("FieldValueTooLong", field, $"Too long: may not be more than {maxLength} bytes");

    public static FieldError UnknownField(string field) =>
        new("FieldValueInvalid", field, $"unknown field \"{field}\"");

    /// <summary>Renders a value the way Kubernetes does in messages: strings quoted, others as compact JSON.</summary>
    public static string Render(JsonNode? value)
    {
        if (value is null)
        {
            return "null";
        }

        var text = value.ToJsonString();
        return text.Length > 256 ? text[..253] + "..." : text;
    }

    public static string TypeName(JsonNode? value) => value switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind() switch
        {
            System.Text.Json.JsonValueKind.String => "string",
            System.Text.Json.JsonValueKind.Number => v.ToJsonString().Contains('.', StringComparison.Ordinal) || v.ToJsonString().Contains('e', StringComparison.OrdinalIgnoreCase) ? "number" : "integer",
            System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => "boolean",
            _ => "null",
        },
        _ => "unknown",
    };
}
