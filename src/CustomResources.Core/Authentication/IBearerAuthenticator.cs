using CustomResources.Core.Security;

namespace CustomResources.Core.Authentication;

/// <summary>
/// What an authenticator made of a bearer token: a user, a refusal with a reason (for the log, never echoing the
/// token), or <see cref="NotMine"/> when the token is not of its kind and the next authenticator should look at it.
/// </summary>
public sealed record AuthenticationResult(UserInfo? User, string? Failure)
{
    public static AuthenticationResult NotMine { get; } = new(null, null);

    public static AuthenticationResult Success(UserInfo user) => new(user, null);

    public static AuthenticationResult Refused(string reason) => new(null, reason);

    public bool Succeeded => User is not null;

    public bool IsRefusal => User is null && Failure is not null;
}

/// <summary>One way of turning an <c>Authorization: Bearer</c> token into a user (server-issued tokens, Entra ID JWTs).</summary>
public interface IBearerAuthenticator
{
    Task<AuthenticationResult> AuthenticateAsync(string token, CancellationToken cancellationToken);
}
