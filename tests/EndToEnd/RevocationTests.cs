using IdentityIssuer.EndToEnd.Support;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd;

/// <summary>
/// Revocation as an operator does it with the CLI and checks it with openssl: <c>svid revoke</c> puts
/// the serial in the CA's CRL served at the bundle endpoint, and <c>authority x509 taint</c> then
/// <c>revoke</c> takes an old CA out of the bundle. Owns its issuer, since it rotates the CA.
/// </summary>
public sealed class RevocationTests : IssuerTest, IAsyncLifetime
{
    public RevocationTests(ITestOutputHelper output)
        : base(new IssuerProcess(), output)
    {
    }

    public Task InitializeAsync() => Issuer.StartAsync();

    public Task DisposeAsync() => Issuer.DisposeAsync();

    [Fact]
    public async Task SvidRevoke_BySerialAsOpensslPrintsIt_ListsItInTheCrl_AndOpensslThenRefusesOnlyThatSvid()
    {
        var revokedDir = await MintAsync("revoked");
        var keptDir = await MintAsync("kept");
        var serial = (await OpenSslAsync("x509", "-in", Path.Combine(revokedDir, "svid.pem"), "-noout", "-serial")).ShouldSucceed().StdOut.Trim()["serial=".Length..];
        var withColons = string.Join(':', serial.Chunk(2).Select(c => new string(c)));

        var revoke = (await CliAsync("svid", "revoke", "--serial", withColons, "--reason", "key leaked")).ShouldSucceed();
        Assert.Contains("Revoked 1 X509-SVID(s); 0 were already revoked", revoke.StdOut, StringComparison.Ordinal);
        Assert.Contains(serial.ToLowerInvariant(), revoke.StdOut, StringComparison.Ordinal);

        var crlPem = await FetchCrlPemAsync(await ActiveX509IdAsync());
        var text = (await OpenSslAsync("crl", "-in", crlPem, "-noout", "-text")).ShouldSucceed().StdOut;
        Assert.Contains("Serial Number: " + serial.ToUpperInvariant(), text, StringComparison.Ordinal);

        var bundle = Path.Combine(revokedDir, "bundle.pem");
        var refused = (await OpenSslAsync("verify", "-crl_check", "-CAfile", bundle, "-CRLfile", crlPem, Path.Combine(revokedDir, "svid.pem"))).ShouldFail();
        Assert.Contains("certificate revoked", refused.Output, StringComparison.Ordinal);
        (await OpenSslAsync("verify", "-crl_check", "-CAfile", bundle, "-CRLfile", crlPem, Path.Combine(keptDir, "svid.pem"))).ShouldSucceed();

        // Again: nothing new, said plainly, exit 0. An unknown serial and no selector at all fail.
        Assert.Contains("Revoked 0 X509-SVID(s); 1 were already revoked", (await CliAsync("svid", "revoke", "--serial", serial)).ShouldSucceed().StdOut, StringComparison.Ordinal);
        Assert.Contains("no unexpired X509-SVID with serial 0badc0de", (await CliAsync("svid", "revoke", "--serial", "0BADC0DE")).ShouldFail().StdErr, StringComparison.Ordinal);
        Assert.Contains("give exactly one of --serial, --spiffe-id, --entry-id or --agent-id", (await CliAsync("svid", "revoke")).ShouldFail().Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthorityTaintThenRevoke_TakesTheOldCaOutOfTheBundle_AndItsSvidsNoLongerVerify()
    {
        var oldDir = await MintAsync("before-rotation");
        var oldId = await ActiveX509IdAsync();
        Assert.Contains("is active on replica primary", (await CliAsync("authority", "x509", "taint", "--id", oldId)).ShouldFail().StdErr, StringComparison.Ordinal);
        Assert.Contains("only a tainted authority can be revoked", (await CliAsync("authority", "x509", "revoke", "--id", oldId)).ShouldFail().StdErr, StringComparison.Ordinal);

        (await CliAsync("authority", "x509", "prepare")).ShouldSucceed();
        (await CliAsync("authority", "x509", "activate")).ShouldSucceed();
        Assert.Contains("Status    : tainted", (await CliAsync("authority", "x509", "taint", "--id", oldId)).ShouldSucceed().StdOut, StringComparison.Ordinal);
        var tainted = await BundlePemAsync("tainted");
        (await OpenSslAsync("verify", "-CAfile", tainted, Path.Combine(oldDir, "svid.pem"))).ShouldSucceed();

        Assert.Contains("Status    : revoked", (await CliAsync("authority", "x509", "revoke", "--id", oldId)).ShouldSucceed().StdOut, StringComparison.Ordinal);
        var after = await BundlePemAsync("revoked");
        Assert.Single(CertificatesIn(await File.ReadAllTextAsync(after)));
        (await OpenSslAsync("verify", "-CAfile", after, Path.Combine(oldDir, "svid.pem"))).ShouldFail();
        var newDir = await MintAsync("after-rotation");
        (await OpenSslAsync("verify", "-CAfile", after, Path.Combine(newDir, "svid.pem"))).ShouldSucceed();

        using var journal = ParseJson((await CliAsync("authority", "x509", "show", "--output", "json")).ShouldSucceed());
        var statuses = journal.RootElement.GetProperty("authorities").EnumerateArray().ToDictionary(a => a.GetProperty("id").GetString()!, a => a.GetProperty("status").GetString());
        Assert.Equal("revoked", statuses[oldId]);
    }

    private async Task<string> MintAsync(string name)
    {
        var directory = Path.Combine(Issuer.Directory, "minted-" + name);
        (await CliAsync("svid", "mint", "x509", "--spiffe-id", "spiffe://example.org/e2e/revocation/" + name, "--write", directory)).ShouldSucceed();
        return directory;
    }

    private async Task<string> ActiveX509IdAsync()
    {
        using var json = ParseJson((await CliAsync("authority", "x509", "show", "--output", "json")).ShouldSucceed());
        return json.RootElement.GetProperty("authorities").EnumerateArray().Single(a => a.GetProperty("status").GetString() == "active").GetProperty("id").GetString()!;
    }

    private async Task<string> BundlePemAsync(string name)
    {
        var file = Path.Combine(Issuer.Directory, $"bundle-{name}.pem");
        await File.WriteAllTextAsync(file, (await CliAsync("bundle", "show", "--format", "pem")).ShouldSucceed().StdOut);
        return file;
    }

    private static IEnumerable<string> CertificatesIn(string pem) =>
        pem.Split("-----BEGIN CERTIFICATE-----", StringSplitOptions.RemoveEmptyEntries).Where(p => p.Contains("-----END CERTIFICATE-----", StringComparison.Ordinal));

    /// <summary>GET /crl/{id} from the bundle endpoint (any TLS certificate accepted: the CRL is signed), converted to PEM by openssl.</summary>
    private async Task<string> FetchCrlPemAsync(string authorityId)
    {
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.GetAsync(new Uri($"https://127.0.0.1:{Issuer.BundlePort}/crl/{authorityId}"));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pkix-crl", response.Content.Headers.ContentType?.MediaType);
        var der = Path.Combine(Issuer.Directory, $"crl-{authorityId}.der");
        await File.WriteAllBytesAsync(der, await response.Content.ReadAsByteArrayAsync());
        var pem = Path.ChangeExtension(der, ".pem");
        (await OpenSslAsync("crl", "-inform", "DER", "-in", der, "-out", pem)).ShouldSucceed();
        return pem;
    }
}
