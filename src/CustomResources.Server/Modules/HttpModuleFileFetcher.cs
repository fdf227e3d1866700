using CustomResources.Core.Modules;
using CustomResources.Core.Outbound;

namespace CustomResources.Server.Modules;

/// <summary>
/// Fetches a module file named by <c>spec.source.httpURL</c> once, under the hooks' outbound rule (https, no private
/// addresses unless the host is in <c>Outbound:AllowedHosts</c>, checked again at connect time), within 10 s and 64 KiB.
/// </summary>
public sealed class HttpModuleFileFetcher(IHttpClientFactory clients, OutboundPolicy policy) : IModuleFileFetcher
{
    public const int MaxBytes = 64 * 1024;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public async Task<string> FetchAsync(Uri url, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (policy.CheckUrl("spec.source.httpURL", url.ToString()) is { Count: > 0 } problems)
        {
            throw new ModuleFileFetchException(string.Join("; ", problems.Select(p => p.Message)));
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        try
        {
            using var response = await clients.CreateClient(OutboundHttp.ClientName).GetAsync(url, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw new ModuleFileFetchException($"fetching {url} answered HTTP {(int)response.StatusCode}");
            }

            await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
            var body = await HttpModuleClient.ReadUpToAsync(stream, MaxBytes + 1, timeout.Token);
            if (body.Length > MaxBytes)
            {
                throw new ModuleFileFetchException($"the module file at {url} is larger than {MaxBytes} bytes");
            }

            return System.Text.Encoding.UTF8.GetString(body);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new ModuleFileFetchException($"fetching {url} took longer than {Timeout.TotalSeconds:0} s");
        }
    }
}
