using System.Text.Json;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace CustomResources.Azure.Identity;

/// <summary>What the tenant's metadata says tokens must look like: the issuers to accept and the keys they are signed with.</summary>
internal sealed record EntraIdSigningMetadata(IReadOnlySet<string> Issuers, IReadOnlyDictionary<string, SecurityKey> KeysById);

/// <summary>The outcome of reading metadata: the metadata in use (possibly older, when a re-read failed), or why there is none.</summary>
internal readonly record struct MetadataResult(EntraIdSigningMetadata? Metadata, string? Failure);

/// <summary>
/// Reads the OpenID Connect metadata and the JWKS it names, and keeps them for <see cref="EntraIdOptions.MetadataRefreshInterval"/>.
/// A token signed with an unknown <c>kid</c> may make it read again, at most once per <see cref="MinimumRefreshInterval"/>;
/// after a failed read with nothing cached, the next try waits <see cref="FailureRetryInterval"/> so an outage is not hammered.
/// Only https addresses are read, or http to loopback hosts (tests).
/// </summary>
internal sealed class EntraIdMetadataSource : IDisposable
{
    public static readonly TimeSpan MinimumRefreshInterval = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan FailureRetryInterval = TimeSpan.FromSeconds(10);
    internal const int MaxDocumentBytes = 1024 * 1024;
    private static readonly HashSet<string> PublicCloudIssuerHosts = new(StringComparer.OrdinalIgnoreCase) { "login.microsoftonline.com", "sts.windows.net" };

    private readonly HttpClient _http;
    private readonly string _address;
    private readonly IReadOnlyList<string> _configuredIssuers;
    private readonly TimeSpan _refreshInterval;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private EntraIdSigningMetadata? _current;
    private DateTimeOffset _fetchedAt;
    private DateTimeOffset _lastAttempt = DateTimeOffset.MinValue;
    private string? _lastFailure;

    public EntraIdMetadataSource(HttpClient http, string address, IReadOnlyList<string> configuredIssuers, TimeSpan refreshInterval, TimeProvider time)
    {
        _http = http;
        _address = address;
        _configuredIssuers = configuredIssuers;
        _refreshInterval = refreshInterval;
        _time = time;
    }

    /// <summary>How many times the metadata document was requested (for tests and diagnostics).</summary>
    public int Reads { get; private set; }

    /// <summary>The failure of the last read, when it failed and older metadata stayed in use.</summary>
    public string? LastFailure => _lastFailure;

    public Task<MetadataResult> GetAsync(CancellationToken cancellationToken) => GetAsync(forceRefresh: false, cancellationToken);

    /// <summary>Reads again because a token named a key not in the set, unless the last read is under five minutes old.</summary>
    public Task<MetadataResult> RefreshForUnknownKeyAsync(CancellationToken cancellationToken) => GetAsync(forceRefresh: true, cancellationToken);

    private async Task<MetadataResult> GetAsync(bool forceRefresh, CancellationToken cancellationToken)
    {
        var current = Volatile.Read(ref _current);
        if (current is not null && !forceRefresh && _time.GetUtcNow() - _fetchedAt < _refreshInterval)
        {
            return new(current, null);
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            current = _current;
            if (current is not null)
            {
                var fresh = now - _fetchedAt < _refreshInterval;
                if ((!forceRefresh && fresh) || now - _lastAttempt < MinimumRefreshInterval)
                {
                    return new(current, null);
                }
            }
            else if (_lastFailure is not null && now - _lastAttempt < FailureRetryInterval)
            {
                return new(null, _lastFailure);
            }

            _lastAttempt = now;
            try
            {
                var read = await ReadAsync(cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _current, read);
                _fetchedAt = now;
                _lastFailure = null;
                return new(read, null);
            }
            catch (Exception ex) when (ex is HttpRequestException or JsonException or ArgumentException or InvalidOperationException or MetadataException
                                           || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                _lastFailure = ex switch
                {
                    MetadataException => ex.Message,
                    TaskCanceledException => $"reading {_address} timed out",
                    HttpRequestException => $"reading {_address} failed: {ex.Message}",
                    _ => $"the document at {_address} or its JWKS is not valid OpenID Connect metadata: {ex.Message}",
                };
                return new(current, current is null ? _lastFailure : null);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<EntraIdSigningMetadata> ReadAsync(CancellationToken cancellationToken)
    {
        Reads++;
        var configuration = new OpenIdConnectConfiguration(await GetDocumentAsync(_address, cancellationToken).ConfigureAwait(false));
        if (string.IsNullOrWhiteSpace(configuration.Issuer))
        {
            throw new MetadataException($"the metadata at {_address} names no issuer");
        }

        if (configuration.Issuer.Contains('{', StringComparison.Ordinal))
        {
            throw new MetadataException($"the metadata at {_address} names no single tenant (issuer '{configuration.Issuer}'); use a tenant-specific authority");
        }

        if (string.IsNullOrWhiteSpace(configuration.JwksUri))
        {
            throw new MetadataException($"the metadata at {_address} names no jwks_uri");
        }

        var keySet = new JsonWebKeySet(await GetDocumentAsync(configuration.JwksUri, cancellationToken).ConfigureAwait(false));
        var keys = new Dictionary<string, SecurityKey>(StringComparer.Ordinal);
        foreach (var key in keySet.GetSigningKeys())
        {
            if (!string.IsNullOrEmpty(key.KeyId))
            {
                keys.TryAdd(key.KeyId, key);
            }
        }

        if (keys.Count == 0)
        {
            throw new MetadataException($"the JWKS at {configuration.JwksUri} has no signing key with a kid");
        }

        return new(IssuersFor(configuration.Issuer), keys);
    }

    private HashSet<string> IssuersFor(string metadataIssuer)
    {
        if (_configuredIssuers.Count > 0)
        {
            return new HashSet<string>(_configuredIssuers, StringComparer.Ordinal);
        }

        var issuers = new HashSet<string>(StringComparer.Ordinal) { metadataIssuer };
        if (Uri.TryCreate(metadataIssuer, UriKind.Absolute, out var uri)
            && PublicCloudIssuerHosts.Contains(uri.Host)
            && uri.Segments.Length > 1
            && Guid.TryParse(uri.Segments[1].Trim('/'), out var tenantId))
        {
            issuers.Add($"https://sts.windows.net/{tenantId:D}/");
            issuers.Add($"https://login.microsoftonline.com/{tenantId:D}/v2.0");
        }

        return issuers;
    }

    private async Task<string> GetDocumentAsync(string address, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || !EntraIdOptions.IsAllowedEndpoint(uri))
        {
            throw new MetadataException($"refusing to read '{address}': metadata and keys are read over https only (http only from loopback hosts)");
        }

        using var response = await _http.GetAsync(uri, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new MetadataException($"reading {address} returned HTTP {(int)response.StatusCode}");
        }

        if (response.Content.Headers.ContentLength > MaxDocumentBytes)
        {
            throw new MetadataException($"the document at {address} is larger than {MaxDocumentBytes} bytes");
        }

        return await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _gate.Dispose();

    private sealed class MetadataException(string message) : Exception(message);
}
