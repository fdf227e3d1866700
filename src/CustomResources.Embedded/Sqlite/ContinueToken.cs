using System.Buffers.Text;
using System.Text.Json;
using CustomResources.Core.Storage;

namespace CustomResources.Embedded.Sqlite;

/// <summary>
/// The opaque continue token of a paged list: base64url (no padding) of the UTF-8 JSON
/// <c>{"v":1,"rv":&lt;snapshot revision&gt;,"ns":"&lt;namespace of the last item&gt;","name":"&lt;name of the last item&gt;"}</c>.
/// </summary>
/// <remarks>
/// The snapshot revision is the store revision of the first page; every later page shows the collection as it
/// was at that revision. The next page starts strictly after (ns, name) in namespace-then-name order.
/// </remarks>
internal readonly record struct ContinueToken(long Revision, string Namespace, string Name)
{
    private const int FormatVersion = 1;

    public string Encode()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("v", FormatVersion);
            writer.WriteNumber("rv", Revision);
            writer.WriteString("ns", Namespace);
            writer.WriteString("name", Name);
            writer.WriteEndObject();
        }

        return Base64Url.EncodeToString(buffer.WrittenSpan);
    }

    /// <summary>Decodes a token issued for <paramref name="collection"/>; throws <see cref="StoreErrorKind.InvalidContinue"/> otherwise.</summary>
    public static ContinueToken Decode(string token, CollectionKey collection)
    {
        try
        {
            var bytes = Base64Url.DecodeFromChars(token);
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("v", out var v) || v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var version) || version != FormatVersion
                || !root.TryGetProperty("rv", out var rv) || rv.ValueKind != JsonValueKind.Number || !rv.TryGetInt64(out var revision) || revision <= 0
                || !root.TryGetProperty("ns", out var ns) || ns.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
            {
                throw Invalid(null);
            }

            var result = new ContinueToken(revision, ns.GetString()!, name.GetString()!);
            if (!StoreKeys.IsValidComponent(result.Namespace, allowEmpty: true)
                || !StoreKeys.IsValidComponent(result.Name, allowEmpty: false)
                || (collection.Namespace is not null && collection.Namespace != result.Namespace))
            {
                throw Invalid(null);
            }

            return result;
        }
        catch (FormatException e)
        {
            throw Invalid(e);
        }
        catch (JsonException e)
        {
            throw Invalid(e);
        }
    }

    public static StoreException Invalid(Exception? inner) =>
        inner is null
            ? new StoreException(StoreErrorKind.InvalidContinue, "The continue token is not valid for this list.")
            : new StoreException(StoreErrorKind.InvalidContinue, "The continue token is not valid for this list.", inner);
}
