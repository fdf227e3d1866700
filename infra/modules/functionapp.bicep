// The function app: a Linux Azure Functions app running the server as a custom handler.
//
// Plan choice: a Linux Dedicated (App Service) plan, B1 by default (P0v3/P1v3 for production), because
// - it runs custom handlers on Linux with FUNCTIONS_WORKER_RUNTIME=custom and FUNCTIONS_EXTENSION_VERSION=~4;
// - it needs no Azure Files content share, so the storage account can keep allowSharedKeyAccess=false
//   with an identity-based AzureWebJobsStorage (Linux Consumption and Elastic Premium mount a content
//   share that needs an account key);
// - the package is pulled from blob storage with the managed identity (WEBSITE_RUN_FROM_PACKAGE +
//   WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID), again without keys;
// - Always On keeps the Cosmos DB change-feed trigger and the queue triggers running and lets
//   long-lived kubectl watch requests stay open (no 230 s Consumption front-end limit on idle scale-in).
// Flex Consumption is the serverless alternative; it configures the runtime in functionAppConfig instead
// of app settings, so it would need a variant of this module (see docs/azure.md).

@description('Name of the function app (globally unique: it becomes <name>.azurewebsites.net).')
param name string

@description('Name of the App Service plan.')
param planName string

@description('Azure region.')
param location string

@description('Tags applied to the resources.')
param tags object = {}

@description('App Service plan SKU (Linux Dedicated): B1 for trials, P0v3 or P1v3 for production.')
@allowed([
  'B1'
  'B2'
  'B3'
  'S1'
  'P0v3'
  'P1v3'
  'P2v3'
])
param planSku string = 'B1'

@description('Resource id of the user-assigned managed identity.')
param identityId string

@description('Client id of the user-assigned managed identity.')
param identityClientId string

@description('Name of the host storage account (identity-based AzureWebJobsStorage).')
param storageAccountName string

@description('URL of the app package blob (https://<account>.blob.core.windows.net/<container>/<zip>); empty until a package is published.')
param packageUrl string = ''

@description('Application Insights connection string.')
param appInsightsConnectionString string

@description('Cosmos DB account endpoint.')
param cosmosEndpoint string

@description('Cosmos DB database name.')
param cosmosDatabaseName string

@description('Cosmos DB container holding the resources (watched by the ResourceChangeFeed function).')
param cosmosResourcesContainerName string

@description('Cosmos DB container holding the change-feed leases.')
param cosmosLeasesContainerName string

@description('Event Grid topic endpoint (https://<topic>.<region>-1.eventgrid.azure.net/api/events).')
param eventGridTopicEndpoint string

@description('Origins allowed to call the API from a browser; CORS is answered by the platform, not the app.')
param corsAllowedOrigins array = []

@description('Tenant whose Entra ID tokens the API accepts.')
param entraTenantId string

@description('Audience of the API\'s app registration; empty turns Entra ID sign-in off.')
param entraAudience string = ''

@description('Groups (Entra object ids, or role:<app role>) bound to cluster-admin at start.')
param adminGroups array = []

@description('Key module tokens are derived from (base64 of at least 32 random bytes). Empty: the module controller is off.')
@secure()
param moduleTokenKey string = ''

@description('Storage queue the ModuleReconcile function drains (its poison queue is <name>-poison).')
param moduleQueueName string = 'module-reconcile'

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'linux'
  sku: {
    name: planSku
  }
  properties: {
    reserved: true
  }
}

var baseSettings = {
  FUNCTIONS_EXTENSION_VERSION: '~4'
  FUNCTIONS_WORKER_RUNTIME: 'custom'
  // Host storage through the managed identity: no connection string, no key.
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  // Connection "CosmosDb" used by the change-feed trigger binding (identity-based).
  CosmosDb__accountEndpoint: cosmosEndpoint
  CosmosDb__credential: 'managedidentity'
  CosmosDb__clientId: identityClientId
  CosmosDb__LeaseContainer: cosmosLeasesContainerName
  // Telemetry with Entra ID auth (local auth is disabled on the component).
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  // The app's own settings (see README: configuration).
  Storage__Provider: 'Cosmos'
  Storage__Cosmos__AccountEndpoint: cosmosEndpoint
  Storage__Cosmos__Database: cosmosDatabaseName
  Storage__Cosmos__Container: cosmosResourcesContainerName
  Events__EventGrid__TopicEndpoint: eventGridTopicEndpoint
  Events__EventGrid__ManagedIdentityClientId: identityClientId
  // DefaultAzureCredential in the app picks the user-assigned identity.
  AZURE_CLIENT_ID: identityClientId
}

var packageSettings = empty(packageUrl) ? {} : {
  WEBSITE_RUN_FROM_PACKAGE: packageUrl
  WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID: identityId
}

// Sign-in with Entra ID (Authentication:EntraId) and the groups that administer the API (Authentication:AdminGroups).
var entraSettings = empty(entraAudience) ? {} : {
  Authentication__EntraId__TenantId: entraTenantId
  Authentication__EntraId__Audiences__0: entraAudience
}

var adminGroupSettings = toObject(range(0, length(adminGroups)), i => 'Authentication__AdminGroups__${i}', i => string(adminGroups[i]))

// The module controller (Modules): work on a Storage queue drained by the ModuleReconcile function, modules run as
// Azure Container Instances in this resource group, each given the API URL and a token derived from Modules:TokenKey.
var moduleSettings = empty(moduleTokenKey) ? {
  Modules__Enabled: 'false'
  Modules__Queue__QueueName: moduleQueueName
} : {
  Modules__Enabled: 'true'
  Modules__TokenKey: moduleTokenKey
  Modules__ApiUrl: 'https://${name}.azurewebsites.net'
  Modules__Queue__QueueName: moduleQueueName
  Modules__Queue__ServiceUri: 'https://${storageAccountName}.queue.${environment().suffixes.storage}'
  Modules__Queue__ManagedIdentityClientId: identityClientId
  Modules__Runtime: 'Aci'
  Modules__Aci__SubscriptionId: subscription().subscriptionId
  Modules__Aci__ResourceGroup: resourceGroup().name
  Modules__Aci__Location: location
  Modules__Aci__ManagedIdentityClientId: identityClientId
}

var appSettings = union(baseSettings, packageSettings, entraSettings, adminGroupSettings, moduleSettings)

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      alwaysOn: true
      http20Enabled: true
      ftpsState: 'Disabled'
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      cors: {
        allowedOrigins: corsAllowedOrigins
        supportCredentials: false
      }
      appSettings: [
        for setting in items(appSettings): {
          name: setting.key
          value: setting.value
        }
      ]
    }
  }
}

// No basic (user name / password) publishing credentials: deploy with Entra ID.
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
output apiBaseUrl string = 'https://${site.properties.defaultHostName}'
