using 'main.bicep'

param namePrefix = 'crfunc'
param cosmosServerless = true
param planSku = 'B1'
param packageUrl = ''
param corsAllowedOrigins = []
param tags = {
  project: 'custom-resources-functions'
}
