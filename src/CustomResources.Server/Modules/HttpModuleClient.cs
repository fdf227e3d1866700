using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomResources.Core.Modules;

namespace CustomResources.Server.Modules;

/// <summary>
/// The module HTTP contract over a shared <see cref="HttpClient"/>: each call is bounded by its own timeout, responses
/// are capped at 1 MiB, and connection failures and timeouts are retryable failures, not exceptions.
/// </summary>
public sealed class HttpModuleClient(HttpClient http, TimeSpan callTimeout, TimeSpan healthTimeout) : IModuleClient
{
    private const int MaxResponseBytes = 1024 * 1024;

    public async Task<bool> IsHealthyAsync(ModuleEndpoint endpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(healthTimeout);
        try
        {
            using var response = await http.GetAsync(new Uri(endpoint.BaseAddress, "health"), timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                return false;
            }

            var body = await ReadCappedAsync(response, timeout.Token);
            return JsonNode.Parse(body.Length == 0 ? "{}" : body) is not JsonObject health || health["healthy"] is not JsonValue h || !h.TryGetValue<bool>(out var healthy) || healthy;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public async Task<ModuleCallResult> CallAsync(ModuleEndpoint endpoint, ModuleOperation operation, JsonObject body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(callTimeout);
        try
        {
            using var response = await http.PostAsJsonAsync(new Uri(endpoint.BaseAddress, ModuleOperations.Path(operation)), body, timeout.Token);
            return ModuleOperations.Classify((int)response.StatusCode, await ReadCappedAsync(response, timeout.Token));
        }
        catch (HttpRequestException e)
        {
            return ModuleCallResult.Failure(retryable: true, 0, $"cannot reach the module: {e.Message}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ModuleCallResult.Failure(retryable: true, 0, $"the module did not answer {ModuleOperations.Path(operation)} within {callTimeout.TotalSeconds:0.#} s");
        }
    }

    private static async Task<string> ReadCappedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        return System.Text.Encoding.UTF8.GetString(await ReadUpToAsync(stream, MaxResponseBytes, cancellationToken));
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes of <paramref name="stream"/> (ask for one more to detect an oversized body).</summary>
    internal static async Task<byte[]> ReadUpToAsync(Stream stream, int limit, CancellationToken cancellationToken)
    {
        var buffer = new byte[limit];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += read;
        }

        return buffer[..total];
    }
}
