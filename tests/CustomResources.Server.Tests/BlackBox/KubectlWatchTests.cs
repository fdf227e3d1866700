using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CustomResources.Server.Tests.Infrastructure;

namespace CustomResources.Server.Tests.BlackBox;

/// <summary><c>kubectl get ct -w</c> against the real server process prints a row per change while it runs.</summary>
[Collection("kubectl")]
public sealed class KubectlWatchTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    public static TheoryData<int> Minors() => new() { 27, 30, 33 };

    [Theory]
    [MemberData(nameof(Minors))]
    public async Task Kubectl_get_watch_prints_rows_for_objects_created_modified_and_deleted_while_it_runs(int minor)
    {
        var binary = Kubectl.BundledBinary(minor);
        Assert.True(File.Exists(binary), $"{binary} is missing: the kubectl bundle of the Google Cloud SDK is expected on every machine");
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["Server__KubernetesMinorVersion"] = minor.ToString(CultureInfo.InvariantCulture) });
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        await Samples.DefineCronTabAsync(http);
        Assert.Equal(HttpStatusCode.Created, (await http.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, Samples.CronTab("before-watch"))).StatusCode);

        var kubectl = new Kubectl(binary, server.BaseUrl, server.Directory);
        using var watch = kubectl.Start("get", "ct", "-w");
        var output = new StringBuilder();
        var errors = new StringBuilder();
        watch.OutputDataReceived += (_, e) => Append(output, e.Data);
        watch.ErrorDataReceived += (_, e) => Append(errors, e.Data);
        watch.BeginOutputReadLine();
        watch.BeginErrorReadLine();
        try
        {
            await WaitForAsync(() => Lines(output).Any(l => l.StartsWith("before-watch", StringComparison.Ordinal)), watch, output, errors);

            Assert.Equal(HttpStatusCode.Created, (await http.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, Samples.CronTab("during-watch", cronSpec: "1 2 3 4 5"))).StatusCode);
            await WaitForAsync(() => Rows(output, "during-watch") >= 1, watch, output, errors);

            var patch = await http.SendJsonAsync(HttpMethod.Patch, $"{Samples.CronTabPath}/during-watch", new JsonObject { ["spec"] = new JsonObject { ["replicas"] = 4 } }, "application/merge-patch+json");
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
            await WaitForAsync(() => Rows(output, "during-watch") >= 2, watch, output, errors);

            Assert.Equal(HttpStatusCode.OK, (await http.DeleteAsync($"{Samples.CronTabPath}/during-watch")).StatusCode);
            await WaitForAsync(() => Rows(output, "during-watch") >= 3, watch, output, errors);

            var lines = Lines(output);
            Assert.Single(lines, l => l.StartsWith("NAME", StringComparison.Ordinal)); // the header once: events are Table rows
            var rows = lines.Where(l => l.StartsWith("during-watch", StringComparison.Ordinal)).ToArray();
            Assert.All(rows, r => Assert.Contains("1 2 3 4 5", r, StringComparison.Ordinal));
            Assert.Contains(" 4 ", rows[1], StringComparison.Ordinal); // the modified replicas
            Assert.False(watch.HasExited, $"kubectl get -w ended early:\n{output}\n{errors}");
        }
        finally
        {
            if (!watch.HasExited)
            {
                watch.Kill();
            }

            await watch.WaitForExitAsync();
        }
    }

    private static void Append(StringBuilder buffer, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (buffer)
        {
            buffer.AppendLine(line);
        }
    }

    private static string[] Lines(StringBuilder buffer)
    {
        lock (buffer)
        {
            return buffer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
    }

    private static int Rows(StringBuilder buffer, string name) => Lines(buffer).Count(l => l.StartsWith(name + " ", StringComparison.Ordinal));

    private static async Task WaitForAsync(Func<bool> condition, Process watch, StringBuilder output, StringBuilder errors)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            if (stopwatch.Elapsed > Bound || watch.HasExited)
            {
                Assert.Fail($"kubectl get -w did not print the expected row (exited: {watch.HasExited}).\nstdout:\n{output}\nstderr:\n{errors}");
            }

            await Task.Delay(50);
        }
    }
}
