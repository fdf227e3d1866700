// Custom Resources on Azure Functions: everything the server needs in one resource group.
// Deploy: az deployment group create -g <rg> -f infra/main.bicep -p infra/main.bicepparam (docs/azure.md).
targetScope = 'resourceGroup'

@description('Short name used to derive resource names (lower-case letters and digits).')
@minLength(3)
@maxLength(11)
param namePrefix string = 'crfunc'

@description('Azure region of every resource.')
param location string = resourceGroup().location

@description('Cosmos DB serverless (true) or provisioned autoscale (false).')
param cosmosServerless bool = true

@description('App Service plan SKU for the function app (Linux Dedicated).')
param planSku string = 'B1'

@description('URL of the app package blob in the deployment container; empty until a package is published.')
param packageUrl string = ''

@description('Origins allowed to call the API from a browser (platform CORS).')
param corsAllowedOrigins array = []

@description('Audience of the API\'s Microsoft Entra ID app registration (its Application ID URI or client id). Empty: Entra ID sign-in is off.')
param entraAudience string = ''

@description('Object ids of Entra ID groups (or app roles as role:<name>) that are cluster admins of the API.')
param adminGroups array = []

@description('Key module tokens are derived from: base64 of at least 32 random bytes (openssl rand -base64 32); keep it across deployments. Empty: the module controller is off.')
@secure()
param moduleTokenKey string = ''

@description('Tags applied to every resource.')
param tags object = {}

var suffix = uniqueString(resourceGroup().id, namePrefix)
var names = {
  identity: 'id-${namePrefix}-${suffix}'
  workspace: 'log-${namePrefix}-${suffix}'
  appInsights: 'appi-${namePrefix}-${suffix}'
  storage: take('st${namePrefix}${suffix}', 24)
  cosmos: 'cosmos-${namePrefix}-${suffix}'
  topic: 'evgt-${namePrefix}-${suffix}'
  plan: 'asp-${namePrefix}-${suffix}'
  functionApp: 'func-${namePrefix}-${suffix}'
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    workspaceName: names.workspace
    appInsightsName: names.appInsights
    location: location
    tags: tags
    publisherPrincipalId: identity.outputs.principalId
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: location
    tags: tags
    principalId: identity.outputs.principalId
    queueNames: [
      moduleQueueName
      '${moduleQueueName}-poison'
    ]
  }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  params: {
    accountName: names.cosmos
    location: location
    tags: tags
    serverless: cosmosServerless
    principalId: identity.outputs.principalId
  }
}

module eventGrid 'modules/eventgrid.bicep' = {
  name: 'eventgrid'
  params: {
    name: names.topic
    location: location
    tags: tags
    principalId: identity.outputs.principalId
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    planSku: planSku
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    // Taking these from module outputs also orders the app after the role assignments in those modules.
    storageAccountName: storage.outputs.name
    packageUrl: packageUrl
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabaseName: cosmos.outputs.databaseName
    cosmosResourcesContainerName: cosmos.outputs.resourcesContainerName
    cosmosLeasesContainerName: cosmos.outputs.leasesContainerName
    eventGridTopicEndpoint: eventGrid.outputs.endpoint
    corsAllowedOrigins: corsAllowedOrigins
    entraTenantId: tenant().tenantId
    entraAudience: entraAudience
    adminGroups: adminGroups
    moduleTokenKey: moduleTokenKey
    moduleQueueName: moduleQueueName
  }
}

var moduleQueueName = 'module-reconcile'

// Modules run as Container Instances in this resource group: the identity may create and delete them there.
module moduleRunner 'modules/modulerunner.bicep' = if (!empty(moduleTokenKey)) {
  name: 'modulerunner'
  params: {
    principalId: identity.outputs.principalId
  }
}

@description('Base URL of the API (point kubectl or curl here).')
output apiBaseUrl string = functionApp.outputs.apiBaseUrl

@description('Name of the function app (for publishing the package).')
output functionAppName string = functionApp.outputs.name

@description('Cosmos DB account endpoint.')
output cosmosEndpoint string = cosmos.outputs.endpoint

@description('Event Grid topic endpoint (including /api/events).')
output eventGridTopicEndpoint string = eventGrid.outputs.endpoint

@description('Client id of the user-assigned managed identity.')
output identityClientId string = identity.outputs.clientId

@description('Storage account and container for the app package.')
output deploymentStorageAccountName string = storage.outputs.name

@description('Blob container for the app package.')
output deploymentContainerName string = storage.outputs.deploymentContainerName
