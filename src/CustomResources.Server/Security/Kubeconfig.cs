using System.Text;

namespace CustomResources.Server.Security;

/// <summary>A kubeconfig file for one user: the server URL, the CA that signed its certificate, and a bearer token.</summary>
public static class Kubeconfig
{
    public static string Render(string serverUrl, string? certificateAuthorityPem, string userName, string token, string contextName = "custom-resources")
    {
        ArgumentNullException.ThrowIfNull(token);
        var cluster = new StringBuilder();
        cluster.Append("    server: ").Append(Quote(serverUrl)).Append('\n');
        if (certificateAuthorityPem is not null)
        {
            cluster.Append("    certificate-authority-data: ").Append(Convert.ToBase64String(Encoding.ASCII.GetBytes(certificateAuthorityPem))).Append('\n');
        }

        return $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: {Quote(contextName)}
              cluster:
            {cluster}users:
            - name: {Quote(userName)}
              user:
                token: {Quote(token)}
            contexts:
            - name: {Quote(contextName)}
              context:
                cluster: {Quote(contextName)}
                user: {Quote(userName)}
            current-context: {Quote(contextName)}

            """;
    }

    /// <summary>The token a kubeconfig written by <see cref="Render"/> holds, or null.</summary>
    public static string? ReadToken(string kubeconfig) => Read(kubeconfig).Token;

    /// <summary>The server URL, CA (PEM) and token of a kubeconfig written by <see cref="Render"/>.</summary>
    public static (string? Server, string? CertificateAuthorityPem, string? Token) Read(string kubeconfig)
    {
        ArgumentNullException.ThrowIfNull(kubeconfig);
        string? server = null, ca = null, token = null;
        foreach (var line in kubeconfig.Split('\n').Select(l => l.Trim()))
        {
            if (Value(line, "server:") is { } s)
            {
                server = s;
            }
            else if (Value(line, "certificate-authority-data:") is { } data)
            {
                ca = Encoding.ASCII.GetString(Convert.FromBase64String(data));
            }
            else if (Value(line, "token:") is { } t)
            {
                token = t;
            }
        }

        return (server, ca, token);
    }

    private static string? Value(string line, string key) =>
        line.StartsWith(key, StringComparison.Ordinal) ? line[key.Length..].Trim().Trim('"') : null;

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
