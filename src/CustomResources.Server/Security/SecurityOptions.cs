using System.ComponentModel.DataAnnotations;

namespace CustomResources.Server.Security;

/// <summary>Configuration section <c>Authentication</c>.</summary>
public sealed class AuthenticationOptions
{
    public const string Section = "Authentication";

    /// <summary>
    /// Whether requests are authenticated and authorized (RBAC). Turning it off makes every caller a cluster admin, so
    /// the server then refuses to listen anywhere but loopback.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Whether requests without credentials proceed as <c>system:anonymous</c> (then subject to RBAC). Off by default:
    /// they get 401, except <c>/healthz</c>, <c>/livez</c>, <c>/readyz</c> and <c>/version</c>.
    /// </summary>
    public bool Anonymous { get; set; }

    /// <summary>
    /// Groups bound to <c>cluster-admin</c> at start (ClusterRoleBinding <c>customresources-admins</c>): how an Azure
    /// deployment gets its first administrators, e.g. an Entra ID group's object id or <c>role:Admin</c>.
    /// </summary>
    public List<string> AdminGroups { get; set; } = [];

    /// <summary>
    /// How long roles and bindings read for authorization are reused (0–60 s). Changes made through this instance apply
    /// from the next request regardless; changes made through another instance sharing the store within this time.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(0.0, 60.0, ErrorMessage = "Authentication:RbacCacheSeconds must be between 0 and 60.")]
    public double RbacCacheSeconds { get; set; } = 1.0;
}

/// <summary>Configuration section <c>Server:Tls</c>.</summary>
public sealed class TlsOptions
{
    public const string Section = "Server:Tls";

    /// <summary>
    /// <c>Generated</c> (default): a CA and serving certificate created beside the store file; <c>Files</c>: the PEM
    /// files below; <c>Off</c>: plain http (under the Functions host the platform terminates TLS, so it is off there).
    /// </summary>
    [RegularExpression("^(Generated|Files|Off)$", ErrorMessage = "Server:Tls:Mode must be Generated, Files or Off.")]
    public string Mode { get; set; } = "Generated";

    /// <summary>PEM certificate (chain) for <c>Files</c>.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>PEM private key for <c>Files</c>.</summary>
    public string? KeyPath { get; set; }

    /// <summary>Extra names and addresses the generated serving certificate covers (loopback is always covered).</summary>
    public List<string> HostNames { get; set; } = [];
}
