using System.Net;
using System.Text.Json.Nodes;
using CustomResources.Azure.Cosmos;
using CustomResources.Azure.Tests.Cosmos;
using CustomResources.Server.Tests.Infrastructure;

namespace CustomResources.Server.Tests.BlackBox;

/// <summary>
/// Two server processes on one Cosmos DB store (the stand-in), as the Functions host runs several instances: a
/// change made through one is served by the other on its very next request, because no instance serves definitions,
/// discovery or OpenAPI from its own memory.
/// </summary>
[Collection(CosmosStandInGroup.Name)]
public sealed class ScaleOutTests(CosmosStandIn standIn) : IAsyncLifetime
{
    private const string Definitions = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

    private ServerProcess? first;
    private ServerProcess? second;
    private HttpClient? a;
    private HttpClient? b;

    private HttpClient A => a!;

    private HttpClient B => b!;

    public async Task InitializeAsync()
    {
        if (standIn.SkipReason is not null)
        {
            return;
        }

        var options = standIn.FreshOptions();
        var environment = new Dictionary<string, string>
        {
            ["Storage__Provider"] = "Cosmos",
            ["Storage__Cosmos__AccountEndpoint"] = options.AccountEndpoint!,
            ["Storage__Cosmos__Key"] = options.Key!,
            ["Storage__Cosmos__Database"] = options.Database,
            ["Storage__Cosmos__CreateIfMissing"] = "true",
        };

        // The first instance creates the database and container; the second finds them.
        first = await ServerProcess.StartAsync(environment);
        second = await ServerProcess.StartAsync(environment);
        a = new HttpClient { BaseAddress = new Uri(first.BaseUrl) };
        b = new HttpClient { BaseAddress = new Uri(second.BaseUrl) };
    }

    public async Task DisposeAsync()
    {
        a?.Dispose();
        b?.Dispose();
        if (first is not null)
        {
            await first.DisposeAsync();
        }

        if (second is not null)
        {
            await second.DisposeAsync();
        }
    }

    private static async Task<HttpStatusCode> StatusOfAsync(Task<HttpResponseMessage> request)
    {
        using var response = await request;
        return response.StatusCode;
    }

    [SkippableFact]
    public async Task A_definition_created_changed_and_deleted_through_one_instance_is_served_so_by_the_other_at_once()
    {
        Skip.If(standIn.SkipReason is not null, standIn.SkipReason);

        // Warm the second instance's view of the API before the definition exists.
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync(B.GetAsync("/apis/stable.example.com/v1")));
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync(B.GetAsync(Samples.CronTabPath)));

        // Created through A: B serves discovery, OpenAPI and the new endpoints on its next request.
        Assert.Equal(HttpStatusCode.Created, await StatusOfAsync(A.SendJsonAsync(HttpMethod.Post, Definitions, Samples.CronTabDefinition())));
        var groupVersion = await (await B.GetAsync("/apis/stable.example.com/v1")).ReadObjectAsync();
        Assert.Contains(groupVersion["resources"]!.AsArray(), r => (string?)r!["name"] == "crontabs");
        var aggregated = await (await B.GetWithAcceptAsync("/apis", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")).ReadObjectAsync();
        Assert.Contains(aggregated["items"]!.AsArray(), g => (string?)g!["metadata"]!["name"] == "stable.example.com");
        Assert.Equal(HttpStatusCode.OK, await StatusOfAsync(B.GetAsync("/openapi/v3/apis/stable.example.com/v1")));
        Assert.Equal(HttpStatusCode.Created, await StatusOfAsync(B.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, Samples.CronTab("from-b"))));
        var listedByA = await (await A.GetAsync(Samples.CronTabPath)).ReadObjectAsync();
        Assert.Equal(["from-b"], listedByA["items"]!.AsArray().Select(i => (string?)i!["metadata"]!["name"]));

        // Changed through A (a new required field): B enforces the new schema on its next write.
        var definition = await (await A.GetAsync($"{Definitions}/crontabs.stable.example.com")).ReadObjectAsync();
        var specSchema = definition["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!.AsObject();
        specSchema["required"]!.AsArray().Add("owner");
        specSchema["properties"]!.AsObject()["owner"] = new JsonObject { ["type"] = "string" };
        Assert.Equal(HttpStatusCode.OK, await StatusOfAsync(A.SendJsonAsync(HttpMethod.Put, $"{Definitions}/crontabs.stable.example.com", definition)));
        using (var refused = await B.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, Samples.CronTab("no-owner")))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
            Assert.Contains("owner", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var openApi = await (await B.GetAsync("/openapi/v3/apis/stable.example.com/v1")).Content.ReadAsStringAsync();
        Assert.Contains("owner", openApi, StringComparison.Ordinal);

        // Deleted through A (with its objects): B stops serving the type on its next request.
        Assert.Equal(HttpStatusCode.OK, await StatusOfAsync(A.DeleteAsync(Samples.CronTabPath + "/from-b")));
        Assert.Equal(HttpStatusCode.OK, await StatusOfAsync(A.DeleteAsync($"{Definitions}/crontabs.stable.example.com")));
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync(B.GetAsync("/apis/stable.example.com/v1")));
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync(B.GetAsync(Samples.CronTabPath)));
    }

    [SkippableFact]
    public async Task Concurrent_writes_through_both_instances_never_lose_an_update()
    {
        Skip.If(standIn.SkipReason is not null, standIn.SkipReason);
        Assert.Equal(HttpStatusCode.Created, await StatusOfAsync(A.SendJsonAsync(HttpMethod.Post, "/api/v1/namespaces", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Namespace",
            ["metadata"] = new JsonObject { ["name"] = "counter", ["annotations"] = new JsonObject { ["count"] = "0" } },
        })));

        // Each instance increments the annotation 10 times with read-modify-write and retries on 409.
        async Task IncrementAsync(HttpClient client)
        {
            for (var done = 0; done < 10;)
            {
                var ns = await (await client.GetAsync("/api/v1/namespaces/counter")).ReadObjectAsync();
                var count = int.Parse((string)ns["metadata"]!["annotations"]!["count"]!, System.Globalization.CultureInfo.InvariantCulture);
                ns["metadata"]!["annotations"]!["count"] = (count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
                using var response = await client.SendJsonAsync(HttpMethod.Put, "/api/v1/namespaces/counter", ns);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    done++;
                }
                else
                {
                    Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
                }
            }
        }

        await Task.WhenAll(IncrementAsync(A), IncrementAsync(B));
        var final = await (await B.GetAsync("/api/v1/namespaces/counter")).ReadObjectAsync();
        Assert.Equal("20", (string?)final["metadata"]!["annotations"]!["count"]);
    }
}
