using System.Text;
using System.Text.Json.Nodes;
using CustomResources.Core.Errors;

namespace CustomResources.Core.Security;

/// <summary>
/// Decodes the Kubernetes protobuf request bodies kubectl sends for RBAC: its typed clients post
/// <c>application/vnd.kubernetes.protobuf</c> (and accept JSON back) for <c>kubectl create role|clusterrole|rolebinding|clusterrolebinding</c>
/// and for the SelfSubjectAccessReview and SelfSubjectRulesReview of <c>kubectl auth can-i [--list]</c>. Only those kinds are known; the result is the JSON form
/// the engine takes. Fields kubectl never sets (timestamps, owner references, managed fields) are skipped.
/// </summary>
public static class RbacProtobuf
{
    public const string ContentType = "application/vnd.kubernetes.protobuf";

    // "k8s\0": the prefix of every Kubernetes protobuf envelope (runtime.Unknown follows).
    private static readonly byte[] Magic = [0x6b, 0x38, 0x73, 0x00];

    public static bool IsProtobuf(string? contentType) =>
        contentType is not null && contentType.Split(';')[0].Trim().Equals(ContentType, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The JSON object of a protobuf body. Throws 415 for a kind it does not know (send JSON instead) and 400 for a body
    /// that is not a Kubernetes protobuf envelope.
    /// </summary>
    public static JsonObject Decode(ReadOnlySpan<byte> body)
    {
        if (!body.StartsWith(Magic))
        {
            throw ApiException.BadRequest("the protobuf body does not start with the Kubernetes envelope prefix");
        }

        try
        {
            var envelope = ReadMessage(body[Magic.Length..], Unknown);
            var apiVersion = (string?)envelope["typeMeta"]?["apiVersion"] ?? "";
            var kind = (string?)envelope["typeMeta"]?["kind"] ?? "";
            if (!Kinds.TryGetValue($"{apiVersion}/{kind}", out var message))
            {
                throw ApiException.UnsupportedMediaType($"{ContentType} is accepted only for RBAC objects and self-subject reviews, not {apiVersion} {kind}; send application/json");
            }

            var raw = Convert.FromBase64String((string?)envelope["raw"] ?? "");
            var obj = ReadMessage(raw, message);
            var result = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind };
            foreach (var (name, value) in obj.ToList())
            {
                obj.Remove(name);
                result[name] = value;
            }

            return result;
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw ApiException.BadRequest($"the protobuf body could not be decoded: {e.Message}");
        }
    }

    private enum FieldType
    {
        String,
        Bytes,
        Strings,
        StringMap,
        Message,
        Messages,
    }

    private sealed record Field(string Name, FieldType Type, Dictionary<int, Field>? Message = null);

    private static Dictionary<int, Field> Fields(params (int Number, Field Field)[] fields) => fields.ToDictionary(f => f.Number, f => f.Field);

    private static readonly Dictionary<int, Field> TypeMeta = Fields((1, new("apiVersion", FieldType.String)), (2, new("kind", FieldType.String)));

    private static readonly Dictionary<int, Field> Unknown = Fields((1, new("typeMeta", FieldType.Message, TypeMeta)), (2, new("raw", FieldType.Bytes)));

    private static readonly Dictionary<int, Field> ObjectMeta = Fields(
        (1, new("name", FieldType.String)),
        (2, new("generateName", FieldType.String)),
        (3, new("namespace", FieldType.String)),
        (5, new("uid", FieldType.String)),
        (6, new("resourceVersion", FieldType.String)),
        (11, new("labels", FieldType.StringMap)),
        (12, new("annotations", FieldType.StringMap)),
        (14, new("finalizers", FieldType.Strings)));

    private static readonly Dictionary<int, Field> PolicyRule = Fields(
        (1, new("verbs", FieldType.Strings)),
        (2, new("apiGroups", FieldType.Strings)),
        (3, new("resources", FieldType.Strings)),
        (4, new("resourceNames", FieldType.Strings)),
        (5, new("nonResourceURLs", FieldType.Strings)));

    private static readonly Dictionary<int, Field> LabelSelector = Fields(
        (1, new("matchLabels", FieldType.StringMap)),
        (2, new("matchExpressions", FieldType.Messages, Fields((1, new("key", FieldType.String)), (2, new("operator", FieldType.String)), (3, new("values", FieldType.Strings))))));

    private static readonly Dictionary<int, Field> Role = Fields((1, new("metadata", FieldType.Message, ObjectMeta)), (2, new("rules", FieldType.Messages, PolicyRule)));

    private static readonly Dictionary<int, Field> ClusterRole = Fields(
        (1, new("metadata", FieldType.Message, ObjectMeta)),
        (2, new("rules", FieldType.Messages, PolicyRule)),
        (3, new("aggregationRule", FieldType.Message, Fields((1, new("clusterRoleSelectors", FieldType.Messages, LabelSelector))))));

    private static readonly Dictionary<int, Field> Binding = Fields(
        (1, new("metadata", FieldType.Message, ObjectMeta)),
        (2, new("subjects", FieldType.Messages, Fields((1, new("kind", FieldType.String)), (2, new("apiGroup", FieldType.String)), (3, new("name", FieldType.String)), (4, new("namespace", FieldType.String))))),
        (3, new("roleRef", FieldType.Message, Fields((1, new("apiGroup", FieldType.String)), (2, new("kind", FieldType.String)), (3, new("name", FieldType.String))))));

    private static readonly Dictionary<int, Field> SelfSubjectAccessReview = Fields(
        (1, new("metadata", FieldType.Message, ObjectMeta)),
        (2, new("spec", FieldType.Message, Fields(
            (1, new("resourceAttributes", FieldType.Message, Fields(
                (1, new("namespace", FieldType.String)),
                (2, new("verb", FieldType.String)),
                (3, new("group", FieldType.String)),
                (4, new("version", FieldType.String)),
                (5, new("resource", FieldType.String)),
                (6, new("subresource", FieldType.String)),
                (7, new("name", FieldType.String))))),
            (2, new("nonResourceAttributes", FieldType.Message, Fields((1, new("path", FieldType.String)), (2, new("verb", FieldType.String)))))))));

    private static readonly Dictionary<int, Field> SelfSubjectRulesReview = Fields(
        (1, new("metadata", FieldType.Message, ObjectMeta)),
        (2, new("spec", FieldType.Message, Fields((1, new("namespace", FieldType.String))))));

    private static readonly Dictionary<string, Dictionary<int, Field>> Kinds = new(StringComparer.Ordinal)
    {
        [$"{RbacDefinitions.ApiVersion}/Role"] = Role,
        [$"{RbacDefinitions.ApiVersion}/ClusterRole"] = ClusterRole,
        [$"{RbacDefinitions.ApiVersion}/RoleBinding"] = Binding,
        [$"{RbacDefinitions.ApiVersion}/ClusterRoleBinding"] = Binding,
        [$"{AccessReviews.ApiVersion}/{AccessReviews.Kind}"] = SelfSubjectAccessReview,
        [$"{AccessReviews.ApiVersion}/{AccessReviews.RulesKind}"] = SelfSubjectRulesReview,
    };

    /// <summary>Reads one message; empty strings are left out (as Kubernetes' JSON omits them), present messages are kept.</summary>
    private static JsonObject ReadMessage(ReadOnlySpan<byte> data, Dictionary<int, Field> fields)
    {
        var obj = new JsonObject();
        var position = 0;
        while (position < data.Length)
        {
            var tag = ReadVarint(data, ref position);
            var number = (int)(tag >> 3);
            var wireType = (int)(tag & 7);
            if (wireType != 2)
            {
                Skip(data, ref position, wireType);
                continue;
            }

            var length = checked((int)ReadVarint(data, ref position));
            if (length < 0 || position + length > data.Length)
            {
                throw new FormatException("a field runs past the end of its message");
            }

            var value = data.Slice(position, length);
            position += length;
            if (fields.TryGetValue(number, out var field))
            {
                Store(obj, field, value);
            }
        }

        return obj;
    }

    private static void Store(JsonObject obj, Field field, ReadOnlySpan<byte> value)
    {
        switch (field.Type)
        {
            case FieldType.String:
                if (value.Length > 0)
                {
                    obj[field.Name] = Utf8(value);
                }

                break;
            case FieldType.Bytes:
                obj[field.Name] = Convert.ToBase64String(value);
                break;
            case FieldType.Strings:
                List(obj, field.Name).Add(Utf8(value));
                break;
            case FieldType.StringMap:
                var entry = ReadMessage(value, MapEntry);
                var map = obj[field.Name] as JsonObject ?? new JsonObject();
                map[(string?)entry["key"] ?? ""] = (string?)entry["value"] ?? "";
                obj[field.Name] = map;
                break;
            case FieldType.Message:
                obj[field.Name] = ReadMessage(value, field.Message!);
                break;
            case FieldType.Messages:
                List(obj, field.Name).Add(ReadMessage(value, field.Message!));
                break;
        }
    }

    private static readonly Dictionary<int, Field> MapEntry = Fields((1, new("key", FieldType.String)), (2, new("value", FieldType.String)));

    private static JsonArray List(JsonObject obj, string name)
    {
        if (obj[name] is not JsonArray list)
        {
            list = [];
            obj[name] = list;
        }

        return list;
    }

    private static string Utf8(ReadOnlySpan<byte> value)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(value);
        }
        catch (DecoderFallbackException e)
        {
            throw new FormatException("a string field is not UTF-8", e);
        }
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int position)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= data.Length)
            {
                throw new FormatException("a varint runs past the end of the body");
            }

            var b = data[position++];
            result |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw new FormatException("a varint is longer than 10 bytes");
    }

    private static void Skip(ReadOnlySpan<byte> data, ref int position, int wireType)
    {
        var skip = wireType switch
        {
            0 => 0,
            1 => 8,
            5 => 4,
            _ => throw new FormatException($"wire type {wireType} is not supported"),
        };
        if (wireType == 0)
        {
            ReadVarint(data, ref position);
        }
        else if (position + skip > data.Length)
        {
            throw new FormatException("a fixed-size field runs past the end of the body");
        }
        else
        {
            position += skip;
        }
    }
}
