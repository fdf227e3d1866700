using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CustomResources.Core.Serialization;

/// <summary>
/// Strict JSON reader: no comments, no trailing commas, bounded depth, and duplicate property names refused
/// (as Kubernetes strict decoding does). Errors name a 1-based line and column.
/// </summary>
internal static partial class JsonDocumentReader
{
    internal const int MaxDepth = 100;

    public static JsonNode? Parse(ReadOnlySpan<byte> utf8)
    {
        var body = utf8;
        if (body.StartsWith("\uFEFF"u8))
        {
            body = body[3..];
        }

        if (IsBlank(body))
        {
            throw new DocumentFormatException("invalid JSON: the body is empty");
        }

        var reader = new Utf8JsonReader(body, new JsonReaderOptions
        {
            CommentHandling = JsonCommentHandling.Disallow,
            AllowTrailingCommas = false,
            MaxDepth = MaxDepth,
        });

        try
        {
            reader.Read();
            var root = ReadValue(ref reader, body);
            if (reader.Read())
            {
                throw Error(body, reader.TokenStartIndex, "unexpected content after the JSON value");
            }

            return root;
        }
        catch (JsonException ex)
        {
            var line = (ex.LineNumber ?? 0) + 1;
            var column = ColumnOf(body, (int)(ex.LineNumber ?? 0), (int)(ex.BytePositionInLine ?? 0));
            throw new DocumentFormatException($"invalid JSON at line {line}, column {column}: {CleanMessage(ex.Message)}", ex);
        }
        catch (InvalidOperationException ex)
        {
            // GetString on a string with invalid UTF-8 or escapes that do not transcode.
            throw Error(body, reader.TokenStartIndex, "string is not valid UTF-8 text", ex);
        }
    }

    private static JsonNode? ReadValue(ref Utf8JsonReader reader, ReadOnlySpan<byte> body)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                {
                    var obj = new JsonObject();
                    while (true)
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.EndObject)
                        {
                            return obj;
                        }

                        var nameStart = reader.TokenStartIndex;
                        var name = reader.GetString()!;
                        if (obj.ContainsKey(name))
                        {
                            throw Error(body, nameStart, $"duplicate property name \"{name}\"");
                        }

                        reader.Read();
                        obj.Add(name, ReadValue(ref reader, body));
                    }
                }

            case JsonTokenType.StartArray:
                {
                    var array = new JsonArray();
                    while (true)
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.EndArray)
                        {
                            return array;
                        }

                        array.Add(ReadValue(ref reader, body));
                    }
                }

            case JsonTokenType.String:
                return JsonValue.Create(reader.GetString()!);
            case JsonTokenType.Number:
                // Keep the number exactly as written (arbitrary precision, 1.0 stays 1.0).
                return JsonValue.Create(JsonElement.ParseValue(ref reader));
            case JsonTokenType.True:
                return JsonValue.Create(true);
            case JsonTokenType.False:
                return JsonValue.Create(false);
            case JsonTokenType.Null:
                return null;
            default:
                throw Error(body, reader.TokenStartIndex, "unexpected token");
        }
    }

    private static bool IsBlank(ReadOnlySpan<byte> body)
    {
        foreach (var b in body)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return false;
            }
        }

        return true;
    }

    private static DocumentFormatException Error(ReadOnlySpan<byte> body, long offset, string message, Exception? inner = null)
    {
        var index = (int)Math.Min(offset, body.Length);
        var prefix = body[..index];
        var line = prefix.Count((byte)'\n');
        var lineStart = prefix.LastIndexOf((byte)'\n') + 1;
        var column = CharCount(body[lineStart..index]) + 1;
        var text = $"invalid JSON at line {line + 1}, column {column}: {message}";
        return inner is null ? new DocumentFormatException(text) : new DocumentFormatException(text, inner);
    }

    /// <summary>Turns the reader's 0-based line and byte offset into a 1-based character column.</summary>
    private static int ColumnOf(ReadOnlySpan<byte> body, int line, int bytePosition)
    {
        var start = 0;
        for (var i = 0; i < line; i++)
        {
            var next = body[start..].IndexOf((byte)'\n');
            if (next < 0)
            {
                return bytePosition + 1;
            }

            start += next + 1;
        }

        var end = Math.Min(body.Length, start + bytePosition);
        return CharCount(body[start..end]) + 1;
    }

    private static int CharCount(ReadOnlySpan<byte> bytes)
    {
        // Count code points (continuation bytes do not start a character).
        var count = 0;
        foreach (var b in bytes)
        {
            if ((b & 0xC0) != 0x80)
            {
                count++;
            }
        }

        return count;
    }

    private static string CleanMessage(string message)
    {
        var text = PositionSuffix().Replace(message, string.Empty).Trim();
        if (text.Contains("trailing comma", StringComparison.OrdinalIgnoreCase))
        {
            return "trailing commas are not allowed";
        }

        // Drop advice aimed at the programmer ("Change the reader options") rather than the client.
        var sentences = text.Split(". ", StringSplitOptions.RemoveEmptyEntries)
            .Where(sentence => !sentence.Contains("reader options", StringComparison.OrdinalIgnoreCase));
        text = string.Join(". ", sentences).Replace("JSON token", "token", StringComparison.Ordinal).TrimEnd('.');
        if (text.Length > 1 && char.IsUpper(text[0]) && char.IsLower(text[1]))
        {
            text = char.ToLowerInvariant(text[0]) + text[1..];
        }

        return text;
    }

    [GeneratedRegex(@"\s*(Path: \S*\s*\|\s*)?LineNumber: \d+ \| BytePositionInLine: \d+\.?\s*$")]
    private static partial Regex PositionSuffix();
}
