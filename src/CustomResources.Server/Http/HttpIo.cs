using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CustomResources.Core.Errors;
using CustomResources.Core.Serialization;
using Microsoft.Net.Http.Headers;

namespace CustomResources.Server.Http;

/// <summary>What the client asked to receive.</summary>
public enum ResponseFormat
{
    Json,
    Yaml,
    Table,
}

/// <summary>Reading request bodies and writing responses in the formats kubectl and curl users send and expect.</summary>
public static class HttpIo
{
    /// <summary>Kubernetes' request body limit (3 MiB).</summary>
    public const int MaxBodyBytes = 3 * 1024 * 1024;

    public const string JsonType = "application/json";
    public const string YamlType = "application/yaml";
    public const string MergePatchType = "application/merge-patch+json";
    public const string JsonPatchType = "application/json-patch+json";
    public const string StrategicMergePatchType = "application/strategic-merge-patch+json";
    public const string ApplyPatchType = "application/apply-patch+yaml";
    public const string ProtobufType = "application/vnd.kubernetes.protobuf";

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The media type of the request body without parameters, lower-cased; JSON when absent.</summary>
    public static string ContentType(HttpRequest request)
    {
        if (string.IsNullOrEmpty(request.ContentType))
        {
            return JsonType;
        }

        return MediaTypeHeaderValue.TryParse(request.ContentType, out var parsed) && parsed.MediaType.HasValue
            ? parsed.MediaType.Value!.ToLowerInvariant()
            : request.ContentType.ToLowerInvariant();
    }

    /// <summary>Reads the body (at most 3 MiB, else 413).</summary>
    public static Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken) =>
        ReadBodyAsync(request, MaxBodyBytes, cancellationToken);

    /// <summary>Reads the body (at most <paramref name="maxBytes"/>, else 413).</summary>
    public static async Task<byte[]> ReadBodyAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > maxBytes)
        {
            throw TooLarge(maxBytes);
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw TooLarge(maxBytes);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>Parses a JSON or YAML body into a node; malformed input is a 400 that says where.</summary>
    public static JsonNode? Parse(byte[] body, string mediaType)
    {
        try
        {
            return mediaType switch
            {
                YamlType or "application/x-yaml" or "text/yaml" or ApplyPatchType => Documents.ParseYaml(Encoding.UTF8.GetString(body)),
                _ => Documents.ParseJson(body),
            };
        }
        catch (DocumentFormatException e)
        {
            throw ApiException.BadRequest(e.Message);
        }
    }

    /// <summary>Reads and parses a body for create/replace (JSON or YAML).</summary>
    public static async Task<JsonNode?> ReadObjectAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var mediaType = ContentType(request);
        if (mediaType is not (JsonType or YamlType or "application/x-yaml" or "text/yaml"))
        {
            throw ApiException.UnsupportedMediaType($"the body of the request was in an unknown format - accepted media types include: {JsonType}, {YamlType}");
        }

        return Parse(await ReadBodyAsync(request, cancellationToken), mediaType);
    }

    public static ResponseFormat Negotiate(HttpRequest request)
    {
        var accept = request.Headers.Accept.ToString();
        if (accept.Length == 0)
        {
            return ResponseFormat.Json;
        }

        if (!MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var types) || types.Count == 0)
        {
            return ResponseFormat.Json;
        }

        foreach (var type in types.OrderByDescending(t => t.Quality ?? 1.0))
        {
            var media = type.MediaType.Value?.ToLowerInvariant();
            var asParam = type.Parameters.FirstOrDefault(p => p.Name.Equals("as", StringComparison.OrdinalIgnoreCase))?.Value.Value;
            if (media == JsonType && asParam == "Table")
            {
                return ResponseFormat.Table;
            }

            if (asParam is not null)
            {
                // A representation we do not offer (PartialObjectMetadata...); try the next one.
                continue;
            }

            switch (media)
            {
                case JsonType or "*/*" or "application/*":
                    return ResponseFormat.Json;
                case YamlType or "application/x-yaml" or "text/yaml":
                    return ResponseFormat.Yaml;
            }
        }

        if (types.Any(t => t.MediaType.Value?.Equals(ProtobufType, StringComparison.OrdinalIgnoreCase) == true))
        {
            throw ApiException.NotAcceptable($"only the following media types are accepted: {JsonType}, {YamlType}, {JsonType};as=Table;v=v1;g=meta.k8s.io");
        }

        return ResponseFormat.Json;
    }

    /// <summary>Writes a node as JSON or YAML, with optional Kubernetes <c>Warning</c> headers.</summary>
    public static async Task WriteAsync(HttpContext context, int statusCode, JsonNode node, ResponseFormat format, IReadOnlyList<string>? warnings = null, string? contentType = null)
    {
        var response = context.Response;
        response.StatusCode = statusCode;
        AddWarnings(response, warnings);
        if (format == ResponseFormat.Yaml)
        {
            response.ContentType = YamlType;
            await response.WriteAsync(Documents.WriteYaml(node), context.RequestAborted);
            return;
        }

        response.ContentType = contentType ?? JsonType;
        await using var writer = new Utf8JsonWriter(response.BodyWriter, WriterOptions);
        node.WriteTo(writer);
        await writer.FlushAsync(context.RequestAborted);
    }

    public static void AddWarnings(HttpResponse response, IReadOnlyList<string>? warnings)
    {
        if (warnings is null || warnings.Count == 0)
        {
            return;
        }

        // RFC 7234 warn-text: a quoted string; quotes and backslashes escaped.
        var values = warnings.Distinct(StringComparer.Ordinal)
            .Select(w => $"299 - \"{w.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
        response.Headers.Append("Warning", string.Join(", ", values));
    }

    private static ApiException TooLarge(long maxBytes) =>
        ApiException.RequestEntityTooLarge($"the request body is larger than the limit of {maxBytes} bytes");
}
