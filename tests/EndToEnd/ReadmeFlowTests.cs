using IdentityIssuer.EndToEnd.Support;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd;

/// <summary>The README's quick start, command by command, with openssl checking what the issuer wrote.</summary>
public sealed class ReadmeFlowTests : IssuerTest, IClassFixture<IssuerProcess>
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public ReadmeFlowTests(IssuerProcess issuer, ITestOutputHelper output)
        : base(issuer, output)
    {
    }

    [Fact]
    public async Task ReadmeFlow_CreateEntryThenMintX509_OpenSslVerifiesTheSvidAgainstTheBundle()
    {
        var create = (await CliAsync("entry", "create", "--spiffe-id", "spiffe://example.org/demo/web", "--parent-id", ServerId, "--selector", "unix:uid:1000")).ShouldSucceed();
        using var list = ParseJson(await CliAsync("entry", "list", "--spiffe-id", "spiffe://example.org/demo/web", "--output", "json"));
        var stored = Assert.Single(list.RootElement.GetProperty("entries").EnumerateArray());
        Assert.Contains(stored.GetProperty("id").GetString()!, create.StdOut, StringComparison.Ordinal);

        (await CliAsync("svid", "mint", "x509", "--spiffe-id", "spiffe://example.org/demo/web", "--write", "out/")).ShouldSucceed();

        var verify = (await OpenSslAsync("verify", "-CAfile", Out("out", "bundle.pem"), Out("out", "svid.pem"))).ShouldSucceed();
        Assert.Contains(": OK", verify.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SvidMintX509_WithWrite_WritesCertificateBundleAndKeyOnlyTheOwnerCanRead()
    {
        await CreateEntryAsync("spiffe://example.org/demo/files");

        (await CliAsync("svid", "mint", "x509", "--spiffe-id", "spiffe://example.org/demo/files", "--write", "files")).ShouldSucceed();

        Assert.Contains("-----BEGIN CERTIFICATE-----", await File.ReadAllTextAsync(Out("files", "svid.pem")), StringComparison.Ordinal);
        Assert.Contains("-----BEGIN CERTIFICATE-----", await File.ReadAllTextAsync(Out("files", "bundle.pem")), StringComparison.Ordinal);
        Assert.Contains("-----BEGIN PRIVATE KEY-----", await File.ReadAllTextAsync(Out("files", "svid.key")), StringComparison.Ordinal);
        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(Out("files", "svid.key")));
    }

    [Fact]
    public async Task SvidMintX509_Certificate_HasOnlyTheSpiffeIdAsUriSanAndIsALeafForDigitalSignature()
    {
        const string id = "spiffe://example.org/demo/leaf";
        await CreateEntryAsync(id);
        (await CliAsync("svid", "mint", "x509", "--spiffe-id", id, "--write", "leaf")).ShouldSucceed();

        var text = (await OpenSslAsync("x509", "-in", Out("leaf", "svid.pem"), "-text", "-noout")).ShouldSucceed().StdOut;

        var extensions = CertificateText.Extensions(text);
        var san = Assert.Single(extensions, e => e.Name == "X509v3 Subject Alternative Name");
        var uri = Assert.Single(CertificateText.Items(san), item => item.StartsWith("URI:", StringComparison.Ordinal));
        Assert.Equal("URI:" + id, uri);
        var basic = Assert.Single(extensions, e => e.Name == "X509v3 Basic Constraints");
        Assert.Equal("CA:FALSE", basic.Value);
        var keyUsage = Assert.Single(extensions, e => e.Name == "X509v3 Key Usage");
        Assert.True(keyUsage.Critical, text);
        Assert.Contains("Digital Signature", CertificateText.Items(keyUsage));
        Assert.DoesNotContain("Certificate Sign", CertificateText.Items(keyUsage));
    }

    [Theory]
    [InlineData("ec-p256")]
    [InlineData("ec-p384")]
    [InlineData("rsa-2048")]
    public async Task SvidMintX509_PrivateKey_MatchesTheCertificatesPublicKey(string keyType)
    {
        var id = "spiffe://example.org/demo/key-" + keyType;
        await CreateEntryAsync(id);
        (await CliAsync("svid", "mint", "x509", "--spiffe-id", id, "--key-type", keyType, "--write", keyType)).ShouldSucceed();

        var fromKey = (await OpenSslAsync("pkey", "-in", Out(keyType, "svid.key"), "-pubout")).ShouldSucceed().StdOut;
        var fromCertificate = (await OpenSslAsync("x509", "-in", Out(keyType, "svid.pem"), "-noout", "-pubkey")).ShouldSucceed().StdOut;

        Assert.Contains("-----BEGIN PUBLIC KEY-----", fromKey, StringComparison.Ordinal);
        Assert.Equal(fromCertificate, fromKey);
        (await OpenSslAsync("verify", "-CAfile", Out(keyType, "bundle.pem"), Out(keyType, "svid.pem"))).ShouldSucceed();
    }

    /// <summary>A file the CLI wrote with a relative <c>--write</c> directory (the CLI runs in the issuer's directory).</summary>
    private string Out(string directory, string file) => Path.Combine(Issuer.Directory, directory, file);
}
