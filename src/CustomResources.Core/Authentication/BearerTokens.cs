using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace CustomResources.Core.Authentication;

/// <summary>What the server keeps about an issued token: never the secret, only its SHA-256.</summary>
/// <param name="Id">The public half of the token; names the stored record.</param>
/// <param name="SecretHash">Lower-case hex SHA-256 of the secret half.</param>
/// <param name="Subject">The user name requests with this token act as.</param>
/// <param name="Groups">Groups the subject belongs to (RBAC subjects of kind Group).</param>
/// <param name="Namespace">When set, the token is valid only for requests in this namespace.</param>
/// <param name="ExpiresAt">When set, the token is refused from this instant on.</param>
public sealed record TokenRecord(string Id, string SecretHash, string Subject, IReadOnlyList<string> Groups, string? Namespace, DateTimeOffset? ExpiresAt);

/// <summary>A newly issued token: <see cref="Token"/> is shown once to its owner; <see cref="Record"/> is stored.</summary>
public sealed record IssuedToken(string Token, TokenRecord Record);

/// <summary>Why a presented token was refused (the reason is logged, never the token).</summary>
public enum TokenRejection
{
    None,
    Malformed,
    Unknown,
    WrongSecret,
    Expired,
}

/// <summary>
/// Bearer tokens issued by the server itself (service-account style): <c>crt_{id}.{secret}</c>, where the id names
/// the stored <see cref="TokenRecord"/> and only the secret's hash is stored, so a leaked store reveals no token.
/// Deleting the record revokes the token.
/// </summary>
public static class BearerTokens
{
    public const string Prefix = "crt_";

    private const int IdBytes = 9;
    private const int SecretBytes = 32;

    public static IssuedToken Issue(string subject, IReadOnlyList<string> groups, string? @namespace, DateTimeOffset? expiresAt)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        ArgumentNullException.ThrowIfNull(groups);
        var id = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(IdBytes)).ToLowerInvariant().Replace('_', 'x').Replace('-', 'y');
        var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes));
        return new IssuedToken($"{Prefix}{id}.{secret}", new TokenRecord(id, Hash(secret), subject, groups, @namespace, expiresAt));
    }

    /// <summary>Splits a presented token into its id and secret; false when it is not one of ours.</summary>
    public static bool TryParse(string token, out string id, out string secret)
    {
        id = secret = "";
        if (token is null || !token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > 256)
        {
            return false;
        }

        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= Prefix.Length || dot == token.Length - 1)
        {
            return false;
        }

        id = token[Prefix.Length..dot];
        secret = token[(dot + 1)..];
        return id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)) && secret.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
    }

    /// <summary>Checks a presented secret against the stored record (constant-time) and its expiry.</summary>
    public static TokenRejection Verify(TokenRecord record, string secret, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(record);
        var presented = Encoding.ASCII.GetBytes(Hash(secret));
        var expected = Encoding.ASCII.GetBytes(record.SecretHash);
        if (!CryptographicOperations.FixedTimeEquals(presented, expected))
        {
            return TokenRejection.WrongSecret;
        }

        return record.ExpiresAt is { } expiry && now >= expiry ? TokenRejection.Expired : TokenRejection.None;
    }

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
