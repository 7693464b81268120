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
    public void Load_WhenTheStateFileIsDamaged_FailsNamingTheDirectoryAndKeepsTheFile()
    {
        using var svid = NewSvid();
        Store().SaveSvid(svid);
        var path = Path.Combine(_directory, "agent-svid.pem");
        File.WriteAllText(path, File.ReadAllText(path).Replace("-----BEGIN PRIVATE KEY-----\n", "-----BEGIN PRIVATE KEY-----\nAAAA", StringComparison.Ordinal));

        var error = Assert.Throws<AgentStateException>(() => Store().LoadSvid());

        Assert.Contains(_directory, error.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public void Save_WritesChainAndKeyAsOneFile_SoOneRenameReplacesBoth()
    {
        using var first = NewSvid();
        using var second = NewSvid();
        Store().SaveSvid(first);

        Store().SaveSvid(second);

        Assert.Equal(["agent-svid.pem"], Directory.GetFiles(_directory).Select(f => Path.GetFileName(f)).ToArray());
        var text = File.ReadAllText(Path.Combine(_directory, "agent-svid.pem"));
        Assert.Contains("-----BEGIN CERTIFICATE-----", text, StringComparison.Ordinal);
        Assert.Contains("-----BEGIN PRIVATE KEY-----", text, StringComparison.Ordinal);
        using var loaded = Store().LoadSvid();
        Assert.Equal(second.Serial, loaded!.Serial);
        Assert.Equal(second.KeyPkcs8, loaded.KeyPkcs8);
    }

    [Fact]
    public void Load_FromTheOldTwoFileLayout_ResumesAndRewritesItAsOneFile()
    {
        using var svid = NewSvid();
        Directory.CreateDirectory(_directory);
        var certificatePath = Path.Combine(_directory, "agent-svid.pem");
        File.WriteAllText(certificatePath, Spiffe.X509.DerCertificates.ToPem(svid.Chain));
        File.WriteAllText(Path.Combine(_directory, "agent-svid.key"), PemEncoding.WriteString("PRIVATE KEY", svid.KeyPkcs8) + "\n");

        using var loaded = Store().LoadSvid();

        Assert.Equal(svid.Serial, loaded!.Serial);
        Assert.Equal(["agent-svid.pem"], Directory.GetFiles(_directory).Select(f => Path.GetFileName(f)).ToArray());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(certificatePath));
        using var again = Store().LoadSvid();
        Assert.Equal(svid.KeyPkcs8, again!.KeyPkcs8);
    }

    [Fact]
    public void Delete_RemovesTheStateOfEitherLayout()
    {
        using var svid = NewSvid();
        Store().SaveSvid(svid);
        File.WriteAllText(Path.Combine(_directory, "agent-svid.key"), "left over");

        Store().DeleteSvid();

        Assert.Null(Store().LoadSvid());
        Assert.Empty(Directory.GetFiles(_directory));
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
