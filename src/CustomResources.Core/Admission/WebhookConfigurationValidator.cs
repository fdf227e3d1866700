using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;
using CustomResources.Core.Errors;
using CustomResources.Core.Objects;
using CustomResources.Core.Outbound;

namespace CustomResources.Core.Admission;

/// <summary>The write-time rules of Validating/MutatingWebhookConfiguration, including the outbound URL policy.</summary>
public sealed class WebhookConfigurationValidator(OutboundPolicy policy) : IWriteValidator
{
    public bool AppliesTo(ResourceDefinition definition) =>
        definition == BuiltInDefinitions.ValidatingWebhookConfigurations || definition == BuiltInDefinitions.MutatingWebhookConfigurations;

    public IEnumerable<FieldError> Validate(JsonObject obj, JsonObject? old) =>
        WebhookConfigurations.Validate(obj, ObjectMetadata.GetString(obj["kind"]) == BuiltInDefinitions.MutatingWebhookConfigurations.Names.Kind, policy);
}
