using System.Text;
using System.Text.Json.Nodes;
using CustomResources.Core.Admission;

namespace CustomResources.Server;

/// <summary>
/// Calls admission webhooks over the outbound client (<see cref="OutboundHttp"/>): the URL policy is enforced again at
/// connect time, redirects are failures, and answers above <see cref="OutboundHttp.MaxResponseBytes"/> are refused.
/// </summary>
public sealed class HttpAdmissionWebhookClient(IHttpClientFactory factory) : IAdmissionWebhookClient
{
    public async Task<JsonNode?> PostAsync(Uri url, JsonObject review, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(review);
        var client = factory.CreateClient(OutboundHttp.ClientName);
        using var content = new StringContent(review.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(url, content, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new AdmissionCallException($"failed to call webhook: Post \"{url}\": the server responded with {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        try
        {
            return JsonNode.Parse(body);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new AdmissionCallException($"failed to call webhook: the response is not JSON: {e.Message}");
        }
    }

    /// <summary>Registers the admission component and this client (after <see cref="OutboundHttp.AddOutboundHttp"/>).</summary>
    public static IServiceCollection AddAdmissionWebhooks(IServiceCollection services)
    {
        services.AddSingleton<IAdmissionWebhookClient, HttpAdmissionWebhookClient>();
        services.AddSingleton<AdmissionWebhooks>();
        return services;
    }
}
