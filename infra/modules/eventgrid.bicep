// Event Grid custom topic for lifecycle events: CloudEvents 1.0 input schema (the events the app publishes
// are CloudEvents), local (access key / SAS) auth disabled, and EventGrid Data Sender for the identity.
// Subscriptions (the async hooks) are created later, per hook, not here.

@description('Name of the Event Grid topic.')
param name string

@description('Azure region.')
param location string

@description('Tags applied to the resources.')
param tags object = {}

@description('Principal id of the managed identity that publishes events.')
param principalId string

resource topic 'Microsoft.EventGrid/topics@2022-06-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    inputSchema: 'CloudEventSchemaV1_0'
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

// EventGrid Data Sender.
var eventGridDataSender = 'd5a91429-5739-47e2-a06b-3470a27159e7'

resource senderRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(topic.id, principalId, eventGridDataSender)
  scope: topic
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', eventGridDataSender)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

output id string = topic.id
output name string = topic.name
output endpoint string = topic.properties.endpoint
