using System.Text;
using System.Text.Json.Nodes;
using CustomResources.Core.Errors;

namespace CustomResources.Server.Http;

/// <summary>
/// Decodes the protobuf bodies typed kubectl clients send (<c>application/vnd.kubernetes.protobuf</c>):
/// the 4-byte magic <c>k8s\0</c>, then a <c>runtime.Unknown</c> {1: typeMeta {1 apiVersion, 2 kind}, 2: raw}.
/// </summary>
public static class KubernetesProtobuf
{
    private static readonly byte[] Magic = [0x6b, 0x38, 0x73, 0x00];

    /// <summary>A Namespace: raw = {1: ObjectMeta {1 name, 2 generateName, 11 labels, 12 annotations}, 2: spec {1 finalizers}}.</summary>
    public static JsonObject DecodeNamespace(byte[] body)
    {
        try
        {
            var (apiVersion, kind, raw) = DecodeUnknown(body);
            var metadata = new JsonObject();
            var spec = new JsonObject();
            foreach (var (field, value) in Fields(raw))
            {
                if (field == 1)
                {
                    DecodeObjectMeta(value, metadata);
                }
                else if (field == 2)
                {
                    var finalizers = new JsonArray();
                    foreach (var (specField, specValue) in Fields(value))
                    {
                        if (specField == 1)
                        {
                            finalizers.Add(Encoding.UTF8.GetString(specValue));
                        }
                    }

                    if (finalizers.Count > 0)
                    {
                        spec["finalizers"] = finalizers;
                    }
                }
            }

            return new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind, ["metadata"] = metadata, ["spec"] = spec };
        }
        catch (FormatException e)
        {
            throw ApiException.BadRequest($"invalid protobuf body: {e.Message}");
        }
    }

    private static (string ApiVersion, string Kind, byte[] Raw) DecodeUnknown(byte[] body)
    {
        if (body.Length < Magic.Length || !body.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new FormatException("missing the k8s\\0 prefix");
        }

        string apiVersion = "", kind = "";
        byte[] raw = [];
        foreach (var (field, value) in Fields(body[Magic.Length..]))
        {
            if (field == 1)
            {
                foreach (var (typeField, typeValue) in Fields(value))
                {
                    if (typeField == 1)
                    {
                        apiVersion = Encoding.UTF8.GetString(typeValue);
                    }
                    else if (typeField == 2)
                    {
                        kind = Encoding.UTF8.GetString(typeValue);
                    }
                }
            }
            else if (field == 2)
            {
                raw = value;
            }
        }

        return (apiVersion, kind, raw);
    }

    private static void DecodeObjectMeta(byte[] bytes, JsonObject metadata)
    {
        foreach (var (field, value) in Fields(bytes))
        {
            switch (field)
            {
                case 1 when value.Length > 0:
                    metadata["name"] = Encoding.UTF8.GetString(value);
                    break;
                case 2 when value.Length > 0:
                    metadata["generateName"] = Encoding.UTF8.GetString(value);
                    break;
                case 11 or 12:
                    var mapName = field == 11 ? "labels" : "annotations";
                    var map = metadata[mapName] as JsonObject ?? new JsonObject();
                    string key = "", mapValue = "";
                    foreach (var (entryField, entryValue) in Fields(value))
                    {
                        if (entryField == 1)
                        {
                            key = Encoding.UTF8.GetString(entryValue);
                        }
                        else if (entryField == 2)
                        {
                            mapValue = Encoding.UTF8.GetString(entryValue);
                        }
                    }

                    map[key] = mapValue;
                    metadata[mapName] = map;
                    break;
            }
        }
    }

    /// <summary>Length-delimited fields of a message; varint and fixed fields are skipped.</summary>
    private static IEnumerable<(int Field, byte[] Value)> Fields(byte[] message)
    {
        var position = 0;
        while (position < message.Length)
        {
            var tag = ReadVarint(message, ref position);
            var field = (int)(tag >> 3);
            switch (tag & 7)
            {
                case 0:
                    ReadVarint(message, ref position);
                    break;
                case 1:
                    position += 8;
                    break;
                case 5:
                    position += 4;
                    break;
                case 2:
                    var length = (int)ReadVarint(message, ref position);
                    if (length < 0 || position + length > message.Length)
                    {
                        throw new FormatException("a field runs past the end of the message");
                    }

                    yield return (field, message[position..(position + length)]);
                    position += length;
                    break;
                default:
                    throw new FormatException($"unsupported wire type {tag & 7}");
            }

            if (position > message.Length)
            {
                throw new FormatException("truncated message");
            }
        }
    }

    private static ulong ReadVarint(byte[] message, ref int position)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= message.Length)
            {
                throw new FormatException("truncated varint");
            }

            var b = message[position++];
            result |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw new FormatException("varint too long");
    }
}
