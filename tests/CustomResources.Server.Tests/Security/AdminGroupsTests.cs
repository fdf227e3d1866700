using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using CustomResources.Azure.Tests.Identity;
using CustomResources.Server.Tests.Infrastructure;

namespace CustomResources.Server.Tests.Security;

/// <summary>Authentication:AdminGroups gives an Azure deployment its first administrators: an Entra app role here.</summary>
public sealed class AdminGroupsTests : IDisposable
{
    private readonly LoopbackTenant tenant = LoopbackTenant.Start();

    public void Dispose() => tenant.Dispose();

    [Fact]
    public async Task Members_of_a_configured_admin_group_are_cluster_admins_from_the_first_request()
    {
        await using var factory = new ApiFactory();
        factory.Settings["Authentication:Enabled"] = "true";
        factory.Settings["Authentication:EntraId:TenantId"] = tenant.TenantId.ToString("D");
        factory.Settings["Authentication:EntraId:MetadataAddress"] = tenant.MetadataAddress;
        factory.Settings["Authentication:EntraId:Audiences:0"] = LoopbackTenant.ClientId;
        factory.Settings["Authentication:AdminGroups:0"] = "role:Admin";
        using var client = factory.CreateClient();

        var admin = tenant.UserClaims();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tenant.Sign(admin));
        var ns = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "by-entra-admin" } };
        Assert.Equal(HttpStatusCode.Created, (await client.SendJsonAsync(HttpMethod.Post, "/api/v1/namespaces", ns)).StatusCode);

        var reader = tenant.UserClaims();
        reader["roles"] = new JsonArray("Reader");
        reader["groups"] = new JsonArray();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tenant.Sign(reader));
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/namespaces")).StatusCode);
    }
}
