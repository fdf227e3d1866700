using System.Text.Json;
using System.Text.Json.Nodes;

namespace CustomResources.Azure.Functions;

/// <summary>
/// The Azure Functions custom-handler protocol for non-HTTP triggers: the host posts
/// <c>{"Data": {binding: value}, "Metadata": {...}}</c> to <c>/{FunctionName}</c> and reads back
/// <c>{"Outputs": {...}, "Logs": [...], "ReturnValue": ...}</c>; a non-2xx answer fails the invocation.
/// </summary>
public static class CustomHandlerInvocation
{
    /// <summary>
    /// Reads the JSON array bound to <paramref name="binding"/> (the host sends it either as an array or as a string
    /// holding the JSON array). Throws <see cref="FormatException"/> saying what is wrong with the payload.
    /// </summary>
    public static IReadOnlyList<JsonObject> ReadObjectArray(ReadOnlySpan<byte> payload, string binding)
    {
        var (data, _) = ReadEnvelope(payload);
        var value = data[binding] ?? throw new FormatException($"\"Data\" has no \"{binding}\" binding");
        if (value is JsonValue text && text.TryGetValue<string>(out var json))
        {
            try
            {
                value = JsonNode.Parse(Unquote(json)) ?? throw new FormatException($"\"Data.{binding}\" is null");
            }
            catch (JsonException e)
            {
                throw new FormatException($"\"Data.{binding}\" is a string but not a JSON array: {e.Message}", e);
            }
        }

        if (value is not JsonArray array)
        {
            throw new FormatException($"\"Data.{binding}\" must be a JSON array of documents");
        }

        var items = new List<JsonObject>(array.Count);
        for (var i = 0; i < array.Count; i++)
        {
            items.Add(array[i] as JsonObject ?? throw new FormatException($"\"Data.{binding}[{i}]\" is not a JSON object"));
        }

        return items;
    }

    /// <summary>
    /// Reads the envelope <c>{"Data": {...}, "Metadata": {...}}</c> (Metadata may be absent). Throws
    /// <see cref="FormatException"/> saying what is wrong with the payload.
    /// </summary>
    public static (JsonObject Data, JsonObject Metadata) ReadEnvelope(ReadOnlySpan<byte> payload)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(payload);
        }
        catch (JsonException e)
        {
            throw new FormatException($"the invocation payload is not JSON: {e.Message}", e);
        }

        if (root is not JsonObject envelope)
        {
            throw new FormatException("the invocation payload must be a JSON object with \"Data\" and \"Metadata\"");
        }

        if (envelope["Data"] is not JsonObject data)
        {
            throw new FormatException("the invocation payload has no \"Data\" object");
        }

        return (data, envelope["Metadata"] as JsonObject ?? new JsonObject());
    }

    /// <summary>
    /// The text bound to <paramref name="binding"/> (a queue message): a string as sent, or an object or array the host
    /// decoded from JSON, as JSON text.
    /// </summary>
    public static string ReadText(JsonObject data, string binding)
    {
        ArgumentNullException.ThrowIfNull(data);
        return data[binding] switch
        {
            null => throw new FormatException($"\"Data\" has no \"{binding}\" binding"),
            JsonValue v when v.TryGetValue<string>(out var text) => Unquote(text),
            JsonObject or JsonArray => data[binding]!.ToJsonString(),
            _ => throw new FormatException($"\"Data.{binding}\" must be a string or JSON"),
        };
    }

    /// <summary>
    /// The host serializes a string input once more with Json.NET before putting it in <c>Data</c>
    /// (<c>"\"text\""</c>): a value that is itself a JSON string literal is unwrapped once. Other text is returned as is.
    /// </summary>
    public static string Unquote(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length >= 2 && text[0] == '"' && text[^1] == '"')
        {
            try
            {
                if (JsonNode.Parse(text) is JsonValue inner && inner.TryGetValue<string>(out var unwrapped))
                {
                    return unwrapped;
                }
            }
            catch (JsonException)
            {
                // Not a JSON string literal after all: the text as it came.
            }
        }

        return text;
    }

    /// <summary>An integer metadata value (the host sends numbers, sometimes as strings); null when absent or not an integer.</summary>
    public static long? ReadInteger(JsonObject metadata, string name)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return metadata[name] switch
        {
            JsonValue v when v.TryGetValue<long>(out var n) => n,
            JsonValue v when v.TryGetValue<string>(out var text) && long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) => n,
            _ => null,
        };
    }

    /// <summary>The response body: no output bindings, the given log lines, no return value.</summary>
    public static JsonObject Response(IEnumerable<string> logs)
    {
        var lines = new JsonArray();
        foreach (var line in logs)
        {
            lines.Add(line);
        }

        return new JsonObject { ["Outputs"] = new JsonObject(), ["Logs"] = lines, ["ReturnValue"] = null };
    }
}
