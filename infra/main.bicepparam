using 'main.bicep'

param namePrefix = 'crfunc'
param cosmosServerless = true
param planSku = 'B1'
param packageUrl = ''
param corsAllowedOrigins = []
param tags = {
  project: 'custom-resources-functions'
}

// Sign-in: the Application ID URI (or client id) of the API's Entra ID app registration; empty turns Entra ID off.
param entraAudience = ''

// Entra ID group object ids (or 'role:<app role>') that administer the API (bound to cluster-admin at start).
param adminGroups = []
