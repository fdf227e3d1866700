// Rights the module controller needs to run modules as Azure Container Instances in this resource group
// (CustomResources.Azure.Modules.AciModuleRuntime): manage container groups there, and nothing else. A subnet
// (Modules:Aci:SubnetId) needs subnets/join/action granted where the virtual network lives.
// A custom role at resource-group scope instead of Contributor (docs/modules-azure.md).

@description('Principal id of the managed identity that runs modules.')
param principalId string

resource runnerRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'custom-resources-module-runner')
  properties: {
    // Role names are unique in the tenant: the subscription and group make this one distinct.
    roleName: 'Custom Resources module runner (${subscription().subscriptionId}/${resourceGroup().name})'
    description: 'Create, read and delete Azure Container Instances container groups for Custom Resources modules.'
    type: 'CustomRole'
    assignableScopes: [
      resourceGroup().id
    ]
    permissions: [
      {
        actions: [
          'Microsoft.ContainerInstance/containerGroups/*'
          'Microsoft.ContainerInstance/locations/*/read'
          'Microsoft.Resources/subscriptions/resourceGroups/read'
        ]
        notActions: []
      }
    ]
  }
}

resource runnerAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, runnerRole.id)
  properties: {
    roleDefinitionId: runnerRole.id
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

output roleDefinitionId string = runnerRole.id
