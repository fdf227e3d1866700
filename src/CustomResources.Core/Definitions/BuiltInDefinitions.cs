namespace CustomResources.Core.Definitions;

/// <summary>Resource types compiled into the server.</summary>
public static class BuiltInDefinitions
{
    public const string ApiExtensionsGroup = "apiextensions.k8s.io";

    public static readonly ResourceDefinition Namespaces = new(
        "",
        new ResourceNames("namespaces", "namespace", "Namespace", "NamespaceList", ["ns"], []),
        ResourceScope.Cluster,
        [new DefinitionVersion("v1", true, true, false, null, null, [], true)])
    {
        BuiltIn = true,
    };

    public static readonly ResourceDefinition CustomResourceDefinitions = new(
        ApiExtensionsGroup,
        new ResourceNames("customresourcedefinitions", "customresourcedefinition", "CustomResourceDefinition", "CustomResourceDefinitionList", ["crd", "crds"], ["api-extensions"]),
        ResourceScope.Cluster,
        [
            new DefinitionVersion("v1", true, true, false, null, null, [], true),
            // Served for older manifests (e.g. the OpenShift walkthrough); converted to v1 on the way in.
            new DefinitionVersion("v1beta1", true, false, true, "apiextensions.k8s.io/v1beta1 CustomResourceDefinition is deprecated in v1.16+, unavailable in v1.22+; use apiextensions.k8s.io/v1 CustomResourceDefinition", null, [], true),
        ])
    {
        BuiltIn = true,
    };

    public const string AdmissionRegistrationGroup = "admissionregistration.k8s.io";

    /// <summary>Kubernetes' registration of validating admission webhooks (sync hooks).</summary>
    public static readonly ResourceDefinition ValidatingWebhookConfigurations = new(
        AdmissionRegistrationGroup,
        new ResourceNames("validatingwebhookconfigurations", "validatingwebhookconfiguration", "ValidatingWebhookConfiguration", "ValidatingWebhookConfigurationList", [], ["api-extensions"]),
        ResourceScope.Cluster,
        [new DefinitionVersion("v1", true, true, false, null, null, [], false)])
    {
        BuiltIn = true,
    };

    /// <summary>Kubernetes' registration of mutating admission webhooks (sync hooks).</summary>
    public static readonly ResourceDefinition MutatingWebhookConfigurations = new(
        AdmissionRegistrationGroup,
        new ResourceNames("mutatingwebhookconfigurations", "mutatingwebhookconfiguration", "MutatingWebhookConfiguration", "MutatingWebhookConfigurationList", [], ["api-extensions"]),
        ResourceScope.Cluster,
        [new DefinitionVersion("v1", true, true, false, null, null, [], false)])
    {
        BuiltIn = true,
    };

    public static IReadOnlyList<ResourceDefinition> All { get; } =
        [Namespaces, CustomResourceDefinitions, MutatingWebhookConfigurations, ValidatingWebhookConfigurations, Events.EventDefinitions.Subscriptions, Events.EventDefinitions.DeadLetters, .. Security.RbacDefinitions.All, Authentication.TokenDefinitions.Tokens, .. Modules.ModuleDefinitions.All];
}
