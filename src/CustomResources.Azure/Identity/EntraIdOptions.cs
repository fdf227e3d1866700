using Microsoft.Extensions.Options;

namespace CustomResources.Azure.Identity;

/// <summary>
/// Sign-in with Microsoft Entra ID access tokens (JWTs): which tenant issues them, which audiences they must carry and
/// how their claims become a Kubernetes-style user. Bound from the <c>Authentication:EntraId</c> section.
/// </summary>
/// <remarks>
/// Claim mapping: the user name is <see cref="UsernamePrefix"/> + the first of <c>preferred_username</c>, <c>upn</c>,
/// <c>oid</c> present in the token (or only <see cref="UsernameClaim"/> when set); each <c>groups</c> value (a group's
/// object id) becomes <see cref="GroupsPrefix"/> + value; each <c>roles</c> value (an app role) becomes
/// <see cref="RolesPrefix"/> + value, so a RoleBinding names <c>Group role:Admin</c>. Everyone gets
/// <c>system:authenticated</c>. Names and groups that would start with <c>system:</c> are never taken from a token.
/// </remarks>
public sealed class EntraIdOptions
{
    public const string Section = "Authentication:EntraId";

    /// <summary>The public cloud's sign-in host, used to build the authority from <see cref="TenantId"/>.</summary>
    public const string PublicCloudHost = "https://login.microsoftonline.com";

    /// <summary>The user-name claims tried in order when <see cref="UsernameClaim"/> is not set.</summary>
    public static IReadOnlyList<string> DefaultUsernameClaims { get; } = ["preferred_username", "upn", "oid"];

    /// <summary>
    /// The directory (tenant) id, a GUID (or a verified domain such as <c>contoso.onmicrosoft.com</c>). The authority is then
    /// <c>https://login.microsoftonline.com/{TenantId}/v2.0</c>. Set this or <see cref="Authority"/>, not both.
    /// Multi-tenant names (<c>common</c>, <c>organizations</c>, <c>consumers</c>) are refused: they would let any tenant sign in.
    /// </summary>
    public string? TenantId { get; set; }

    /// <summary>
    /// The full authority, e.g. <c>https://login.microsoftonline.com/{tenant}/v2.0</c> or a sovereign cloud's
    /// (<c>https://login.microsoftonline.us/{tenant}/v2.0</c>). Set this or <see cref="TenantId"/>, not both.
    /// </summary>
    public string? Authority { get; set; }

    /// <summary>
    /// The accepted <c>aud</c> values (required): the app registration's client id and/or its Application ID URI
    /// (<c>api://…</c>). v2 tokens carry the client id, v1 tokens (as <c>az account get-access-token --resource</c> gets
    /// them) carry the resource they were asked for.
    /// </summary>
    public IList<string> Audiences { get; } = [];

    /// <summary>
    /// Where the OpenID Connect metadata is read; default <c>{Authority}/.well-known/openid-configuration</c>. Must be https;
    /// plain http is accepted only for a loopback host (tests). The JWKS it names follows the same rule.
    /// </summary>
    public string? MetadataAddress { get; set; }

    /// <summary>
    /// The accepted <c>iss</c> values. Default: the metadata's <c>issuer</c>, plus, for its tenant id, both the v1
    /// (<c>https://sts.windows.net/{tid}/</c>) and v2 (<c>https://login.microsoftonline.com/{tid}/v2.0</c>) issuers
    /// when the metadata comes from the public cloud.
    /// </summary>
    public IList<string> ValidIssuers { get; } = [];

    /// <summary>The one claim that names the user; unset means the first of <c>preferred_username</c>, <c>upn</c>, <c>oid</c>.</summary>
    public string? UsernameClaim { get; set; }

    /// <summary>Put before the user name (default none: a RoleBinding names <c>User alice@contoso.com</c>).</summary>
    public string UsernamePrefix { get; set; } = "";

    /// <summary>Put before each <c>groups</c> claim value (group object ids); default none.</summary>
    public string GroupsPrefix { get; set; } = "";

    /// <summary>Put before each <c>roles</c> claim value (app roles) to make a group; default <c>role:</c>.</summary>
    public string RolesPrefix { get; set; } = "role:";

    /// <summary>Tolerance for <c>exp</c> and <c>nbf</c> (0 to 30 minutes; default 5 minutes).</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long metadata and signing keys are used before they are read again (5 minutes to 7 days; default 24 hours).</summary>
    public TimeSpan MetadataRefreshInterval { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The authority in use: <see cref="Authority"/> without a trailing slash, or the public cloud's for <see cref="TenantId"/>.</summary>
    public string ResolveAuthority() =>
        !string.IsNullOrWhiteSpace(Authority)
            ? Authority.Trim().TrimEnd('/')
            : $"{PublicCloudHost}/{TenantId?.Trim()}/v2.0";

    /// <summary>The metadata address in use: <see cref="MetadataAddress"/> or the authority's well-known document.</summary>
    public string ResolveMetadataAddress() =>
        !string.IsNullOrWhiteSpace(MetadataAddress)
            ? MetadataAddress.Trim()
            : $"{ResolveAuthority()}/.well-known/openid-configuration";

    /// <summary>Whether an address may be used to read metadata or keys: https, or http to a loopback host.</summary>
    internal static bool IsAllowedEndpoint(Uri address) =>
        address.IsAbsoluteUri && (address.Scheme == Uri.UriSchemeHttps || (address.Scheme == Uri.UriSchemeHttp && address.IsLoopback));
}

/// <summary>Checks <see cref="EntraIdOptions"/> at start-up and names the setting that is wrong.</summary>
public sealed class EntraIdOptionsValidator : IValidateOptions<EntraIdOptions>
{
    private const string Prefix = EntraIdOptions.Section + ":";
    private static readonly string[] MultiTenantNames = ["common", "organizations", "consumers"];

    public ValidateOptionsResult Validate(string? name, EntraIdOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var hasTenant = !string.IsNullOrWhiteSpace(options.TenantId);
        var hasAuthority = !string.IsNullOrWhiteSpace(options.Authority);

        if (!hasTenant && !hasAuthority)
        {
            errors.Add($"{Prefix}TenantId is required (the directory id, a GUID), or set {Prefix}Authority, e.g. https://login.microsoftonline.com/{{tenant}}/v2.0");
        }
        else if (hasTenant && hasAuthority)
        {
            errors.Add($"{Prefix}TenantId and {Prefix}Authority are both set; use one: the tenant id (public cloud), or the full authority");
        }
        else if (hasTenant)
        {
            var tenant = options.TenantId!.Trim();
            if (IsMultiTenant(tenant))
            {
                errors.Add($"{Prefix}TenantId '{tenant}' names no single tenant and would let any tenant's users sign in; use your directory id (a GUID)");
            }
            else if (!Guid.TryParse(tenant, out _) && (!tenant.Contains('.', StringComparison.Ordinal) || tenant.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '-'))))
            {
                errors.Add($"{Prefix}TenantId '{tenant}' is neither a directory id (a GUID) nor a verified domain such as contoso.onmicrosoft.com");
            }
        }
        else if (!Uri.TryCreate(options.Authority!.Trim(), UriKind.Absolute, out var authority) || !EntraIdOptions.IsAllowedEndpoint(authority))
        {
            errors.Add($"{Prefix}Authority '{options.Authority}' is not an absolute https URL (http only for loopback hosts), e.g. https://login.microsoftonline.com/{{tenant}}/v2.0");
        }
        else if (authority.Segments.Select(s => s.Trim('/')).Any(IsMultiTenant))
        {
            errors.Add($"{Prefix}Authority '{options.Authority}' names no single tenant and would let any tenant's users sign in; use https://login.microsoftonline.com/{{your tenant id}}/v2.0");
        }
        else if (authority.Query.Length > 0 || authority.Fragment.Length > 0)
        {
            errors.Add($"{Prefix}Authority '{options.Authority}' must not carry a query string or fragment");
        }

        if (options.Audiences.Count == 0)
        {
            errors.Add($"{Prefix}Audiences is required: the app registration's client id and/or Application ID URI (api://...), as the tokens' aud claim carries it");
        }
        else if (options.Audiences.Any(string.IsNullOrWhiteSpace))
        {
            errors.Add($"{Prefix}Audiences has an empty entry; list the client id and/or Application ID URI");
        }

        if (options.MetadataAddress is not null
            && (!Uri.TryCreate(options.MetadataAddress.Trim(), UriKind.Absolute, out var metadata) || !EntraIdOptions.IsAllowedEndpoint(metadata)))
        {
            errors.Add($"{Prefix}MetadataAddress '{options.MetadataAddress}' is not an absolute https URL (plain http is allowed only for 127.0.0.1/localhost test endpoints)");
        }

        foreach (var issuer in options.ValidIssuers)
        {
            if (string.IsNullOrWhiteSpace(issuer) || !Uri.TryCreate(issuer, UriKind.Absolute, out _))
            {
                errors.Add($"{Prefix}ValidIssuers entry '{issuer}' is not an absolute URL such as https://login.microsoftonline.com/{{tenant}}/v2.0");
            }
        }

        if (options.UsernameClaim is not null && string.IsNullOrWhiteSpace(options.UsernameClaim))
        {
            errors.Add($"{Prefix}UsernameClaim is empty; remove it to use preferred_username, upn, then oid, or name a claim such as oid");
        }

        CheckPrefix(errors, "UsernamePrefix", options.UsernamePrefix);
        CheckPrefix(errors, "GroupsPrefix", options.GroupsPrefix);
        CheckPrefix(errors, "RolesPrefix", options.RolesPrefix);

        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > TimeSpan.FromMinutes(30))
        {
            errors.Add($"{Prefix}ClockSkew must be between 00:00:00 and 00:30:00 (was {options.ClockSkew})");
        }

        if (options.MetadataRefreshInterval < TimeSpan.FromMinutes(5) || options.MetadataRefreshInterval > TimeSpan.FromDays(7))
        {
            errors.Add($"{Prefix}MetadataRefreshInterval must be between 00:05:00 and 7.00:00:00 (was {options.MetadataRefreshInterval})");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsMultiTenant(string tenant) => MultiTenantNames.Contains(tenant, StringComparer.OrdinalIgnoreCase);

    private static void CheckPrefix(List<string> errors, string setting, string? value)
    {
        if (value is null)
        {
            errors.Add($"{Prefix}{setting} must not be null; use \"\" for no prefix");
        }
        else if (value.StartsWith("system:", StringComparison.Ordinal))
        {
            errors.Add($"{Prefix}{setting} '{value}' starts with system:, which is reserved for the server's own users and groups");
        }
    }
}
