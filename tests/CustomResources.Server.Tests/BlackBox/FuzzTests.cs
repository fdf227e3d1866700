using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using CustomResources.Server.Security;
using CustomResources.Server.Tests.Infrastructure;

namespace CustomResources.Server.Tests.BlackBox;

/// <summary>
/// Fuzz-style abuse of a real server process with authentication on: malformed request lines and headers, huge
/// headers and bodies, path traversal and encoding tricks, garbage bodies with and without credentials. Nothing may
/// be written, no answer may be a server error (500, 502-504), secrets must not reach the log, and the server must keep serving.
/// </summary>
public sealed class FuzzTests : IAsyncLifetime
{
    private ServerProcess? server;
    private string token = "";

    private ServerProcess Server => server!;

    public async Task InitializeAsync()
    {
        server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["Authentication__Enabled"] = "true" });
        token = Kubeconfig.ReadToken(await File.ReadAllTextAsync(Path.Combine(Server.Directory, SecuritySetup.AdminKubeconfigFile)))!;
    }

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }

    /// <summary>Sends raw bytes and returns the status code of the answer (0 when the server just closed the connection).</summary>
    private async Task<int> SendRawAsync(byte[] request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Server.Port);
        var stream = client.GetStream();
        try
        {
            await stream.WriteAsync(request);
            await stream.FlushAsync();
        }
        catch (IOException)
        {
            // The server may hang up before reading everything (a too-large request): that is an answer too.
        }

        var buffer = new byte[512];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        int read;
        try
        {
            read = await stream.ReadAsync(buffer, timeout.Token);
        }
        catch (IOException)
        {
            return 0;
        }

        var head = Encoding.ASCII.GetString(buffer, 0, read);
        return head.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) ? int.Parse(head[9..12], System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    private static byte[] Request(string method, string target, string headers, byte[]? body = null)
    {
        var head = $"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}Content-Length: {body?.Length ?? 0}\r\nConnection: close\r\n\r\n";
        return [.. Encoding.Latin1.GetBytes(head), .. body ?? []];
    }

    private string Auth => $"Authorization: Bearer {token}\r\n";

    private async Task<int> CountNamespacesAsync()
    {
        using var client = new HttpClient { BaseAddress = new Uri(Server.BaseUrl) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        var list = await (await client.GetAsync("/api/v1/namespaces")).ReadObjectAsync();
        return list["items"]!.AsArray().Count;
    }

    [Fact]
    public async Task Malformed_huge_and_hostile_requests_write_nothing_get_no_server_error_and_the_server_stays_up()
    {
        var before = await CountNamespacesAsync();
        var validNamespace = Encoding.UTF8.GetBytes("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"fuzzed"}}""");
        var cases = new List<(string Name, byte[] Request)>
        {
            ("no credentials", Request("POST", "/api/v1/namespaces", "Content-Type: application/json\r\n", validNamespace)),
            ("bad token", Request("POST", "/api/v1/namespaces", "Authorization: Bearer crt_aaaaaaaaaaaa.bbbb\r\nContent-Type: application/json\r\n", validNamespace)),
            ("two authorization headers", Request("POST", "/api/v1/namespaces", Auth + "Authorization: Bearer x\r\nContent-Type: application/json\r\n", validNamespace)),
            ("header without colon", Request("POST", "/api/v1/namespaces", Auth + "Garbage header line\r\n", validNamespace)),
            ("header with control bytes", Request("POST", "/api/v1/namespaces", Auth + "X-Evil: a\u0001b\u007f\r\n", validNamespace)),
            ("huge header", Request("POST", "/api/v1/namespaces", Auth + $"X-Big: {new string('a', 100_000)}\r\n", validNamespace)),
            ("huge request line", Request("POST", "/api/v1/namespaces?" + new string('q', 40_000), Auth, validNamespace)),
            ("huge body", Request("POST", "/api/v1/namespaces", Auth + "Content-Type: application/json\r\n", [.. Encoding.ASCII.GetBytes("{\"x\":\""), .. Enumerable.Repeat((byte)'a', 4 * 1024 * 1024), .. Encoding.ASCII.GetBytes("\"}")])),
            ("lying content length", Encoding.ASCII.GetBytes($"POST /api/v1/namespaces HTTP/1.1\r\nHost: x\r\n{Auth}Content-Length: 999999999999\r\nConnection: close\r\n\r\n{{}}")),
            ("bad method", Request("FOO\u0000", "/api/v1/namespaces", Auth)),
            ("not http", Encoding.ASCII.GetBytes("\u0016\u0003\u0001\u0002\u0000garbage\r\n\r\n")),
            ("dot segments", Request("POST", "/api/v1/../../api/v1/namespaces/../namespaces", Auth + "Content-Type: application/json\r\n", validNamespace)),
            ("encoded dot segments", Request("POST", "/api/v1/namespaces/%2e%2e/%2e%2e/namespaces", Auth + "Content-Type: application/json\r\n", validNamespace)),
            ("encoded slash in name", Request("PUT", "/api/v1/namespaces/a%2Fb", Auth + "Content-Type: application/json\r\n", validNamespace)),
            ("nul in path", Request("POST", "/api/v1/namespaces%00/x", Auth + "Content-Type: application/json\r\n", validNamespace)),
            ("backslashes", Request("POST", "/api\\v1\\namespaces", Auth + "Content-Type: application/json\r\n", validNamespace)),
            ("absolute uri target", Request("POST", "http://evil.example/api/v1/namespaces", "Content-Type: application/json\r\n", validNamespace)),
            ("invalid utf-8 body", Request("POST", "/api/v1/namespaces", Auth + "Content-Type: application/json\r\n", [0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])),
            ("garbage protobuf", Request("POST", "/api/v1/namespaces", Auth + "Content-Type: application/vnd.kubernetes.protobuf\r\n", [0x6b, 0x38, 0x73, 0x00, 0xff, 0xff, 0xff, 0x0f])),
            ("garbage rbac protobuf", Request("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", Auth + "Content-Type: application/vnd.kubernetes.protobuf\r\n", [0x6b, 0x38, 0x73, 0x00, 0x0a, 0xff, 0x01])),
            ("yaml bomb", Request("POST", "/api/v1/namespaces", Auth + "Content-Type: application/yaml\r\n", Encoding.ASCII.GetBytes("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"))),
            ("deep json", Request("POST", "/api/v1/namespaces", Auth + "Content-Type: application/json\r\n", Encoding.ASCII.GetBytes(new string('[', 100_000) + new string(']', 100_000)))),
            ("chunked garbage", Encoding.ASCII.GetBytes($"POST /api/v1/namespaces HTTP/1.1\r\nHost: x\r\n{Auth}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\nabc\r\n0\r\n\r\n")),
        };

        // Seeded random mutations of a valid create: flipped bytes in headers and body.
        var random = new Random(20261130);
        var template = Request("POST", "/api/v1/namespaces", Auth + "Content-Type: application/json\r\n", validNamespace);
        for (var i = 0; i < 150; i++)
        {
            var mutated = (byte[])template.Clone();
            for (var flips = random.Next(1, 6); flips > 0; flips--)
            {
                // Never touch the token's bytes: a flipped token is just a bad token, already covered.
                var position = random.Next(0, mutated.Length);
                if (Encoding.Latin1.GetString(mutated).IndexOf(token, StringComparison.Ordinal) is var at && at >= 0 && position >= at && position < at + token.Length)
                {
                    continue;
                }

                mutated[position] = (byte)random.Next(0, 256);
            }

            cases.Add(($"mutation {i}", mutated));
        }

        foreach (var (name, request) in cases)
        {
            var status = await SendRawAsync(request);
            // 501 and 505 are Kestrel's protocol answers to an unknown transfer coding or HTTP version, not failures.
            Assert.True(status is 0 or (>= 400 and < 500) or 501 or 505 or 201, $"{name}: answered {status}");
            if (status == 201)
            {
                // A mutation that left the request valid may create the namespace; it must then be the one asked for.
                using var client = new HttpClient { BaseAddress = new Uri(Server.BaseUrl) };
                client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
                await client.DeleteAsync("/api/v1/namespaces/fuzzed");
                await WaitGoneAsync(client);
            }
        }

        Assert.Equal(before, await CountNamespacesAsync());
        using var health = new HttpClient { BaseAddress = new Uri(Server.BaseUrl) };
        Assert.Equal("ok", await health.GetStringAsync("/healthz"));
        Assert.DoesNotContain(token, Server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(token[(token.IndexOf('.', StringComparison.Ordinal) + 1)..], Server.Output, StringComparison.Ordinal);
    }

    private static async Task WaitGoneAsync(HttpClient client)
    {
        for (var i = 0; i < 100 && (await client.GetAsync("/api/v1/namespaces/fuzzed")).StatusCode != HttpStatusCode.NotFound; i++)
        {
            await Task.Delay(50);
        }
    }
}
