using System.Globalization;
using CustomResources.Core.Authentication;
using CustomResources.Core.Objects;
using CustomResources.Core.Security;

namespace CustomResources.Server.Security;

/// <summary>
/// <c>token create|list|revoke</c>: manage server-issued bearer tokens on the store directly (whoever can open the
/// store is its administrator). <c>create</c> prints the token once, or writes a kubeconfig for it.
/// </summary>
public static class TokenCommand
{
    public const string Usage = """
        usage:
          token create --subject NAME [--group GROUP]... [--namespace NS] [--ttl DURATION] [--kubeconfig FILE] [--server URL]
          token list
          token revoke ID
        options common to all: --store PATH (the SQLite store; default Storage:Path), and any setting as --Section:Key=value
        (e.g. --Storage:Provider=Cosmos --Storage:Cosmos:AccountEndpoint=...)
        DURATION: e.g. 90m, 24h, 30d. With --kubeconfig, the server URL and CA come from admin.kubeconfig beside the
        store unless --server is given.
        """;

    /// <summary>Splits the command's own arguments from the configuration it needs (the store path).</summary>
    public static (List<string> Command, string[] Configuration) Split(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var command = new List<string>();
        var configuration = new List<string>();
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] == "--store" && i + 1 < args.Length)
            {
                configuration.Add($"--Storage:Path={args[++i]}");
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal) && args[i].Contains(':', StringComparison.Ordinal) && args[i].Contains('=', StringComparison.Ordinal))
            {
                // Configuration in the server's own form, e.g. --Storage:Provider=Cosmos.
                configuration.Add(args[i]);
            }
            else
            {
                command.Add(args[i]);
            }
        }

        return (command, [.. configuration]);
    }

    public static async Task<int> RunAsync(IReadOnlyList<string> args, IServiceProvider services, string storeDirectory, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var service = services.GetRequiredService<ResourceService>();
        var ct = CancellationToken.None;
        try
        {
            switch (args.Count > 0 ? args[0] : "")
            {
                case "create":
                    return await CreateAsync(args, service, services.GetRequiredService<TimeProvider>(), storeDirectory, output, error, ct);
                case "list":
                    var target = await service.ResolveAsync(TokenDefinitions.Group, TokenDefinitions.Version, TokenDefinitions.Resource, ct);
                    var page = await service.ListAsync(target, null, new ListOptions(), ct);
                    await output.WriteLineAsync("ID            SUBJECT                  NAMESPACE       EXPIRES");
                    foreach (var item in page.Items)
                    {
                        if (TokenDefinitions.FromObject(item.Object) is { } record)
                        {
                            await output.WriteLineAsync($"{record.Id,-13} {record.Subject,-24} {record.Namespace ?? "*",-15} {record.ExpiresAt?.ToString("u", CultureInfo.InvariantCulture) ?? "never"}");
                        }
                    }

                    return 0;
                case "revoke" when args.Count == 2:
                    var tokens = await service.ResolveAsync(TokenDefinitions.Group, TokenDefinitions.Version, TokenDefinitions.Resource, ct);
                    await service.DeleteAsync(tokens, null, args[1], new DeleteOptions(), ct);
                    await output.WriteLineAsync($"token {args[1]} revoked");
                    return 0;
                default:
                    await error.WriteLineAsync(Usage);
                    return 2;
            }
        }
        catch (Core.Errors.ApiException e)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
    }

    private static async Task<int> CreateAsync(IReadOnlyList<string> args, ResourceService service, TimeProvider clock, string storeDirectory, TextWriter output, TextWriter error, CancellationToken ct)
    {
        string? subject = null, ns = null, kubeconfig = null, server = null;
        TimeSpan? ttl = null;
        var groups = new List<string>();
        for (var i = 1; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : null;
            switch (args[i])
            {
                case "--subject" when value is not null: subject = value; i++; break;
                case "--group" when value is not null: groups.Add(value); i++; break;
                case "--namespace" when value is not null: ns = value; i++; break;
                case "--kubeconfig" when value is not null: kubeconfig = value; i++; break;
                case "--server" when value is not null: server = value; i++; break;
                case "--ttl" when value is not null && ParseDuration(value) is { } d: ttl = d; i++; break;
                default:
                    await error.WriteLineAsync($"unexpected argument '{args[i]}'\n{Usage}");
                    return 2;
            }
        }

        if (string.IsNullOrWhiteSpace(subject))
        {
            await error.WriteLineAsync($"--subject is required\n{Usage}");
            return 2;
        }

        var token = await SecuritySetup.IssueTokenAsync(service, subject, groups, ns, ttl is { } t ? clock.GetUtcNow() + t : null, ct);
        if (kubeconfig is null)
        {
            await output.WriteLineAsync(token);
            return 0;
        }

        var admin = Path.Combine(storeDirectory, SecuritySetup.AdminKubeconfigFile);
        var (adminServer, caPem, _) = File.Exists(admin) ? Kubeconfig.Read(await File.ReadAllTextAsync(admin, ct)) : (null, null, null);
        server ??= adminServer;
        if (server is null)
        {
            await error.WriteLineAsync($"--server is required: no {admin} to take the server URL from");
            return 2;
        }

        Embedded.Security.LocalCertificateAuthority.WritePrivate(kubeconfig, Kubeconfig.Render(server, caPem, subject, token));
        await output.WriteLineAsync($"kubeconfig for {subject} written to {Path.GetFullPath(kubeconfig)}");
        return 0;
    }

    private static TimeSpan? ParseDuration(string text)
    {
        if (text.Length < 2 || !double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) || amount <= 0)
        {
            return null;
        }

        return text[^1] switch
        {
            'm' => TimeSpan.FromMinutes(amount),
            'h' => TimeSpan.FromHours(amount),
            'd' => TimeSpan.FromDays(amount),
            _ => null,
        };
    }
}
