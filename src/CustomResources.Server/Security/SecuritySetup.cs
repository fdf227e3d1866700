using CustomResources.Azure.Identity;
using CustomResources.Core.Auditing;
using CustomResources.Core.Authentication;
using CustomResources.Core.Errors;
using CustomResources.Core.Objects;
using CustomResources.Core.Security;
using CustomResources.Core.Storage;
using CustomResources.Embedded.Auditing;
using CustomResources.Embedded.Security;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CustomResources.Server.Security;

/// <summary>Authentication, RBAC and the admin credential.</summary>
public static partial class SecuritySetup
{
    public const string AdminKubeconfigFile = "admin.kubeconfig";

    public static IServiceCollection AddSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthenticationOptions>().Bind(configuration.GetSection(AuthenticationOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<TlsOptions>().Bind(configuration.GetSection(TlsOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IBearerAuthenticator, ServerTokenAuthenticator>());
        services.AddSingleton(sp => new RbacReadCache(
            sp.GetRequiredService<IObjectStore>(),
            sp.GetRequiredService<TimeProvider>(),
            TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<AuthenticationOptions>>().Value.RbacCacheSeconds)));
        services.AddSingleton(sp => new RbacAuthorizer(sp.GetRequiredService<RbacReadCache>()));
        services.AddSingleton(sp => new RbacEscalationGuard(sp.GetRequiredService<RbacAuthorizer>()));
        services.AddSingleton<IWriteGuard, RbacWriteGuard>();
        services.AddSingleton<IWriteValidator, RbacObjectValidator>();
        services.AddSingleton(sp => new AccessReviews(sp.GetRequiredService<RbacAuthorizer>()));
        if (configuration.GetSection(EntraIdOptions.Section).Exists())
        {
            services.AddEntraIdAuthentication(configuration);
        }

        services.AddOptions<AuditOptions>().Bind(configuration.GetSection(AuditOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IAuditSink>(sp =>
        {
            var audit = sp.GetRequiredService<IOptions<AuditOptions>>().Value;
            var storage = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            return (audit.Sink ?? (storage.Provider == StorageOptions.Sqlite ? "File" : "Log")) switch
            {
                "File" => new JsonLinesAuditSink(AuditPath(audit, storage)),
                "Log" => new LoggerAuditSink(sp.GetRequiredService<ILoggerFactory>()),
                _ => NullAuditSink.Instance,
            };
        });
        return services;
    }

    /// <summary>
    /// The admin credential of an embedded server, like k3s's: a token for <c>admin</c> in <c>system:masters</c>, kept in
    /// <c>admin.kubeconfig</c> beside the store file with the server URL and the CA. An existing file's token is kept
    /// while the store still accepts it (so handed-out copies keep working); otherwise a new one is issued.
    /// </summary>
    public static async Task<string> WriteAdminKubeconfigAsync(IServiceProvider services, string directory, string serverUrl, ServingCredentials? tls, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        var path = Path.GetFullPath(Path.Combine(directory, AdminKubeconfigFile));
        string? token = File.Exists(path) ? Kubeconfig.ReadToken(await File.ReadAllTextAsync(path, cancellationToken)) : null;
        if (token is not null)
        {
            var check = await new ServerTokenAuthenticator(services.GetRequiredService<IObjectStore>(), services.GetRequiredService<TimeProvider>()).AuthenticateAsync(token, cancellationToken);
            token = check.Succeeded && check.User!.InGroup(UserInfo.MastersGroup) ? token : null;
        }

        token ??= await IssueTokenAsync(services.GetRequiredService<ResourceService>(), "admin", [UserInfo.MastersGroup], null, null, cancellationToken);
        LocalCertificateAuthority.WritePrivate(path, Kubeconfig.Render(serverUrl, tls?.CertificateAuthorityPem, "admin", token));
        return path;
    }

    /// <summary>Issues a token (stores its hash as a Token object) and returns the secret token text, shown once.</summary>
    public static async Task<string> IssueTokenAsync(ResourceService service, string subject, IReadOnlyList<string> groups, string? ns, DateTimeOffset? expiresAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        var issued = BearerTokens.Issue(subject, groups, ns, expiresAt);
        var target = await service.ResolveAsync(TokenDefinitions.Group, TokenDefinitions.Version, TokenDefinitions.Resource, cancellationToken);
        await service.CreateAsync(target, null, TokenDefinitions.ToObject(issued.Record), new WriteOptions(FieldValidation.Strict), cancellationToken);
        return issued.Token;
    }

    /// <summary>Where the audit file is: <c>Audit:Path</c>, or <c>audit.log</c> beside the SQLite store.</summary>
    public static string AuditPath(AuditOptions audit, StorageOptions storage)
    {
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(storage);
        return string.IsNullOrWhiteSpace(audit.Path) ? JsonLinesAuditSinkOptions.DefaultPathBeside(Path.GetFullPath(storage.Path)) : Path.GetFullPath(audit.Path);
    }

    /// <summary>The URL a client on this machine uses for a listening URL (a wildcard host becomes 127.0.0.1).</summary>
    public static string LocalUrl(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        foreach (var wildcard in new[] { "://0.0.0.0", "://*", "://+", "://[::]" })
        {
            url = url.Replace(wildcard, "://127.0.0.1", StringComparison.Ordinal);
        }

        return url;
    }

    /// <summary>Refuses settings that would expose an unauthenticated or plain-http server beyond this machine.</summary>
    public static string? CheckExposure(IEnumerable<string> urls, AuthenticationOptions authentication)
    {
        ArgumentNullException.ThrowIfNull(urls);
        ArgumentNullException.ThrowIfNull(authentication);
        foreach (var url in urls)
        {
            if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri))
            {
                continue;
            }

            var loopback = uri.IsLoopback || uri.Host == "localhost";
            if (!loopback && !authentication.Enabled)
            {
                return $"refusing to listen on {url} with Authentication:Enabled=false: without authentication every caller is a cluster admin, which is allowed on loopback addresses only";
            }

            if (!loopback && uri.Scheme == Uri.UriSchemeHttp)
            {
                return $"refusing to listen on {url} over plain http: clients send bearer tokens only over https; use https (Server:Tls) or a loopback address";
            }
        }

        return null;
    }

    /// <summary>Binds <see cref="AuthenticationOptions.AdminGroups"/> to cluster-admin (created, or updated to the configured list).</summary>
    public static async Task EnsureAdminGroupsAsync(ResourceService service, IReadOnlyList<string> groups, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(groups);
        if (groups.Count == 0)
        {
            return;
        }

        var target = await service.ResolveAsync(RbacDefinitions.Group, RbacDefinitions.Version, RbacDefinitions.ClusterRoleBindingsResource, cancellationToken);
        var subjects = new System.Text.Json.Nodes.JsonArray([.. groups.Select(g => (System.Text.Json.Nodes.JsonNode)new System.Text.Json.Nodes.JsonObject
        {
            ["kind"] = "Group",
            ["apiGroup"] = RbacDefinitions.Group,
            ["name"] = g,
        })]);
        var binding = new System.Text.Json.Nodes.JsonObject
        {
            ["apiVersion"] = RbacDefinitions.ApiVersion,
            ["kind"] = "ClusterRoleBinding",
            ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = "customresources-admins" },
            ["roleRef"] = new System.Text.Json.Nodes.JsonObject { ["apiGroup"] = RbacDefinitions.Group, ["kind"] = "ClusterRole", ["name"] = "cluster-admin" },
            ["subjects"] = subjects,
        };
        try
        {
            await service.CreateAsync(target, null, binding, new WriteOptions(), cancellationToken);
        }
        catch (ApiException e) when (e.Reason == "AlreadyExists")
        {
            var current = await service.GetAsync(target, null, "customresources-admins", cancellationToken);
            if (!System.Text.Json.Nodes.JsonNode.DeepEquals(current.Object["subjects"], subjects))
            {
                current.Object["subjects"] = subjects.DeepClone();
                await service.ReplaceAsync(target, null, "customresources-admins", current.Object, new WriteOptions(), cancellationToken);
            }
        }
    }

    /// <summary>Keeps the default roles current after definitions change (view and edit name every custom group).</summary>
    public static async Task RefreshDefaultRolesAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        try
        {
            await RbacBootstrap.EnsureDefaultsAsync(services.GetRequiredService<ResourceService>(), cancellationToken);
            services.GetRequiredService<RbacReadCache>().Invalidate();
        }
        catch (ApiException e) when (e.Code == 409)
        {
            // Another instance refreshed them at the same moment; its result is as good.
        }
    }
}
