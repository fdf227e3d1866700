using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using CustomResources.Azure.Tests.Identity;
using CustomResources.Core.Auditing;
using CustomResources.Core.Authentication;
using CustomResources.Core.Objects;
using CustomResources.Embedded.Auditing;
using CustomResources.Server.Security;
using CustomResources.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CustomResources.Server.Tests.Security;

/// <summary>Authentication, RBAC and the audit log through the HTTP API, with authentication on (the default).</summary>
public sealed class AuthenticationApiTests : IAsyncLifetime
{
    private readonly LoopbackTenant tenant = LoopbackTenant.Start();
    private ApiFactory factory = null!;
    private HttpClient anonymous = null!;
    private HttpClient admin = null!;

    public async Task InitializeAsync()
    {
        factory = new ApiFactory();
        factory.Settings["Authentication:Enabled"] = "true";
        factory.Settings["Authentication:EntraId:TenantId"] = tenant.TenantId.ToString("D");
        factory.Settings["Authentication:EntraId:MetadataAddress"] = tenant.MetadataAddress;
        factory.Settings["Authentication:EntraId:Audiences:0"] = LoopbackTenant.ClientId;
        anonymous = factory.CreateClient();
        admin = await ClientForAsync("admin", ["system:masters"]);
        await Samples.DefineCronTabAsync(admin);
        foreach (var ns in new[] { "team-a", "team-b" })
        {
            await admin.SendJsonAsync(HttpMethod.Post, "/api/v1/namespaces", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns } });
        }
    }

    public async Task DisposeAsync()
    {
        anonymous.Dispose();
        admin.Dispose();
        await factory.DisposeAsync();
        tenant.Dispose();
    }

    private async Task<string> IssueAsync(string subject, string[] groups, string? ns = null, DateTimeOffset? expiresAt = null) =>
        await SecuritySetup.IssueTokenAsync(factory.Services.GetRequiredService<ResourceService>(), subject, groups, ns, expiresAt, CancellationToken.None);

    private HttpClient ClientWith(string token)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private async Task<HttpClient> ClientForAsync(string subject, string[] groups, string? ns = null) => ClientWith(await IssueAsync(subject, groups, ns));

    private static string CronTabs(string ns) => $"/apis/stable.example.com/v1/namespaces/{ns}/crontabs";

    private async Task BindAsync(string ns, string user, string clusterRole)
    {
        var binding = new JsonObject
        {
            ["apiVersion"] = "rbac.authorization.k8s.io/v1",
            ["kind"] = "RoleBinding",
            ["metadata"] = new JsonObject { ["name"] = $"{user}-{clusterRole}" },
            ["roleRef"] = new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "ClusterRole", ["name"] = clusterRole },
            ["subjects"] = new JsonArray(new JsonObject { ["kind"] = "User", ["name"] = user, ["apiGroup"] = "rbac.authorization.k8s.io" }),
        };
        var response = await admin.SendJsonAsync(HttpMethod.Post, $"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings", binding);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/livez")]
    [InlineData("/readyz")]
    [InlineData("/version")]
    public async Task Probes_and_the_version_answer_without_credentials(string path)
    {
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(path)).StatusCode);
    }

    [Theory]
    [InlineData("GET", "/api/v1/namespaces")]
    [InlineData("GET", "/apis")]
    [InlineData("GET", "/openapi/v3")]
    [InlineData("POST", "/api/v1/namespaces")]
    [InlineData("GET", "/custom-resources")]
    [InlineData("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")]
    public async Task Anything_else_without_credentials_is_refused_with_a_401_status(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? new StringContent("{}") : null };
        var response = await anonymous.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var body = await response.ReadObjectAsync();
        if (path.StartsWith("/custom-resources", StringComparison.Ordinal))
        {
            // The Oakestra façade answers RFC 9457 problem details.
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(401, (int?)body["status"]);
            return;
        }

        Assert.Equal("Status", (string?)body["kind"]);
        Assert.Equal("Unauthorized", (string?)body["reason"]);
    }

    [Fact]
    public async Task An_expired_token_is_refused()
    {
        using var client = ClientWith(await IssueAsync("admin", ["system:masters"], expiresAt: DateTimeOffset.UtcNow.AddSeconds(-1)));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/namespaces")).StatusCode);
    }

    [Fact]
    public async Task A_revoked_token_is_refused_from_the_next_request_on()
    {
        var token = await IssueAsync("bob", ["system:masters"]);
        using var client = ClientWith(token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/namespaces")).StatusCode);
        Assert.True(BearerTokens.TryParse(token, out var id, out _));
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/apis/authentication.customresources.io/v1/tokens/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/namespaces")).StatusCode);
    }

    [Theory]
    [InlineData("Bearer crt_unknownid.secretsecret")]
    [InlineData("Bearer crt_x")]
    [InlineData("Bearer not-a-token")]
    [InlineData("Bearer eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln")]
    [InlineData("Basic YWRtaW46YWRtaW4=")]
    [InlineData("Bearer ")]
    public async Task Malformed_unknown_and_foreign_credentials_are_refused(string authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/namespaces");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task A_token_with_the_right_id_and_a_wrong_secret_is_refused()
    {
        var token = await IssueAsync("admin", ["system:masters"]);
        using var client = ClientWith(token[..^4] + "AAAA");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/namespaces")).StatusCode);
    }

    [Fact]
    public async Task A_token_signed_by_another_key_than_the_tenants_is_refused()
    {
        using var stranger = System.Security.Cryptography.RSA.Create(2048);
        using var client = ClientWith(tenant.Sign(tenant.UserClaims(), signWith: stranger));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/namespaces")).StatusCode);
    }

    [Fact]
    public async Task An_entra_id_user_gets_what_bindings_to_its_app_roles_grant()
    {
        using var alice = ClientWith(tenant.Sign(tenant.UserClaims()));
        Assert.Equal(HttpStatusCode.Forbidden, (await alice.GetAsync(CronTabs("team-a"))).StatusCode);

        var binding = new JsonObject
        {
            ["apiVersion"] = "rbac.authorization.k8s.io/v1",
            ["kind"] = "RoleBinding",
            ["metadata"] = new JsonObject { ["name"] = "readers" },
            ["roleRef"] = new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "ClusterRole", ["name"] = "view" },
            ["subjects"] = new JsonArray(new JsonObject { ["kind"] = "Group", ["name"] = "role:Reader", ["apiGroup"] = "rbac.authorization.k8s.io" }),
        };
        Assert.Equal(HttpStatusCode.Created, (await admin.SendJsonAsync(HttpMethod.Post, "/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings", binding)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync(CronTabs("team-a"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await alice.SendJsonAsync(HttpMethod.Post, CronTabs("team-a"), Samples.CronTab("no"))).StatusCode);
    }

    [Fact]
    public async Task A_user_bound_in_one_namespace_works_there_and_is_forbidden_elsewhere_with_a_message_naming_the_request()
    {
        await BindAsync("team-a", "carol", "edit");
        using var carol = await ClientForAsync("carol", []);
        Assert.Equal(HttpStatusCode.Created, (await carol.SendJsonAsync(HttpMethod.Post, CronTabs("team-a"), Samples.CronTab("mine"))).StatusCode);

        var refused = await carol.SendJsonAsync(HttpMethod.Post, CronTabs("team-b"), Samples.CronTab("theirs"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var status = await refused.ReadObjectAsync();
        Assert.Equal("Forbidden", (string?)status["reason"]);
        Assert.Equal("User \"carol\" cannot create resource \"crontabs\" in API group \"stable.example.com\" in the namespace \"team-b\"", ((string?)status["message"])![((string?)status["message"])!.IndexOf("User", StringComparison.Ordinal)..]);

        Assert.Equal(HttpStatusCode.Forbidden, (await carol.SendJsonAsync(HttpMethod.Post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", Samples.CronTabDefinition("other.example.com", "things", "Thing"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await carol.GetAsync("/apis/authentication.customresources.io/v1/tokens")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync(CronTabs("team-b") + "/theirs")).StatusCode);
    }

    [Fact]
    public async Task A_namespace_bound_token_reaches_only_its_namespace_whatever_rbac_grants()
    {
        using var dave = await ClientForAsync("dave", ["system:masters"], ns: "team-a");
        Assert.Equal(HttpStatusCode.OK, (await dave.GetAsync(CronTabs("team-a"))).StatusCode);
        var refused = await dave.GetAsync(CronTabs("team-b"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("bound to namespace \\\"team-a\\\"", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await dave.GetAsync("/api/v1/namespaces")).StatusCode);
    }

    [Fact]
    public async Task A_namespace_admin_cannot_grant_itself_cluster_admin()
    {
        await BindAsync("team-a", "erin", "admin");
        using var erin = await ClientForAsync("erin", []);
        var escalation = new JsonObject
        {
            ["apiVersion"] = "rbac.authorization.k8s.io/v1",
            ["kind"] = "RoleBinding",
            ["metadata"] = new JsonObject { ["name"] = "erin-root" },
            ["roleRef"] = new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "ClusterRole", ["name"] = "cluster-admin" },
            ["subjects"] = new JsonArray(new JsonObject { ["kind"] = "User", ["name"] = "erin", ["apiGroup"] = "rbac.authorization.k8s.io" }),
        };
        var response = await erin.SendJsonAsync(HttpMethod.Post, "/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings", escalation);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings/erin-root")).StatusCode);
    }

    [Fact]
    public async Task Self_subject_access_reviews_answer_for_the_caller()
    {
        await BindAsync("team-a", "frank", "view");
        using var frank = await ClientForAsync("frank", []);
        async Task<bool?> CanAsync(string verb, string ns)
        {
            var review = new JsonObject
            {
                ["apiVersion"] = "authorization.k8s.io/v1",
                ["kind"] = "SelfSubjectAccessReview",
                ["spec"] = new JsonObject { ["resourceAttributes"] = new JsonObject { ["namespace"] = ns, ["verb"] = verb, ["group"] = "stable.example.com", ["resource"] = "crontabs" } },
            };
            var response = await frank.SendJsonAsync(HttpMethod.Post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", review);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return (bool?)(await response.ReadObjectAsync())["status"]!["allowed"];
        }

        Assert.True(await CanAsync("list", "team-a"));
        Assert.False(await CanAsync("create", "team-a"));
        Assert.False(await CanAsync("list", "team-b"));
    }

    [Fact]
    public async Task A_token_created_through_the_api_from_a_client_side_hash_authenticates()
    {
        var issued = BearerTokens.Issue("grace", ["system:masters"], null, null);
        var created = await admin.SendJsonAsync(HttpMethod.Post, "/apis/authentication.customresources.io/v1/tokens", TokenDefinitions.ToObject(issued.Record));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var grace = ClientWith(issued.Token);
        Assert.Equal(HttpStatusCode.OK, (await grace.GetAsync("/api/v1/namespaces")).StatusCode);

        var bad = TokenDefinitions.ToObject(BearerTokens.Issue("x", [], null, null).Record);
        bad["spec"]!["secretHash"] = "not-a-hash";
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await admin.SendJsonAsync(HttpMethod.Post, "/apis/authentication.customresources.io/v1/tokens", bad)).StatusCode);
    }

    [Fact]
    public async Task Responses_carry_security_headers()
    {
        foreach (var response in new[] { await anonymous.GetAsync("/healthz"), await anonymous.GetAsync("/api/v1/namespaces") })
        {
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Every_mutating_request_is_audited_with_who_what_and_the_result_and_no_query_string()
    {
        await BindAsync("team-a", "heidi", "edit");
        using var heidi = await ClientForAsync("heidi", []);
        Assert.Equal(HttpStatusCode.Created, (await heidi.SendJsonAsync(HttpMethod.Post, CronTabs("team-a") + "?fieldManager=secret-ish", Samples.CronTab("audited"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await heidi.DeleteAsync(CronTabs("team-b") + "/nothing")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/api/v1/namespaces", new StringContent("{}"))).StatusCode);
        await heidi.GetAsync(CronTabs("team-a"));

        var path = JsonLinesAuditSinkOptions.DefaultPathBeside(factory.DatabasePath);
        var records = new List<AuditRecord>();
        await foreach (var record in AuditLogReader.ReadAsync(path, AuditQuery.All, CancellationToken.None))
        {
            records.Add(record);
        }

        var create = Assert.Single(records, r => r.User == "heidi" && r.Verb == "create");
        Assert.Equal(("stable.example.com", "crontabs", "team-a", 201), (create.ApiGroup, create.Resource, create.Namespace, create.StatusCode));
        Assert.DoesNotContain("?", create.Path, StringComparison.Ordinal);
        var denied = Assert.Single(records, r => r.User == "heidi" && r.Verb == "delete");
        Assert.Equal((403, "team-b", "nothing"), (denied.StatusCode, denied.Namespace, denied.Name));
        Assert.Contains(records, r => r.User == "system:anonymous" && r.StatusCode == 401);
        Assert.DoesNotContain(records, r => r.User == "heidi" && r.Verb == "list");
        Assert.DoesNotContain(records, r => File.ReadAllText(path).Contains("crt_", StringComparison.Ordinal));
    }
}
