using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CustomResources.Core.Auditing;

/// <summary>
/// The JSON shape of an audit record, shared by every sink and reader so exported logs look the same everywhere:
/// camelCase fields, times as ISO-8601 UTC with a <c>Z</c>, null optional fields left out, one object per line.
/// </summary>
public static class AuditJson
{
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    /// <summary>The record as one line of UTF-8 JSON, without the line feed (JSON escapes any in values).</summary>
    public static byte[] SerializeToUtf8Bytes(AuditRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, Options);

    public static string Serialize(AuditRecord record) => JsonSerializer.Serialize(record, Options);

    /// <summary>Parses one line; false for anything that is not a whole record (a torn or foreign line).</summary>
    public static bool TryDeserialize(string line, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out AuditRecord? record)
    {
        record = null;
        if (string.IsNullOrWhiteSpace(line))
        {
            return false;
        }

        try
        {
            record = JsonSerializer.Deserialize<AuditRecord>(line, Options);
        }
        catch (JsonException)
        {
            return false;
        }

        return record is not null;
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            WriteIndented = false,
        };
        options.Converters.Add(new UtcTimeConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    // The default writes "+00:00"; "Z" is what log tools and Kubernetes' own audit events use.
    private sealed class UtcTimeConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            DateTimeOffset.TryParse(reader.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
                ? time
                : throw new JsonException("not an ISO-8601 time");

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
    }
}
