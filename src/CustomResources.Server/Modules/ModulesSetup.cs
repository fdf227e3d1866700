using CustomResources.Azure.Modules;
using CustomResources.Azure.Queues;
using CustomResources.Core.Modules;
using CustomResources.Core.Objects;
using CustomResources.Core.Storage;
using CustomResources.Embedded.Modules;
using Microsoft.Extensions.Options;

namespace CustomResources.Server.Modules;

/// <summary>Configuration section <c>Modules</c>.</summary>
public sealed class ModulesOptions
{
    public const string Section = "Modules";

    /// <summary>Whether the embedded Module controller runs (<c>Modules:Enabled</c>).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary><c>Local</c> (a process per module, <c>Modules:Local</c>) or <c>Aci</c> (Azure Container Instances, <c>Modules:Aci</c>).</summary>
    [System.ComponentModel.DataAnnotations.RegularExpression("^(Local|Aci)$", ErrorMessage = "Modules:Runtime must be Local or Aci.")]
    public string Runtime { get; set; } = "Local";

    /// <summary>The API base URL modules are given (<c>CUSTOMRESOURCES_API_URL</c>); default the server's own URL.</summary>
    public string? ApiUrl { get; set; }

    /// <summary>
    /// The key module tokens are derived from, base64 of at least 32 bytes. Required with Cosmos DB, where every
    /// instance must derive the same tokens; the embedded server keeps its own in <c>module-token.key</c>.
    /// </summary>
    public string? TokenKey { get; set; }

    /// <summary>The decoded <see cref="TokenKey"/>, or null when it is unset or not base64 of at least 32 bytes.</summary>
    public byte[]? DecodedTokenKey()
    {
        var buffer = new byte[TokenKey?.Length ?? 0];
        return TokenKey is not null && Convert.TryFromBase64String(TokenKey.Trim(), buffer, out var written) && written >= 32 ? buffer[..written] : null;
    }
}

/// <summary>Module files, the Module/Workspace/ModuleDefinition write rules, and the controller that runs modules.</summary>
public static class ModulesSetup
{
    /// <summary>How long an install in progress holds off other reconciles of the Module: health wait + install call + margin.</summary>
    private static readonly TimeSpan InstallClaim = TimeSpan.FromMinutes(2);

    public static IServiceCollection AddModules(this IServiceCollection services, IConfiguration configuration, string serverUrl)
    {
        services.AddOptions<ModulesOptions>().Bind(configuration.GetSection(ModulesOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IModuleFileFetcher, HttpModuleFileFetcher>();
        services.AddSingleton<IWriteValidator>(_ => new ModuleObjectValidator(ModuleFiles.OperatorVersion));
        services.AddSingleton<IWriteGuard>(sp => new ModuleWriteGuard(sp.GetRequiredService<IObjectStore>(), sp.GetRequiredService<IModuleFileFetcher>(), ModuleFiles.OperatorVersion));

        var modules = configuration.GetSection(ModulesOptions.Section).Get<ModulesOptions>() ?? new ModulesOptions();
        var embedded = (configuration[StorageOptions.Section + ":Provider"] ?? StorageOptions.Sqlite) == StorageOptions.Sqlite;
        if (!modules.Enabled)
        {
            return services;
        }

        if (!embedded)
        {
            var queue = configuration.GetSection(StorageQueueOptions.Section);
            if (string.IsNullOrWhiteSpace(queue["ServiceUri"]) && string.IsNullOrWhiteSpace(queue["ConnectionString"]))
            {
                // Without a work queue there is no controller in Azure (the ModuleReconcile function has nothing to drain).
                return services;
            }

            services.AddOptions<ModulesOptions>().Validate(o => o.DecodedTokenKey() is not null, "Modules:TokenKey is required with Cosmos DB: base64 of at least 32 random bytes (e.g. openssl rand -base64 32), the same on every instance");
            services.AddStorageQueueReconcileSender(configuration);
        }

        AddRuntime(services, configuration, modules);
        services.AddSingleton<IModuleClient>(_ => new HttpModuleClient(
            new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(5) }) { Timeout = Timeout.InfiniteTimeSpan },
            callTimeout: TimeSpan.FromSeconds(60),
            healthTimeout: TimeSpan.FromSeconds(5)));
        services.AddSingleton(sp =>
        {
            var environment = new Dictionary<string, string> { ["CUSTOMRESOURCES_API_URL"] = modules.ApiUrl ?? serverUrl };
            byte[] key;
            if (embedded)
            {
                var directory = StoreDirectory(sp);
                key = ModuleTokenKey(directory);
                if (File.Exists(Path.Combine(directory, CustomResources.Embedded.Security.LocalCertificateAuthority.CaCertificateFile)))
                {
                    // The generated CA, so a module can verify the server's certificate.
                    environment["CUSTOMRESOURCES_CA_FILE"] = Path.Combine(directory, CustomResources.Embedded.Security.LocalCertificateAuthority.CaCertificateFile);
                }
            }
            else
            {
                key = sp.GetRequiredService<IOptions<ModulesOptions>>().Value.DecodedTokenKey()!;
            }

            return new ModuleReconciler(
                sp.GetRequiredService<ResourceService>(),
                sp.GetRequiredService<IObjectStore>(),
                sp.GetRequiredService<IModuleRuntime>(),
                sp.GetRequiredService<IModuleClient>(),
                sp.GetRequiredService<TimeProvider>(),
                new ModuleReconcilerOptions
                {
                    Environment = environment,
                    Credentials = new ModuleCredentials(key),

                    // A Storage queue may hand one key to two invocations at once; the embedded work list never does.
                    InstallClaim = embedded ? TimeSpan.Zero : InstallClaim,
                });
        });

        if (embedded)
        {
            services.AddSingleton<IReconcileWork>(sp => new SqliteReconcileWork(sp.GetRequiredService<IOptions<StorageOptions>>().Value.Path, "modules"));
            services.AddHostedService<ModuleController>();
        }
        else
        {
            // In Azure the ModuleReconcile queue function drives the reconciler (FunctionTriggers).
            services.AddSingleton(sp => new QueuedModuleReconciler(
                sp.GetRequiredService<ModuleReconciler>(),
                sp.GetRequiredService<IObjectStore>(),
                sp.GetRequiredService<IReconcileMessageSender>(),
                sp.GetRequiredService<TimeProvider>()));
        }

        return services;
    }

    private static void AddRuntime(IServiceCollection services, IConfiguration configuration, ModulesOptions modules)
    {
        if (modules.Runtime == "Aci")
        {
            services.AddAciModuleRuntime(configuration);
            return;
        }

        services.AddSingleton<IModuleRuntime>(sp =>
        {
            var options = configuration.GetSection(LocalModuleRuntimeOptions.SectionName).Get<LocalModuleRuntimeOptions>() ?? new LocalModuleRuntimeOptions();
            if (configuration[LocalModuleRuntimeOptions.SectionName + ":StatePath"] is null)
            {
                // Beside the store, like everything else the embedded server keeps.
                options.StatePath = Path.Combine(StoreDirectory(sp), "modules.json");
            }

            return new LocalProcessModuleRuntime(options, sp.GetRequiredService<ILogger<LocalProcessModuleRuntime>>());
        });
    }

    private static string StoreDirectory(IServiceProvider sp) =>
        Path.GetDirectoryName(Path.GetFullPath(sp.GetRequiredService<IOptions<StorageOptions>>().Value.Path))!;

    /// <summary>The key module tokens are derived from: <c>module-token.key</c> beside the store, made on first use, owner-only.</summary>
    public static byte[] ModuleTokenKey(string directory)
    {
        var path = Path.Combine(directory, "module-token.key");
        if (File.Exists(path))
        {
            return Convert.FromBase64String(File.ReadAllText(path).Trim());
        }

        Directory.CreateDirectory(directory);
        var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        CustomResources.Embedded.Security.LocalCertificateAuthority.WritePrivate(path, Convert.ToBase64String(key));
        return key;
    }
}
