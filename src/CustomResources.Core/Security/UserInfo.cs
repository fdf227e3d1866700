namespace CustomResources.Core.Security;

/// <summary>
/// Who makes a request, as the authenticator established it (Kubernetes' <c>user.Info</c>): a user name and groups.
/// <see cref="Namespace"/> is set for service-account-style identities (<c>system:serviceaccount:{ns}:{name}</c>); it is
/// the account's home namespace, used to match <c>ServiceAccount</c> subjects, and restricts nothing by itself
/// (as in Kubernetes, a service account reaches other namespaces when bindings there name it).
/// </summary>
public sealed record UserInfo(string Name, IReadOnlyList<string> Groups, string? Namespace = null)
{
    public const string AuthenticatedGroup = "system:authenticated";
    public const string UnauthenticatedGroup = "system:unauthenticated";
    public const string MastersGroup = "system:masters";
    public const string ServiceAccountsGroup = "system:serviceaccounts";
    public const string AnonymousName = "system:anonymous";
    public const string ServiceAccountPrefix = "system:serviceaccount:";

    /// <summary>The identity of a request without credentials.</summary>
    public static UserInfo Anonymous { get; } = new(AnonymousName, [UnauthenticatedGroup]);

    /// <summary>An authenticated user: <paramref name="groups"/> plus <c>system:authenticated</c>, as Kubernetes' authenticators add it.</summary>
    public static UserInfo Authenticated(string name, params IEnumerable<string> groups) =>
        new(name, [.. groups.Where(g => g != AuthenticatedGroup).Distinct(StringComparer.Ordinal), AuthenticatedGroup]);

    /// <summary>A service account's identity with Kubernetes' user name and groups.</summary>
    public static UserInfo ServiceAccount(string ns, string name) =>
        new($"{ServiceAccountPrefix}{ns}:{name}", [ServiceAccountsGroup, $"{ServiceAccountsGroup}:{ns}", AuthenticatedGroup], ns);

    public bool InGroup(string group) => Groups.Contains(group, StringComparer.Ordinal);
}
