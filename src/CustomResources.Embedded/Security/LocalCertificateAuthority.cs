using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CustomResources.Embedded.Security;

/// <summary>The serving certificate (with its key) and the CA that signed it, as PEM for kubeconfig files.</summary>
public sealed record ServingCredentials(X509Certificate2 ServingCertificate, string CertificateAuthorityPem, string CertificateAuthorityPath);

/// <summary>
/// The embedded server's own certificate authority, kept beside the store file (as k3s does): a CA created on first
/// start, and a serving certificate it signs for the loopback addresses and any configured host names. Clients trust
/// the CA through the generated kubeconfig, so TLS works without any setup.
/// </summary>
/// <remarks>
/// Files (private keys readable by the owner only): <c>ca.crt</c>, <c>ca.key</c>, <c>server.crt</c>, <c>server.key</c>.
/// The serving certificate is reissued when it is within 30 days of expiry or lacks a requested name; the CA is kept
/// (ten years), so kubeconfigs already handed out stay valid.
/// </remarks>
public static class LocalCertificateAuthority
{
    public const string CaCertificateFile = "ca.crt";
    public const string CaKeyFile = "ca.key";
    public const string ServingCertificateFile = "server.crt";
    public const string ServingKeyFile = "server.key";

    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    /// <summary>Loads the CA and serving certificate from <paramref name="directory"/>, creating or renewing them as needed.</summary>
    public static ServingCredentials Ensure(string directory, IEnumerable<string> hostNames, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(hostNames);
        ArgumentNullException.ThrowIfNull(clock);
        Directory.CreateDirectory(directory);
        var now = clock.GetUtcNow();
        var names = new SortedSet<string>(StringComparer.OrdinalIgnoreCase) { "localhost", "127.0.0.1", "::1" };
        names.UnionWith(hostNames.Where(n => !string.IsNullOrWhiteSpace(n)));

        var caCertPath = Path.Combine(directory, CaCertificateFile);
        var caKeyPath = Path.Combine(directory, CaKeyFile);
        using var ca = File.Exists(caCertPath) && File.Exists(caKeyPath)
            ? X509Certificate2.CreateFromPemFile(caCertPath, caKeyPath)
            : CreateAuthority(caCertPath, caKeyPath, now);

        var servingCertPath = Path.Combine(directory, ServingCertificateFile);
        var servingKeyPath = Path.Combine(directory, ServingKeyFile);
        X509Certificate2? serving = null;
        if (File.Exists(servingCertPath) && File.Exists(servingKeyPath))
        {
            serving = X509Certificate2.CreateFromPemFile(servingCertPath, servingKeyPath);
            if (!IsUsable(serving, ca, names, now))
            {
                serving.Dispose();
                serving = null;
            }
        }

        serving ??= CreateServing(ca, names, servingCertPath, servingKeyPath, now);

        // Kestrel on Linux needs a certificate whose key is not ephemeral; a PKCS#12 round trip gives it one.
        var exportable = X509CertificateLoader.LoadPkcs12(serving.Export(X509ContentType.Pkcs12), null);
        serving.Dispose();
        return new ServingCredentials(exportable, File.ReadAllText(caCertPath), caCertPath);
    }

    private static bool IsUsable(X509Certificate2 serving, X509Certificate2 ca, IReadOnlySet<string> names, DateTimeOffset now)
    {
        if (serving.NotAfter.ToUniversalTime() - now.UtcDateTime < RenewBefore || !string.Equals(serving.Issuer, ca.Subject, StringComparison.Ordinal))
        {
            return false;
        }

        var present = serving.Extensions.OfType<X509SubjectAlternativeNameExtension>()
            .SelectMany(e => e.EnumerateDnsNames().Concat(e.EnumerateIPAddresses().Select(a => a.ToString())))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        return names.All(present.Contains);
    }

    private static X509Certificate2 CreateAuthority(string certificatePath, string keyPath, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=custom-resources-ca@{now.ToUnixTimeSeconds()}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));
        WritePrivate(keyPath, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        return certificate;
    }

    private static X509Certificate2 CreateServing(X509Certificate2 ca, IEnumerable<string> names, string certificatePath, string keyPath, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=custom-resources", key, HashAlgorithmName.SHA256);
        var alternativeNames = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (IPAddress.TryParse(name, out var address))
            {
                alternativeNames.AddIpAddress(address);
            }
            else
            {
                alternativeNames.AddDnsName(name);
            }
        }

        request.CertificateExtensions.Add(alternativeNames.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        var notAfter = now.AddYears(1) < ca.NotAfter ? now.AddYears(1) : new DateTimeOffset(ca.NotAfter.ToUniversalTime());
        using var signed = request.Create(ca, now.AddMinutes(-5), notAfter, serial);
        var withKey = signed.CopyWithPrivateKey(key);
        WritePrivate(keyPath, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certificatePath, withKey.ExportCertificatePem());
        return withKey;
    }

    /// <summary>Writes a file only its owner can read (the private keys, the admin kubeconfig).</summary>
    public static void WritePrivate(string path, string content)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
        }

        if (!OperatingSystem.IsWindows())
        {
            // UnixCreateMode applies only to new files; an existing file keeps its mode unless set.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
