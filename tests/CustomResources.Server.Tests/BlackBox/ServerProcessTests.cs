using System.Net;
using System.Text.Json.Nodes;
using CustomResources.Server.Tests.Infrastructure;

namespace CustomResources.Server.Tests.BlackBox;

/// <summary>The server as a user runs it: start-up checks, crashes and restarts.</summary>
[Collection("kubectl")]
public sealed class ServerProcessTests
{
    [Theory]
    [InlineData("--Storage:Provider=Mongo", "Storage:Provider must be 'Sqlite'")]
    [InlineData("--Server:KubernetesMinorVersion=abc", "Server:KubernetesMinorVersion")]
    [InlineData("--Storage:Path=/proc/no-such-dir/x.db", "cannot open the store at Storage:Path '/proc/no-such-dir/x.db'")]
    public async Task Invalid_configuration_stops_the_server_with_a_clear_message(string argument, string expected)
    {
        var (exitCode, output) = await ServerProcess.RunToExitAsync(argument);
        Assert.Equal(2, exitCode);
        Assert.Contains("Cannot start:", output, StringComparison.Ordinal);
        Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nul_bytes_in_the_path_are_refused_by_the_server_and_it_stays_up()
    {
        await using var server = await ServerProcess.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        var response = await client.GetAsync("/apis/stable.example.com/v1/namespaces/default/crontabs/%00");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("ok", await client.GetStringAsync("/healthz"));
    }

    [Fact]
    public async Task Sigterm_shuts_the_server_down_cleanly_and_keeps_the_data()
    {
        var directory = Path.Combine(Path.GetTempPath(), "cr-term-" + Guid.NewGuid().ToString("N"));
        await using (var server = await ServerProcess.StartAsync(directory: directory))
        {
            using var client = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
            await Samples.DefineCronTabAsync(client);
            Assert.Equal(HttpStatusCode.Created, (await client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, Samples.CronTab("kept"))).StatusCode);
            Assert.Equal(0, await server.TerminateAsync(TimeSpan.FromSeconds(15)));
            Assert.Contains("Application is shutting down", server.Output, StringComparison.Ordinal);
            Directory.CreateDirectory(directory + "-keep");
            foreach (var file in Directory.GetFiles(directory))
            {
                File.Copy(file, Path.Combine(directory + "-keep", Path.GetFileName(file)));
            }
        }

        await using var restarted = await ServerProcess.StartAsync(directory: directory + "-keep");
        using var again = new HttpClient { BaseAddress = new Uri(restarted.BaseUrl) };
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync($"{Samples.CronTabPath}/kept")).StatusCode);
    }

    [Fact]
    public async Task Committed_objects_survive_kill_9_and_restart()
    {
        var directory = Path.Combine(Path.GetTempPath(), "cr-crash-" + Guid.NewGuid().ToString("N"));
        var names = new List<string>();
        string lastVersion;
        await using (var server = await ServerProcess.StartAsync(directory: directory))
        {
            using var client = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
            await Samples.DefineCronTabAsync(client);
            for (var i = 0; i < 50; i++)
            {
                var response = await client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, Samples.CronTab($"survivor-{i}"));
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
                names.Add($"survivor-{i}");
            }

            lastVersion = (await (await client.GetAsync(Samples.CronTabPath)).ReadObjectAsync())["metadata"]!["resourceVersion"]!.GetValue<string>();

            // SIGKILL: no graceful shutdown, no WAL checkpoint.
            server.Kill();
            Directory.CreateDirectory(directory + "-keep");
            foreach (var file in Directory.GetFiles(directory))
            {
                File.Copy(file, Path.Combine(directory + "-keep", Path.GetFileName(file)));
            }
        }

        await using var restarted = await ServerProcess.StartAsync(directory: directory + "-keep");
        using var again = new HttpClient { BaseAddress = new Uri(restarted.BaseUrl) };
        var list = await (await again.GetAsync(Samples.CronTabPath)).ReadObjectAsync();
        var found = list["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>()).ToHashSet();
        Assert.All(names, n => Assert.Contains(n, found));
        var created = await (await again.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, Samples.CronTab("after-restart"))).ReadObjectAsync();
        Assert.True(long.Parse(created["metadata"]!["resourceVersion"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) > long.Parse(lastVersion, System.Globalization.CultureInfo.InvariantCulture));
    }
}
