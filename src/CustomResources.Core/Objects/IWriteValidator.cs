using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;
using CustomResources.Core.Errors;

namespace CustomResources.Core.Objects;

/// <summary>
/// Extra write-time rules for a type that its schema cannot express and that need the server's configuration (e.g.
/// the outbound URL policy of event subscriptions). The engine runs every validator that applies after the schema.
/// </summary>
public interface IWriteValidator
{
    bool AppliesTo(ResourceDefinition definition);

    /// <summary>Problems with <paramref name="obj"/> (after defaults); <paramref name="old"/> is the stored object on updates.</summary>
    IEnumerable<FieldError> Validate(JsonObject obj, JsonObject? old);
}
