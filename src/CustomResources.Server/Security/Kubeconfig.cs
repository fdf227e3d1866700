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
    public static string? ReadToken(string kubeconfig)
    {
        ArgumentNullException.ThrowIfNull(kubeconfig);
        foreach (var line in kubeconfig.Split('\n'))
        {
            var trimmed = line.Trim();
            if (trimmed.StartsWith("token:", StringComparison.Ordinal))
            {
                return trimmed["token:".Length..].Trim().Trim('"');
            }
        }

        return null;
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
