using CustomResources.Core.Security;
using CustomResources.Core.Storage;

namespace CustomResources.Core.Authentication;

/// <summary>
/// Authenticates server-issued tokens (<c>crt_{id}.{secret}</c>) against the stored Token objects: an unknown id
/// (never issued, or revoked by deleting the Token), a wrong secret or an expired token is refused.
/// </summary>
public sealed class ServerTokenAuthenticator(IObjectStore store, TimeProvider clock) : IBearerAuthenticator
{
    public async Task<AuthenticationResult> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (!token.StartsWith(BearerTokens.Prefix, StringComparison.Ordinal))
        {
            return AuthenticationResult.NotMine;
        }

        if (!BearerTokens.TryParse(token, out var id, out var secret))
        {
            return AuthenticationResult.Refused("malformed server token");
        }

        var stored = await store.GetAsync(TokenDefinitions.Key(id), cancellationToken).ConfigureAwait(false);
        if (stored is null || TokenDefinitions.FromObject(stored.Object) is not { } record)
        {
            return AuthenticationResult.Refused($"token {id} is unknown or revoked");
        }

        return BearerTokens.Verify(record, secret, clock.GetUtcNow()) switch
        {
            TokenRejection.None => AuthenticationResult.Success(UserInfo.Authenticated(record.Subject, record.Groups) with { Namespace = record.Namespace }),
            TokenRejection.Expired => AuthenticationResult.Refused($"token {id} expired at {record.ExpiresAt:O}"),
            _ => AuthenticationResult.Refused($"token {id}: wrong secret"),
        };
    }
}
