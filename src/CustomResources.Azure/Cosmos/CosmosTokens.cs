using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using CustomResources.Core.Storage;

namespace CustomResources.Azure.Cosmos;

/// <summary>
/// A store-level resourceVersion of the Cosmos store: <c>cf.</c> + base64url (no padding) of the UTF-8 JSON
/// <c>{"v":1,"c":"&lt;change-feed continuation&gt;","s":&lt;documents of that page already delivered&gt;,"i":"&lt;store instance&gt;","l":&lt;local write count&gt;}</c>.
/// </summary>
/// <remarks>
/// The continuation is where the change feed resumes; the skip count lets a reader stop in the middle of a change-feed
/// page (a page can hold more documents than the caller's limit). Instance and local write count let
/// <see cref="IObjectStore.WaitForChangeAsync"/> see writes of this process at once, before the feed is read.
/// </remarks>
internal sealed record ChangeFeedVersion(string Continuation, int Skip, string Instance, long LocalWrites)
{
    public const string Prefix = "cf.";
    private const int FormatVersion = 1;

    public string Encode() => Prefix + TokenJson.Encode(writer =>
    {
        writer.WriteNumber("v", FormatVersion);
        writer.WriteString("c", Continuation);
        writer.WriteNumber("s", Skip);
        writer.WriteString("i", Instance);
        writer.WriteNumber("l", LocalWrites);
    });

    /// <summary>Decodes a version; throws <see cref="StoreErrorKind.InvalidResourceVersion"/> for any other text.</summary>
    public static ChangeFeedVersion Decode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw Invalid(text, null);
        }

        try
        {
            using var document = TokenJson.Parse(text[Prefix.Length..]);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("v", out var v) || v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var version) || version != FormatVersion
                || !root.TryGetProperty("c", out var c) || c.ValueKind != JsonValueKind.String || c.GetString()!.Length == 0
                || !root.TryGetProperty("s", out var s) || s.ValueKind != JsonValueKind.Number || !s.TryGetInt32(out var skip) || skip < 0
                || !root.TryGetProperty("i", out var i) || i.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("l", out var l) || l.ValueKind != JsonValueKind.Number || !l.TryGetInt64(out var local) || local < 0)
            {
                throw Invalid(text, null);
            }

            return new ChangeFeedVersion(c.GetString()!, skip, i.GetString()!, local);
        }
        catch (FormatException e)
        {
            throw Invalid(text, e);
        }
        catch (JsonException e)
        {
            throw Invalid(text, e);
        }
    }

    private static StoreException Invalid(string text, Exception? inner)
    {
        var message = $"'{(text.Length > 40 ? text[..40] + "…" : text)}' is not a resourceVersion of this store.";
        return inner is null ? new StoreException(StoreErrorKind.InvalidResourceVersion, message) : new StoreException(StoreErrorKind.InvalidResourceVersion, message, inner);
    }
}

/// <summary>
/// The continue token of a paged list: base64url (no padding) of the UTF-8 JSON
/// <c>{"v":1,"rv":"&lt;the list's resourceVersion&gt;","ns":"&lt;namespace of the last item&gt;","name":"&lt;name of the last item&gt;"}</c>.
/// The next page starts strictly after (ns, name) in namespace-then-name order and reports the first page's resourceVersion.
/// </summary>
internal sealed record CosmosContinueToken(string ResourceVersion, string Namespace, string Name)
{
    private const int FormatVersion = 1;

    public string Encode() => TokenJson.Encode(writer =>
    {
        writer.WriteNumber("v", FormatVersion);
        writer.WriteString("rv", ResourceVersion);
        writer.WriteString("ns", Namespace);
        writer.WriteString("name", Name);
    });

    /// <summary>Decodes a token issued for <paramref name="collection"/>; throws <see cref="StoreErrorKind.InvalidContinue"/> otherwise.</summary>
    public static CosmosContinueToken Decode(string token, CollectionKey collection)
    {
        try
        {
            using var document = TokenJson.Parse(token);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("v", out var v) || v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var version) || version != FormatVersion
                || !root.TryGetProperty("rv", out var rv) || rv.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("ns", out var ns) || ns.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || name.GetString()!.Length == 0)
            {
                throw Invalid(null);
            }

            var result = new CosmosContinueToken(rv.GetString()!, ns.GetString()!, name.GetString()!);
            if (collection.Namespace is not null && collection.Namespace != result.Namespace)
            {
                throw Invalid(null);
            }

            try
            {
                ChangeFeedVersion.Decode(result.ResourceVersion);
            }
            catch (StoreException e)
            {
                throw Invalid(e);
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

    private static StoreException Invalid(Exception? inner) =>
        inner is null
            ? new StoreException(StoreErrorKind.InvalidContinue, "The continue token is not valid for this list.")
            : new StoreException(StoreErrorKind.InvalidContinue, "The continue token is not valid for this list.", inner);
}

internal static class TokenJson
{
    public static string Encode(Action<Utf8JsonWriter> writeProperties)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writeProperties(writer);
            writer.WriteEndObject();
        }

        return Base64Url.EncodeToString(buffer.WrittenSpan);
    }

    /// <summary>Parses base64url JSON; throws <see cref="FormatException"/> or <see cref="JsonException"/> when it is not.</summary>
    public static JsonDocument Parse(string text) => JsonDocument.Parse(Base64Url.DecodeFromChars(text));
}
