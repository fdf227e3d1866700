using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;
using CustomResources.Core.Storage;

namespace CustomResources.Core.Authentication;

/// <summary>
/// Server-issued bearer tokens as a cluster-scoped built-in type, <c>authentication.customresources.io/v1</c> Token.
/// The object's name is the token's id; <c>spec</c> binds it to a subject, groups, optionally a namespace and an expiry,
/// and holds only the SHA-256 of the secret. Whoever creates one chooses the secret and sends its hash, so a secret
/// never crosses the API; deleting the object revokes the token. Only cluster-wide rights reach this group.
/// </summary>
public static class TokenDefinitions
{
    public const string Group = "authentication.customresources.io";
    public const string Version = "v1";
    public const string ApiVersion = Group + "/" + Version;
    public const string Resource = "tokens";

    public static readonly ResourceDefinition Tokens = new(
        Group,
        new ResourceNames(Resource, "token", "Token", "TokenList", [], []),
        ResourceScope.Cluster,
        [new DefinitionVersion(Version, true, true, false, null, Schema(), [], false)])
    {
        BuiltIn = true,
    };

    public static ObjectKey Key(string id) => new(Group, Resource, "", id);

    /// <summary>The Token object for an issued token's record.</summary>
    public static JsonObject ToObject(TokenRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var spec = new JsonObject
        {
            ["subject"] = record.Subject,
            ["groups"] = new JsonArray([.. record.Groups.Select(g => (JsonNode)JsonValue.Create(g)!)]),
            ["secretHash"] = record.SecretHash,
        };
        if (record.Namespace is not null)
        {
            spec["namespace"] = record.Namespace;
        }

        if (record.ExpiresAt is { } expiry)
        {
            spec["expiresAt"] = expiry.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        }

        return new JsonObject { ["apiVersion"] = ApiVersion, ["kind"] = "Token", ["metadata"] = new JsonObject { ["name"] = record.Id }, ["spec"] = spec };
    }

    /// <summary>The record a stored Token object describes, or null when it is not well formed.</summary>
    public static TokenRecord? FromObject(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        if (obj["metadata"]?["name"] is not JsonValue n || !n.TryGetValue<string>(out var id) || obj["spec"] is not JsonObject spec
            || spec["subject"] is not JsonValue s || !s.TryGetValue<string>(out var subject)
            || spec["secretHash"] is not JsonValue h || !h.TryGetValue<string>(out var hash))
        {
            return null;
        }

        var groups = spec["groups"] is JsonArray a ? a.OfType<JsonValue>().Select(v => v.TryGetValue<string>(out var g) ? g : null).OfType<string>().ToList() : [];
        var ns = spec["namespace"] is JsonValue nv && nv.TryGetValue<string>(out var nsText) && nsText.Length > 0 ? nsText : null;
        DateTimeOffset? expiresAt = spec["expiresAt"] is JsonValue e && e.TryGetValue<string>(out var at)
            && DateTimeOffset.TryParse(at, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : null;
        return new TokenRecord(id, hash, subject, groups, ns, expiresAt);
    }

    private static JsonObject Schema() => JsonNode.Parse("""
        {
          "type": "object",
          "required": ["spec"],
          "properties": {
            "apiVersion": { "type": "string" },
            "kind": { "type": "string" },
            "metadata": { "type": "object" },
            "spec": {
              "type": "object",
              "required": ["subject", "secretHash"],
              "properties": {
                "subject": { "type": "string", "minLength": 1, "maxLength": 256 },
                "groups": { "type": "array", "maxItems": 64, "items": { "type": "string", "minLength": 1, "maxLength": 256 } },
                "namespace": { "type": "string", "maxLength": 63 },
                "expiresAt": { "type": "string", "format": "date-time" },
                "secretHash": { "type": "string", "pattern": "^[0-9a-f]{64}$" }
              }
            }
          }
        }
        """)!.AsObject();
}
