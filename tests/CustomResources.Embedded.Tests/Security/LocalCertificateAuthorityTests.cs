using System.Security.Cryptography.X509Certificates;
using CustomResources.Embedded.Security;

namespace CustomResources.Embedded.Tests.Security;

public sealed class LocalCertificateAuthorityTests : IDisposable
{
    private readonly TempDirectory directory = new();
    private readonly ShiftingClock clock = new();

    public void Dispose() => directory.Dispose();

    private ServingCredentials Ensure(params string[] names) => LocalCertificateAuthority.Ensure(directory.Path, names, clock);

    private static X509Certificate2 Authority(ServingCredentials credentials) => X509Certificate2.CreateFromPem(credentials.CertificateAuthorityPem);

    private static bool ChainsTo(X509Certificate2 serving, X509Certificate2 authority, DateTimeOffset at)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = at.UtcDateTime;
        return chain.Build(serving);
    }

    private static HashSet<string> Names(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>()
            .SelectMany(e => e.EnumerateDnsNames().Concat(e.EnumerateIPAddresses().Select(a => a.ToString())))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);

    [Fact]
    public void First_start_creates_a_ca_and_a_serving_certificate_for_loopback_signed_by_it()
    {
        var credentials = Ensure();
        using var serving = credentials.ServingCertificate;
        using var authority = Authority(credentials);

        Assert.True(serving.HasPrivateKey);
        Assert.True(ChainsTo(serving, authority, clock.GetUtcNow()));
        Assert.Superset(new HashSet<string>(["localhost", "127.0.0.1", "::1"], StringComparer.OrdinalIgnoreCase), Names(serving));
        Assert.Equal(Path.Combine(directory.Path, "ca.crt"), credentials.CertificateAuthorityPath);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Private_keys_are_readable_by_the_owner_only()
    {
        Ensure().ServingCertificate.Dispose();
        foreach (var file in new[] { "ca.key", "server.key" })
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(directory.Path, file)));
        }
    }

    [Fact]
    public void A_restart_reuses_the_same_ca_and_serving_certificate()
    {
        var first = Ensure();
        var second = Ensure();
        Assert.Equal(first.CertificateAuthorityPem, second.CertificateAuthorityPem);
        Assert.Equal(first.ServingCertificate.Thumbprint, second.ServingCertificate.Thumbprint);
        first.ServingCertificate.Dispose();
        second.ServingCertificate.Dispose();
    }

    [Fact]
    public void A_serving_certificate_near_expiry_is_reissued_by_the_same_ca()
    {
        var first = Ensure();
        clock.Advance(TimeSpan.FromDays(340));
        var second = Ensure();
        using var authority = Authority(second);

        Assert.Equal(first.CertificateAuthorityPem, second.CertificateAuthorityPem);
        Assert.NotEqual(first.ServingCertificate.Thumbprint, second.ServingCertificate.Thumbprint);
        Assert.True(ChainsTo(second.ServingCertificate, authority, clock.GetUtcNow()));
        first.ServingCertificate.Dispose();
        second.ServingCertificate.Dispose();
    }

    [Fact]
    public void A_new_host_name_gets_a_serving_certificate_that_names_it()
    {
        Ensure().ServingCertificate.Dispose();
        using var serving = Ensure("api.example.test", "10.1.2.3").ServingCertificate;
        Assert.Contains("api.example.test", Names(serving));
        Assert.Contains("10.1.2.3", Names(serving));
    }

    private sealed class ShiftingClock : TimeProvider
    {
        private TimeSpan offset;

        public void Advance(TimeSpan by) => offset += by;

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + offset;
    }
}
