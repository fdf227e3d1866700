using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CustomResources.Core.Errors;

namespace CustomResources.Core.Objects;

/// <summary>Kubernetes naming rules (DNS-1123 subdomain and label, DNS-1035 label, qualified names, label values).</summary>
public static partial class NameRules
{
    public const int SubdomainMaxLength = 253;
    public const int LabelMaxLength = 63;
    public const int AnnotationsMaxBytes = 256 * 1024;

    public static bool IsDns1123Subdomain(string value) =>
        value.Length is > 0 and <= SubdomainMaxLength && Dns1123Subdomain().IsMatch(value);

    public static bool IsDns1123Label(string value) =>
        value.Length is > 0 and <= LabelMaxLength && Dns1123Label().IsMatch(value);

    public static bool IsDns1035Label(string value) =>
        value.Length is > 0 and <= LabelMaxLength && Dns1035Label().IsMatch(value);

    /// <summary>Problems with an object name (DNS-1123 subdomain).</summary>
    public static IEnumerable<FieldError> CheckSubdomain(string field, string value)
    {
        if (value.Length > SubdomainMaxLength)
        {
            yield return FieldError.Invalid(field, value, $"must be no more than {SubdomainMaxLength} characters");
        }
        else if (!Dns1123Subdomain().IsMatch(value))
        {
            yield return FieldError.Invalid(field, value, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
        }
    }

    /// <summary>Problems with a DNS-1123 label (namespace names).</summary>
    public static IEnumerable<FieldError> CheckLabel(string field, string value)
    {
        if (value.Length > LabelMaxLength)
        {
            yield return FieldError.Invalid(field, value, $"must be no more than {LabelMaxLength} characters");
        }
        else if (!Dns1123Label().IsMatch(value))
        {
            yield return FieldError.Invalid(field, value, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
        }
    }

    /// <summary>Problems with a DNS-1035 label (resource plural/singular names, version names).</summary>
    public static IEnumerable<FieldError> CheckDns1035(string field, string value)
    {
        if (value.Length > LabelMaxLength)
        {
            yield return FieldError.Invalid(field, value, $"must be no more than {LabelMaxLength} characters");
        }
        else if (!Dns1035Label().IsMatch(value))
        {
            yield return FieldError.Invalid(field, value, "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name', or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')");
        }
    }

    /// <summary>Problems with a label or annotation key (optional DNS subdomain prefix, '/', name).</summary>
    public static IEnumerable<FieldError> CheckQualifiedName(string field, string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var name = slash < 0 ? key : key[(slash + 1)..];
        if (slash >= 0)
        {
            var prefix = key[..slash];
            if (prefix.Length == 0)
            {
                yield return FieldError.Invalid(field, key, "prefix part must be non-empty");
            }
            else if (!IsDns1123Subdomain(prefix))
            {
                yield return FieldError.Invalid(field, key, "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character");
            }
        }

        if (name.Length == 0)
        {
            yield return FieldError.Invalid(field, key, "name part must be non-empty");
        }
        else if (name.Length > LabelMaxLength)
        {
            yield return FieldError.Invalid(field, key, $"name part must be no more than {LabelMaxLength} characters");
        }
        else if (!QualifiedNamePart().IsMatch(name))
        {
            yield return FieldError.Invalid(field, key, "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', or 'my.name', or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
        }
    }

    /// <summary>Problems with a label value (empty, or up to 63 characters of the qualified-name alphabet).</summary>
    public static IEnumerable<FieldError> CheckLabelValue(string field, string value)
    {
        if (value.Length > LabelMaxLength)
        {
            yield return FieldError.Invalid(field, value, $"must be no more than {LabelMaxLength} characters");
        }
        else if (value.Length > 0 && !QualifiedNamePart().IsMatch(value))
        {
            yield return FieldError.Invalid(field, value, "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue', or 'my_value', or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
        }
    }

    /// <summary>A string-to-string map (labels, annotations): every entry must be a string.</summary>
    public static IEnumerable<FieldError> CheckStringMap(string field, JsonNode? map)
    {
        if (map is null)
        {
            yield break;
        }

        if (map is not JsonObject obj)
        {
            yield return FieldError.TypeInvalid(field, map, "object");
            yield break;
        }

        foreach (var (key, value) in obj)
        {
            if (value is not JsonValue v || v.GetValueKind() != System.Text.Json.JsonValueKind.String)
            {
                yield return FieldError.TypeInvalid($"{field}[{key}]", value, "string");
            }
        }
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035Label();

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex QualifiedNamePart();
}
