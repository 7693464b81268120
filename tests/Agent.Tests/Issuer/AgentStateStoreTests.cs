using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Agent.Configuration;
using IdentityIssuer.Agent.Issuer;
using IdentityIssuer.Tests.Common.Certificates;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Agent.Tests.Issuer;

public sealed class AgentStateStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "agent-state-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private AgentStateStore Store() => new(Options.Create(new AgentOptions { DataDirectory = _directory }));

    private static AgentSvid NewSvid()
    {
        using var root = TestCertificates.CreateRootCa("spiffe://example.org");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=agent", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(TestCertificates.SubjectAltName(["spiffe://example.org/identity-issuer/agent/join_token/abc"]));
        using var leaf = request.Create(root, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1), [1, 2, 3, 4]);
        return AgentSvid.Create([X509CertificateLoader.LoadCertificate(leaf.RawData)], key.ExportPkcs8PrivateKey());
    }

    [Fact]
    public void SaveThenLoad_ReturnsTheSameSvidAndKey()
    {
        using var svid = NewSvid();
        Store().SaveSvid(svid);

        using var loaded = Store().LoadSvid();

        Assert.NotNull(loaded);
        Assert.Equal(svid.Id, loaded.Id);
        Assert.Equal(svid.Serial, loaded.Serial);
        Assert.True(loaded.LeafWithKey.HasPrivateKey);
    }

    [Fact]
    public void Save_WritesOwnerOnlyFilesInAnOwnerOnlyDirectory()
    {
        using var svid = NewSvid();
        Store().SaveSvid(svid);
        Store().SaveBundle("{\"keys\":[]}"u8.ToArray());

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_directory));
        foreach (var file in Directory.GetFiles(_directory))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
    }

    [Fact]
    public void Load_WhenNothingIsSaved_ReturnsNull()
    {
        Assert.Null(Store().LoadSvid());
        Assert.Null(Store().LoadBundle());
    }

    [Fact]
    public void Load_WhenTheKeyFileIsDamaged_FailsNamingTheDirectoryAndKeepsTheFiles()
    {
        using var svid = NewSvid();
        Store().SaveSvid(svid);
        File.WriteAllText(Path.Combine(_directory, "agent-svid.key"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");

        var error = Assert.Throws<AgentStateException>(() => Store().LoadSvid());

        Assert.Contains(_directory, error.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_directory, "agent-svid.pem")));
    }

    [Fact]
    public void ShouldRenew_IsFalseBeforeHalfLifeAndTrueAfter()
    {
        using var svid = NewSvid();
        var lifetime = svid.NotAfter - svid.NotBefore;

        Assert.False(svid.ShouldRenew(svid.NotBefore + (lifetime * 0.3), jitter: 0.1));
        Assert.True(svid.ShouldRenew(svid.NotBefore + (lifetime * 0.7), jitter: -0.1));
        Assert.False(svid.ShouldRenew(svid.NotBefore + (lifetime * 0.55), jitter: 0.1));
        Assert.True(svid.ShouldRenew(svid.NotBefore + (lifetime * 0.55), jitter: 0.0));
    }
}
