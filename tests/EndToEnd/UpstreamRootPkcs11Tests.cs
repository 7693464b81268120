using IdentityIssuer.EndToEnd.Support;
using IdentityIssuer.Tests.Common.Pkcs11;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd;

/// <summary>
/// An HSM-held upstream root: <c>Ca:Upstream:KeyManager</c> is a SoftHSM2 token, the issuer's signing
/// CA key stays in memory. <c>upstream init</c> creates the root key on the token; the bundle holds
/// the root; SVIDs chain leaf → intermediate → root under <c>openssl verify</c>; the root's private
/// key is on the token and nowhere under the data directory.
/// </summary>
public sealed class UpstreamRootPkcs11Tests : IssuerTest, IAsyncLifetime
{
    private readonly SoftHsmToken _token;

    public UpstreamRootPkcs11Tests(ITestOutputHelper output)
        : this(SoftHsmToken.Create(), output)
    {
    }

    private UpstreamRootPkcs11Tests(SoftHsmToken token, ITestOutputHelper output)
        : base(NewIssuer(token), output)
    {
        _token = token;
    }

    [Fact]
    public async Task UpstreamInitOnAToken_ThenRun_SvidsChainToTheHsmRootAndNoRootKeyIsOnDisk()
    {
        await Issuer.WriteConfigAsync();

        var init = Record(await Cli.RunAsync(["upstream", "init", "--output", "json", "--config", Issuer.ConfigFile], _token.Environment, Issuer.Directory)).ShouldSucceed();
        using var json = ParseJson(init);
        var rootPem = json.RootElement.GetProperty("certificatePem").GetString()!;
        Assert.DoesNotContain(_token.Pin, init.StdOut + init.StdErr, StringComparison.Ordinal);

        var (exitCode, listing) = await _token.Pkcs11ToolAsync(["--list-objects"]);
        Output.WriteLine(listing);
        Assert.Equal(0, exitCode);
        Assert.Contains("identity-issuer/upstream-root", Pkcs11KeyCustodyTests.PrivateKeyLabels(listing));

        await Issuer.StartAsync();

        var rootFile = Path.Combine(Issuer.Directory, "root.pem");
        await File.WriteAllTextAsync(rootFile, rootPem);
        var bundle = (await CliAsync("bundle", "show")).ShouldSucceed().StdOut;
        Assert.Equal(1, CountCertificates(bundle));
        Assert.Contains(rootPem.Trim().Split('\n')[1], bundle, StringComparison.Ordinal);

        var directory = Path.Combine(Issuer.Directory, "minted");
        (await CliAsync("svid", "mint", "x509", "--spiffe-id", "spiffe://example.org/demo/hsm-root", "--write", directory)).ShouldSucceed();
        var chain = await File.ReadAllTextAsync(Path.Combine(directory, "svid.pem"));
        Assert.Equal(2, CountCertificates(chain));
        var end = chain.IndexOf("-----END CERTIFICATE-----", StringComparison.Ordinal) + "-----END CERTIFICATE-----".Length;
        var leaf = Path.Combine(directory, "leaf.pem");
        var intermediate = Path.Combine(directory, "intermediate.pem");
        await File.WriteAllTextAsync(leaf, chain[..end] + "\n");
        await File.WriteAllTextAsync(intermediate, chain[end..].Trim() + "\n");
        (await OpenSslAsync("verify", "-CAfile", rootFile, "-untrusted", intermediate, leaf)).ShouldSucceed();

        var keyFiles = Directory.EnumerateFiles(Issuer.DataDirectory, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f).StartsWith("upstream-root", StringComparison.Ordinal) || f.EndsWith(".key", StringComparison.Ordinal))
            .ToList();
        Assert.Empty(keyFiles);
        Assert.DoesNotContain(_token.Pin, Issuer.Log, StringComparison.Ordinal);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await Issuer.DisposeAsync();
        _token.Dispose();
    }

    private static IssuerProcess NewIssuer(SoftHsmToken token)
    {
        // The PIN in a 0600 file beside the token, as an operator would keep it (never in the config).
        var pinFile = Path.Combine(token.Directory, "upstream.pin");
        File.WriteAllText(pinFile, token.Pin + "\n");
        File.SetUnixFileMode(pinFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var issuer = IssuerProcess.Create(new Dictionary<string, string>
        {
            ["KeyManager:Type"] = "memory",
            ["Ca:Upstream:KeyManager:Type"] = "pkcs11",
            ["Ca:Upstream:KeyManager:Pkcs11:ModulePath"] = token.ModulePath,
            ["Ca:Upstream:KeyManager:Pkcs11:TokenLabel"] = token.Label,
            ["Ca:Upstream:KeyManager:Pkcs11:PinFile"] = pinFile,
        });
        foreach (var (name, value) in token.Environment)
        {
            issuer.Environment[name] = value;
        }

        return issuer;
    }

    private static int CountCertificates(string pem) =>
        pem.Split("-----BEGIN CERTIFICATE-----").Length - 1;
}
