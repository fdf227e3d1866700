using System.Net;
using System.Text.Json.Nodes;
using CustomResources.Server.Tests.Infrastructure;

namespace CustomResources.Server.Tests.Http;

public sealed class ConcurrencyTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Parallel_read_modify_write_loops_over_http_never_lose_an_update()
    {
        await Samples.DefineCronTabAsync(_client);
        var counter = Samples.CronTab("counter");
        counter["spec"]!["replicas"] = 1;
        counter["metadata"]!["annotations"] = new JsonObject { ["count"] = "0" };
        Assert.Equal(HttpStatusCode.Created, (await _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, counter)).StatusCode);

        const int writers = 8;
        const int incrementsEach = 25;
        var conflicts = 0;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(async _ =>
        {
            for (var done = 0; done < incrementsEach;)
            {
                var current = await (await _client.GetAsync($"{Samples.CronTabPath}/counter")).ReadObjectAsync();
                var count = int.Parse(current["metadata"]!["annotations"]!["count"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
                current["metadata"]!["annotations"]!["count"] = (count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
                var response = await _client.SendJsonAsync(HttpMethod.Put, $"{Samples.CronTabPath}/counter", current);
                if (response.StatusCode == HttpStatusCode.Conflict)
                {
                    Interlocked.Increment(ref conflicts);
                    continue;
                }

                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                done++;
            }
        }));

        var final = await (await _client.GetAsync($"{Samples.CronTabPath}/counter")).ReadObjectAsync();
        Assert.Equal((writers * incrementsEach).ToString(System.Globalization.CultureInfo.InvariantCulture), final["metadata"]!["annotations"]!["count"]!.GetValue<string>());
    }

    [Fact]
    public async Task Parallel_creates_of_one_name_have_exactly_one_winner()
    {
        await Samples.DefineCronTabAsync(_client);
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, Samples.CronTab("race"))));
        Assert.Equal(1, results.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(15, results.Count(r => r.StatusCode == HttpStatusCode.Conflict));
    }
}
