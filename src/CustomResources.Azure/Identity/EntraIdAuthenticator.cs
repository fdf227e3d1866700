using System.Globalization;
using System.Security.Claims;
using CustomResources.Core.Authentication;
using CustomResources.Core.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CustomResources.Azure.Identity;

/// <summary>
/// Accepts Microsoft Entra ID access tokens: RS256 JWTs signed with a key from the tenant's JWKS (chosen by <c>kid</c>),
/// issued by the tenant, for one of the configured audiences, within their lifetime. See <see cref="EntraIdOptions"/> for
/// how claims become the user's name and groups.
/// </summary>
/// <remarks>
/// Returns <see cref="AuthenticationResult.NotMine"/> for tokens that are not JWTs (server-issued <c>crt_{id}.{secret}</c>
/// tokens, opaque strings) and for JWTs whose <c>iss</c> is not one of the tenant's issuers, so other authenticators can
/// take them; every other failure is a refusal whose reason never contains the token.
/// </remarks>
public sealed partial class EntraIdAuthenticator : IBearerAuthenticator, IDisposable
{
    private const string RequiredAlgorithm = SecurityAlgorithms.RsaSha256;
    private const string ReservedPrefix = "system:";
    private const int MaxEchoedValueLength = 120;

    private readonly EntraIdOptions _options;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly EntraIdMetadataSource _metadata;
    private readonly ILogger _logger;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly string[] _usernameClaims;

    public EntraIdAuthenticator(IOptions<EntraIdOptions> options, TimeProvider? timeProvider = null, ILogger<EntraIdAuthenticator>? logger = null)
        : this(options, httpClient: null, timeProvider, logger)
    {
    }

    /// <summary>Uses <paramref name="httpClient"/> (not disposed here) to read metadata and keys, or an own client when null.</summary>
    public EntraIdAuthenticator(IOptions<EntraIdOptions> options, HttpClient? httpClient, TimeProvider? timeProvider = null, ILogger<EntraIdAuthenticator>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _ownsHttp = httpClient is null;
        _http = httpClient ?? new HttpClient { Timeout = TimeSpan.FromSeconds(15), MaxResponseContentBufferSize = EntraIdMetadataSource.MaxDocumentBytes };
        _logger = logger ?? NullLogger<EntraIdAuthenticator>.Instance;
        _usernameClaims = string.IsNullOrWhiteSpace(_options.UsernameClaim) ? [.. EntraIdOptions.DefaultUsernameClaims] : [_options.UsernameClaim.Trim()];
        _metadata = new EntraIdMetadataSource(
            _http,
            _options.ResolveMetadataAddress(),
            [.. _options.ValidIssuers.Where(i => !string.IsNullOrWhiteSpace(i)).Select(i => i.Trim())],
            _options.MetadataRefreshInterval,
            timeProvider ?? TimeProvider.System);
    }

    /// <summary>How many times the metadata document was read (diagnostics and tests).</summary>
    internal int MetadataReads => _metadata.Reads;

    public async Task<AuthenticationResult> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        if (!LooksLikeJwt(token))
        {
            return AuthenticationResult.NotMine;
        }

        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(token);
        }
        catch (Exception ex) when (ex is ArgumentException or SecurityTokenMalformedException)
        {
            return Refuse("malformed JWT: its header and payload must be base64url-encoded JSON objects");
        }

        if (!TryGetString(jwt, JwtRegisteredClaimNames.Iss, out var issuer))
        {
            return Refuse("JWT has no iss claim");
        }

        var (metadata, failure) = await _metadata.GetAsync(cancellationToken).ConfigureAwait(false);
        if (metadata is null)
        {
            LogMetadataUnavailable(_logger, failure ?? "unknown");
            return Refuse($"Entra ID sign-in is unavailable: {failure}");
        }

        if (!metadata.Issuers.Contains(issuer))
        {
            LogNotOurIssuer(_logger, issuer);
            return AuthenticationResult.NotMine;
        }

        if (!string.Equals(jwt.Alg, RequiredAlgorithm, StringComparison.Ordinal))
        {
            return Refuse($"JWT alg '{Echo(jwt.Alg)}' is not accepted; Entra ID tokens are signed with {RequiredAlgorithm}");
        }

        var kid = jwt.Kid;
        if (string.IsNullOrEmpty(kid))
        {
            return Refuse("JWT header has no kid naming its signing key");
        }

        if (!metadata.KeysById.ContainsKey(kid))
        {
            var refreshed = await _metadata.RefreshForUnknownKeyAsync(cancellationToken).ConfigureAwait(false);
            metadata = refreshed.Metadata ?? metadata;
            if (!metadata.KeysById.ContainsKey(kid))
            {
                return Refuse($"JWT is signed with key '{Echo(kid)}', which is not in the tenant's signing keys (keys are re-read at most every {EntraIdMetadataSource.MinimumRefreshInterval.TotalMinutes:0} minutes)");
            }

            LogKeysRefreshed(_logger, kid);
        }

        var parameters = new TokenValidationParameters
        {
            ValidIssuers = metadata.Issuers,
            ValidAudiences = _options.Audiences,
            IssuerSigningKeys = metadata.KeysById.Values,
            TryAllIssuerSigningKeys = false,
            ValidAlgorithms = [RequiredAlgorithm],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ValidateIssuer = true,
            ValidateAudience = true,
            ClockSkew = _options.ClockSkew,
        };

        var result = await _handler.ValidateTokenAsync(jwt, parameters).ConfigureAwait(false);
        if (!result.IsValid)
        {
            return Refuse(Describe(result.Exception, jwt, kid));
        }

        return MapUser(jwt);
    }

    /// <summary>Three dot-separated base64url parts (the signature may be empty, as with <c>alg: none</c>); never a server-issued token.</summary>
    internal static bool LooksLikeJwt(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.StartsWith(BearerTokens.Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = token.Split('.');
        return parts.Length == 3 && parts[0].Length > 0 && parts[1].Length > 0 && parts.All(IsBase64Url);

        static bool IsBase64Url(string part) => part.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
    }

    private AuthenticationResult MapUser(JsonWebToken jwt)
    {
        string? value = null;
        string? claim = null;
        foreach (var candidate in _usernameClaims)
        {
            if (TryGetString(jwt, candidate, out var found))
            {
                (claim, value) = (candidate, found);
                break;
            }
        }

        if (value is null)
        {
            return Refuse(_usernameClaims.Length == 1
                ? $"JWT has no '{_usernameClaims[0]}' claim ({EntraIdOptions.Section}:UsernameClaim)"
                : $"JWT has none of the claims {string.Join(", ", _usernameClaims)} to name the user");
        }

        var name = _options.UsernamePrefix + value;
        if (name.StartsWith(ReservedPrefix, StringComparison.Ordinal))
        {
            return Refuse($"the user name from claim '{claim}' starts with {ReservedPrefix}, which tokens may not claim");
        }

        var groups = new List<string>();
        AddGroups(jwt, "groups", _options.GroupsPrefix, groups);
        AddGroups(jwt, "roles", _options.RolesPrefix, groups);
        if (jwt.TryGetPayloadValue<object>("_claim_names", out _) || jwt.TryGetPayloadValue<object>("hasgroups", out _))
        {
            LogGroupsOverage(_logger, name);
        }

        return AuthenticationResult.Success(UserInfo.Authenticated(name, groups));
    }

    private static void AddGroups(JsonWebToken jwt, string claimType, string prefix, List<string> groups)
    {
        foreach (var claim in jwt.Claims)
        {
            if (claim.Type == claimType && !string.IsNullOrWhiteSpace(claim.Value))
            {
                var group = prefix + claim.Value;
                if (!group.StartsWith(ReservedPrefix, StringComparison.Ordinal))
                {
                    groups.Add(group);
                }
            }
        }
    }

    private static bool TryGetString(JsonWebToken jwt, string claimType, out string value)
    {
        foreach (var claim in jwt.Claims)
        {
            if (claim.Type == claimType && claim.ValueType == ClaimValueTypes.String && !string.IsNullOrWhiteSpace(claim.Value))
            {
                value = claim.Value;
                return true;
            }
        }

        value = "";
        return false;
    }

    private string Describe(Exception? exception, JsonWebToken jwt, string kid) => exception switch
    {
        SecurityTokenExpiredException expired =>
            $"JWT expired at {Format(expired.Expires)} (clock skew allowed: {_options.ClockSkew})",
        SecurityTokenNotYetValidException notYet =>
            $"JWT is not valid before {Format(notYet.NotBefore)} (clock skew allowed: {_options.ClockSkew})",
        SecurityTokenNoExpirationException =>
            "JWT has no exp claim",
        SecurityTokenInvalidLifetimeException =>
            "JWT lifetime is invalid (nbf after exp)",
        SecurityTokenInvalidAudienceException =>
            $"JWT audience '{Echo(string.Join(", ", jwt.Audiences))}' is not one of {EntraIdOptions.Section}:Audiences",
        SecurityTokenInvalidIssuerException =>
            $"JWT issuer '{Echo(jwt.Issuer)}' is not accepted",
        SecurityTokenSignatureKeyNotFoundException =>
            $"JWT is signed with key '{Echo(kid)}', which is not in the tenant's signing keys",
        SecurityTokenInvalidAlgorithmException =>
            $"JWT alg '{Echo(jwt.Alg)}' is not accepted; Entra ID tokens are signed with {RequiredAlgorithm}",
        SecurityTokenInvalidSignatureException =>
            $"JWT signature does not verify with the tenant's key '{Echo(kid)}' (tampered, or signed by another key)",
        SecurityTokenMalformedException or ArgumentException =>
            "malformed JWT",
        null => "JWT rejected",
        _ => $"JWT rejected ({exception.GetType().Name})",
    };

    private static string Format(DateTime instant) => instant.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A value from the token, shortened, for a refusal reason or a log line (the token itself is never echoed).</summary>
    private static string Echo(string? value) =>
        value is null ? "" : value.Length <= MaxEchoedValueLength ? value : string.Concat(value.AsSpan(0, MaxEchoedValueLength), "…");

    private AuthenticationResult Refuse(string reason)
    {
        LogRefused(_logger, reason);
        return AuthenticationResult.Refused(reason);
    }

    public void Dispose()
    {
        _metadata.Dispose();
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Entra ID token refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Entra ID metadata unavailable: {Failure}")]
    private static partial void LogMetadataUnavailable(ILogger logger, string failure);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "JWT issuer '{Issuer}' is not the configured Entra ID tenant's; leaving the token to other authenticators")]
    private static partial void LogNotOurIssuer(ILogger logger, string issuer);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Entra ID signing keys re-read for key '{Kid}'")]
    private static partial void LogKeysRefreshed(ILogger logger, string kid);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Entra ID token for '{User}' has too many groups to list (groups overage); only the groups in the token and app roles are used. Prefer app roles.")]
    private static partial void LogGroupsOverage(ILogger logger, string user);
}
