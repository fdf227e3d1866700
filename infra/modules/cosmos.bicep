// Cosmos DB for NoSQL: the store behind Storage:Provider=Cosmos.
// - Serverless by default (pay per request, no idle cost); set serverless=false for provisioned autoscale.
// - Local (key) auth is disabled: the app and the change-feed trigger use the managed identity with the
//   built-in data-plane role "Cosmos DB Built-in Data Contributor" (a sqlRoleAssignment, not Azure RBAC).
// - Container "resources": partition key path /partitionKey. Each item's partitionKey holds
//   "{group}/{plural}/{namespace}" ("{group}/{plural}/" for cluster-scoped types; the core group is
//   empty), so a list or watch of one type in one namespace is a single-partition query. See docs/azure.md
//   for how that fits the per-logical-partition limits. defaultTtl -1 turns TTL on without expiring
//   anything by default: only tombstones (soft deletes, which the change feed must still see) carry a
//   per-item "ttl".
// - Container "leases": lease documents of the Cosmos DB change-feed trigger, partitioned on /id as the
//   trigger requires.

@description('Name of the Cosmos DB account (globally unique, lower case).')
param accountName string

@description('Azure region.')
param location string

@description('Tags applied to the resources.')
param tags object = {}

@description('Serverless capacity mode (true) or provisioned autoscale throughput on the database (false).')
param serverless bool = true

@description('Autoscale maximum RU/s shared by the database when serverless is false.')
@minValue(1000)
param autoscaleMaxThroughput int = 1000

@description('Name of the SQL database.')
param databaseName string = 'customresources'

@description('Name of the container that holds resources (current state and tombstones).')
param resourcesContainerName string = 'resources'

@description('Name of the change-feed lease container.')
param leasesContainerName string = 'leases'

@description('Principal id of the managed identity that gets data-plane access.')
param principalId string

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  name: accountName
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    capabilities: serverless ? [
      {
        name: 'EnableServerless'
      }
    ] : []
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-11-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
    options: serverless ? {} : {
      autoscaleSettings: {
        maxThroughput: autoscaleMaxThroughput
      }
    }
  }
}

resource resourcesContainer 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = {
  parent: database
  name: resourcesContainerName
  properties: {
    resource: {
      id: resourcesContainerName
      partitionKey: {
        paths: [
          '/partitionKey'
        ]
        kind: 'Hash'
        version: 2
      }
      defaultTtl: -1
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: [
          {
            path: '/*'
          }
        ]
        excludedPaths: [
          {
            path: '/"_etag"/?'
          }
        ]
      }
    }
  }
}

resource leasesContainer 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = {
  parent: database
  name: leasesContainerName
  properties: {
    resource: {
      id: leasesContainerName
      partitionKey: {
        paths: [
          '/id'
        ]
        kind: 'Hash'
        version: 2
      }
    }
  }
}

// Built-in data-plane role "Cosmos DB Built-in Data Contributor" (read/write items, query, change feed).
resource dataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions@2024-11-15' existing = {
  parent: account
  name: '00000000-0000-0000-0000-000000000002'
}

resource dataRole 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-11-15' = {
  parent: account
  name: guid(account.id, principalId, dataContributor.id)
  properties: {
    roleDefinitionId: dataContributor.id
    principalId: principalId
    scope: account.id
  }
}

output id string = account.id
output name string = account.name
output endpoint string = account.properties.documentEndpoint
output databaseName string = database.name
output resourcesContainerName string = resourcesContainer.name
output leasesContainerName string = leasesContainer.name
