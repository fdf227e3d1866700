using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;

namespace CustomResources.Azure.Tests.Identity;

/// <summary>
/// A stand-in for an Entra ID tenant on 127.0.0.1: serves <c>/{tenant}/v2.0/.well-known/openid-configuration</c> and the
/// JWKS it names for RSA keys made in the test, and signs tokens with them. The metadata's issuer is the real public-cloud
/// v2 issuer for <see cref="TenantId"/>, as Entra ID's is.
/// </summary>
public sealed class LoopbackTenant : IDisposable
{
    public const string Audience = "api://crd-on-functions";
    public const string ClientId = "3f2a7c1e-0b5d-4e8f-9a61-2c4d6e8f0a1b";

    private readonly HttpListener _listener;
    private readonly Task _loop;
    private readonly Dictionary<string, RSA> _keys = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private int _metadataRequests;

    private LoopbackTenant(HttpListener listener, int port)
    {
        _listener = listener;
        Port = port;
        AddKey("key-1");
        _loop = Task.Run(ServeAsync);
    }

    public Guid TenantId { get; } = Guid.NewGuid();

    public int Port { get; }

    public string V2Issuer => $"https://login.microsoftonline.com/{TenantId:D}/v2.0";

    public string V1Issuer => $"https://sts.windows.net/{TenantId:D}/";

    public string MetadataAddress => $"http://127.0.0.1:{Port}/{TenantId:D}/v2.0/.well-known/openid-configuration";

    /// <summary>When set, every request is answered 503.</summary>
    public bool Down { get; set; }

    public int MetadataRequests => Volatile.Read(ref _metadataRequests);

    public static LoopbackTenant Start()
    {
        var (listener, port) = Loopback.StartHttpListener();
        return new LoopbackTenant(listener, port);
    }

    public static int FreePort() => Loopback.FreePort();

    /// <summary>Publishes a new signing key in the JWKS (a rotation).</summary>
    public void AddKey(string kid)
    {
        lock (_gate)
        {
            _keys[kid] = RSA.Create(2048);
        }
    }

    public RSA Key(string kid)
    {
        lock (_gate)
        {
            return _keys[kid];
        }
    }

    /// <summary>Claims of a typical v2 user token for this tenant, valid from a minute ago for an hour.</summary>
    public JsonObject UserClaims(string? audience = ClientId)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return new JsonObject
        {
            ["iss"] = V2Issuer,
            ["aud"] = audience,
            ["iat"] = now - 60,
            ["nbf"] = now - 60,
            ["exp"] = now + 3600,
            ["tid"] = TenantId.ToString("D"),
            ["oid"] = "9b0c1d2e-3f40-4152-a637-48596a7b8c9d",
            ["preferred_username"] = "alice@contoso.com",
            ["groups"] = new JsonArray("6c5b4a39-2817-4605-b4f3-e2d1c0b9a877", "11111111-2222-3333-4444-555555555555"),
            ["roles"] = new JsonArray("Admin", "Reader"),
            ["ver"] = "2.0",
        };
    }

    /// <summary>A compact JWS: header {alg, kid, typ} and <paramref name="claims"/>, RS256-signed with <paramref name="signWith"/> (default: the key of <paramref name="kid"/>).</summary>
    public string Sign(JsonObject claims, string kid = "key-1", RSA? signWith = null, string alg = "RS256")
    {
        var header = new JsonObject { ["alg"] = alg, ["kid"] = kid, ["typ"] = "JWT" };
        var signingInput = $"{Encode(header.ToJsonString())}.{Encode(claims.ToJsonString())}";
        var signature = (signWith ?? Key(kid)).SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{signingInput}.{Base64UrlEncoder.Encode(signature)}";
    }

    /// <summary>An unsigned token (<c>alg: none</c>, empty signature part).</summary>
    public static string Unsigned(JsonObject claims) =>
        $"{Encode(new JsonObject { ["alg"] = "none", ["typ"] = "JWT" }.ToJsonString())}.{Encode(claims.ToJsonString())}.";

    public static string Encode(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));

    private string Jwks()
    {
        var keys = new JsonArray();
        lock (_gate)
        {
            foreach (var (kid, rsa) in _keys)
            {
                var parameters = rsa.ExportParameters(includePrivateParameters: false);
                keys.Add(new JsonObject
                {
                    ["kty"] = "RSA",
                    ["use"] = "sig",
                    ["kid"] = kid,
                    ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
                    ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
                });
            }
        }

        return new JsonObject { ["keys"] = keys }.ToJsonString();
    }

    private string Metadata() => new JsonObject
    {
        ["issuer"] = V2Issuer,
        ["jwks_uri"] = $"http://127.0.0.1:{Port}/{TenantId:D}/discovery/v2.0/keys",
        ["authorization_endpoint"] = $"https://login.microsoftonline.com/{TenantId:D}/oauth2/v2.0/authorize",
        ["token_endpoint"] = $"https://login.microsoftonline.com/{TenantId:D}/oauth2/v2.0/token",
        ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
    }.ToJsonString();

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var path = context.Request.Url?.AbsolutePath ?? "";
            string? body = null;
            if (path.EndsWith("/.well-known/openid-configuration", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _metadataRequests);
                body = Metadata();
            }
            else if (path.EndsWith("/discovery/v2.0/keys", StringComparison.Ordinal))
            {
                body = Jwks();
            }

            var status = Down ? HttpStatusCode.ServiceUnavailable : body is null ? HttpStatusCode.NotFound : HttpStatusCode.OK;
            context.Response.StatusCode = (int)status;
            if (status == HttpStatusCode.OK)
            {
                var bytes = Encoding.UTF8.GetBytes(body!);
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(bytes);
            }

            context.Response.Close();
        }
    }

    public void Dispose()
    {
        Loopback.Stop(_listener);

        _loop.Wait(TimeSpan.FromSeconds(5));
        lock (_gate)
        {
            foreach (var key in _keys.Values)
            {
                key.Dispose();
            }
        }
    }
}

/// <summary>A clock the test moves by hand (only metadata caching reads it; token lifetimes use real time).</summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private DateTimeOffset _now = DateTimeOffset.UtcNow;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
