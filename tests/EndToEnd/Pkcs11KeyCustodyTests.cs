using System.Net;
using IdentityIssuer.EndToEnd.Support;
using IdentityIssuer.Tests.Common.Pkcs11;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd;

/// <summary>
/// <c>identity-issuer run --KeyManager:Type=pkcs11</c> on a fresh SoftHSM2 token (one per test): the
/// CA and JWT keys live on the token and nowhere on disk, survive a restart, rotate onto the token,
/// and a wrong PIN, token or module stops the start with the setting named and the PIN never shown.
/// The PIN comes from the environment (IDENTITY_ISSUER_KeyManager__Pkcs11__Pin), not the config file.
/// </summary>
public sealed class Pkcs11KeyCustodyTests : IssuerTest, IAsyncLifetime
{
    private const string PinVariable = "IDENTITY_ISSUER_KeyManager__Pkcs11__Pin";
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    private readonly SoftHsmToken _token;

    public Pkcs11KeyCustodyTests(ITestOutputHelper output)
        : this(SoftHsmToken.Create(), output)
    {
    }

    private Pkcs11KeyCustodyTests(SoftHsmToken token, ITestOutputHelper output)
        : base(NewIssuer(token, token.Label, token.ModulePath), output)
    {
        _token = token;
    }

    [Fact]
    public async Task Run_OnAFreshToken_MintsSvidsThatVerifyAndKeepsTheKeysOnTheTokenOnly()
    {
        await MintAndVerifyAsync("first");

        var keyFiles = Directory.EnumerateFiles(Issuer.DataDirectory, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".key", StringComparison.Ordinal) || f.EndsWith("encryption.key", StringComparison.Ordinal)).ToList();
        Assert.Empty(keyFiles);
        Assert.False(Directory.Exists(Path.Combine(Issuer.DataDirectory, "keys")), "the disk key directory was created");
        var objects = await ListObjectsAsync();
        Assert.Single(PrivateKeyLabels(objects), l => l.StartsWith("identity-issuer/x509-ca-A-", StringComparison.Ordinal));
        Assert.Single(PrivateKeyLabels(objects), l => l.StartsWith("identity-issuer/jwt-A-", StringComparison.Ordinal));
        Assert.DoesNotContain(_token.Pin, Issuer.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_ServesTheSameCaFromTheTokenAndNewSvidsStillVerify()
    {
        var bundleBefore = (await CliAsync("bundle", "show", "--format", "pem")).ShouldSucceed().StdOut;
        var labelsBefore = PrivateKeyLabels(await ListObjectsAsync());

        Assert.Equal(0, await Issuer.StopAsync());
        await Issuer.StartAsync();

        Assert.Equal(bundleBefore, (await CliAsync("bundle", "show", "--format", "pem")).ShouldSucceed().StdOut);
        Assert.Equal(labelsBefore, PrivateKeyLabels(await ListObjectsAsync()));
        await File.WriteAllTextAsync(Path.Combine(Issuer.Directory, "bundle-before.pem"), bundleBefore);
        (await CliAsync("svid", "mint", "x509", "--spiffe-id", "spiffe://example.org/demo/after-restart", "--write", "after")).ShouldSucceed();
        (await OpenSslAsync("verify", "-CAfile", Path.Combine(Issuer.Directory, "bundle-before.pem"), Path.Combine(Issuer.Directory, "after", "svid.pem"))).ShouldSucceed();
        Assert.DoesNotContain(_token.Pin, Issuer.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rotation_PrepareThenActivate_CreatesTheNextKeyOnTheTokenAndSvidsVerify()
    {
        (await CliAsync("authority", "x509", "prepare")).ShouldSucceed();

        var prepared = PrivateKeyLabels(await ListObjectsAsync()).Where(l => l.StartsWith("identity-issuer/x509-ca-", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, prepared.Count);
        Assert.Contains(prepared, l => l.StartsWith("identity-issuer/x509-ca-B-", StringComparison.Ordinal));

        (await CliAsync("authority", "x509", "activate")).ShouldSucceed();
        await MintAndVerifyAsync("rotated");
    }

    [Fact]
    public async Task TokenDeletedWhileRunning_ReadinessTurnsUnreadyAndTheIssuerKeepsRunning()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var ready = new Uri($"http://127.0.0.1:{Issuer.OpsPort}/health/ready");
        using (var before = await http.GetAsync(ready))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await _token.DeleteTokenAsync();

        using (var after = await http.GetAsync(ready))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, after.StatusCode);
        }

        var mint = (await CliAsync("svid", "mint", "x509", "--spiffe-id", "spiffe://example.org/demo/no-token")).ShouldFail();
        Assert.False(Issuer.HasExited, "the issuer exited after its token went away");
        using (var live = await http.GetAsync(new Uri($"http://127.0.0.1:{Issuer.OpsPort}/health/live")))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        Assert.Contains(_token.Label, Issuer.Log, StringComparison.Ordinal);
        Assert.DoesNotContain(_token.Pin, Issuer.Log + mint.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pin", "KeyManager:Pkcs11:Pin")]
    [InlineData("label", "KeyManager:Pkcs11:TokenLabel")]
    [InlineData("module", "KeyManager:Pkcs11:ModulePath")]
    public async Task Run_WithWrongPinTokenOrModule_ExitsNonZeroNamingTheSettingAndNeverShowsThePin(string wrong, string setting)
    {
        const string WrongPin = "wrong-pin-31337";
        await using var issuer = NewIssuer(
            _token,
            wrong == "label" ? "no-such-token" : _token.Label,
            wrong == "module" ? Path.Combine(_token.Directory, "missing-libsofthsm2.so") : _token.ModulePath,
            wrong == "pin" ? WrongPin : null);
        await issuer.WriteConfigAsync();

        var result = Record(await Cli.RunAsync(["run", "--config", issuer.ConfigFile], issuer.Environment, issuer.Directory, RunTimeout)).ShouldFail();

        Assert.Contains(setting, result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain(_token.Pin, result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(WrongPin, result.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(issuer.SocketPath), "a failed start left its admin socket");
    }

    public Task InitializeAsync() => Issuer.StartAsync();

    public async Task DisposeAsync()
    {
        await Issuer.DisposeAsync();
        _token.Dispose();
    }

    /// <summary>An issuer (not started) whose keys are on <paramref name="token"/>; the PIN comes from the environment.</summary>
    internal static IssuerProcess NewIssuer(SoftHsmToken token, string label, string modulePath, string? pin = null, IReadOnlyDictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["KeyManager:Type"] = "pkcs11",
            ["KeyManager:Pkcs11:ModulePath"] = modulePath,
            ["KeyManager:Pkcs11:TokenLabel"] = label,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        var issuer = IssuerProcess.Create(settings);
        foreach (var (name, value) in token.Environment)
        {
            issuer.Environment[name] = value;
        }

        issuer.Environment[PinVariable] = pin ?? token.Pin;
        return issuer;
    }

    private async Task MintAndVerifyAsync(string name)
    {
        var bundle = Path.Combine(Issuer.Directory, name + "-bundle.pem");
        await File.WriteAllTextAsync(bundle, (await CliAsync("bundle", "show")).ShouldSucceed().StdOut);
        (await CliAsync("svid", "mint", "x509", "--spiffe-id", $"spiffe://example.org/demo/{name}", "--write", name)).ShouldSucceed();
        (await OpenSslAsync("verify", "-CAfile", bundle, Path.Combine(Issuer.Directory, name, "svid.pem"))).ShouldSucceed();
    }

    private async Task<string> ListObjectsAsync()
    {
        var (exitCode, output) = await _token.Pkcs11ToolAsync(["--list-objects"]);
        Output.WriteLine(output);
        Assert.Equal(0, exitCode);
        return output;
    }

    /// <summary>The labels of the private key objects in <c>pkcs11-tool --list-objects</c> output, sorted.</summary>
    internal static List<string> PrivateKeyLabels(string listing)
    {
        var labels = new List<string>();
        var inPrivateKey = false;
        foreach (var line in listing.Split('\n'))
        {
            if (!line.StartsWith(' '))
            {
                inPrivateKey = line.StartsWith("Private Key Object", StringComparison.Ordinal);
                continue;
            }

            var trimmed = line.Trim();
            if (inPrivateKey && trimmed.StartsWith("label:", StringComparison.Ordinal))
            {
                labels.Add(trimmed["label:".Length..].Trim());
            }
        }

        labels.Sort(StringComparer.Ordinal);
        return labels;
    }
}

/// <summary>
/// Automatic rotation on a token with a one-minute CA: the next key is created on the token, and the
/// old authority's key is destroyed on the token once the authority has expired and is pruned.
/// </summary>
public sealed class Pkcs11KeyRotationTests : IssuerTest, IAsyncLifetime
{
    private static readonly TimeSpan PruneTimeout = TimeSpan.FromMinutes(4);

    private readonly SoftHsmToken _token;

    public Pkcs11KeyRotationTests(ITestOutputHelper output)
        : this(SoftHsmToken.Create(), output)
    {
    }

    private Pkcs11KeyRotationTests(SoftHsmToken token, ITestOutputHelper output)
        : base(
            Pkcs11KeyCustodyTests.NewIssuer(token, token.Label, token.ModulePath, extra: new Dictionary<string, string>
            {
                ["Ca:Ttl"] = "00:01:00",
                ["Jobs:RotationCheckInterval"] = "00:00:01",
                ["Jobs:PruneInterval"] = "00:00:01",
                ["Jobs:AuthorityRetention"] = "00:00:00",
            }),
            output)
    {
        _token = token;
    }

    [Fact]
    public async Task ExpiredAuthority_AfterPruning_ItsKeyIsGoneFromTheTokenAndTheNextKeySigns()
    {
        var first = Assert.Single(await X509KeyLabelsAsync());
        Assert.StartsWith("identity-issuer/x509-ca-A-", first, StringComparison.Ordinal);

        using var deadline = new CancellationTokenSource(PruneTimeout);
        List<string> labels;
        do
        {
            await Task.Delay(TimeSpan.FromSeconds(2), deadline.Token);
            labels = await X509KeyLabelsAsync();
        }
        while (labels.Contains(first));

        Assert.NotEmpty(labels);
        Assert.Contains("Deleted CA key " + first["identity-issuer/".Length..], Issuer.Log, StringComparison.Ordinal);
        var bundle = Path.Combine(Issuer.Directory, "bundle.pem");
        await File.WriteAllTextAsync(bundle, (await CliAsync("bundle", "show")).ShouldSucceed().StdOut);
        (await CliAsync("svid", "mint", "x509", "--spiffe-id", "spiffe://example.org/demo/next-key", "--write", "next")).ShouldSucceed();
        (await OpenSslAsync("verify", "-CAfile", bundle, Path.Combine(Issuer.Directory, "next", "svid.pem"))).ShouldSucceed();
    }

    public Task InitializeAsync() => Issuer.StartAsync();

    public async Task DisposeAsync()
    {
        await Issuer.DisposeAsync();
        _token.Dispose();
    }

    private async Task<List<string>> X509KeyLabelsAsync()
    {
        var (exitCode, output) = await _token.Pkcs11ToolAsync(["--list-objects"]);
        Assert.Equal(0, exitCode);
        return [.. Pkcs11KeyCustodyTests.PrivateKeyLabels(output).Where(l => l.StartsWith("identity-issuer/x509-ca-", StringComparison.Ordinal))];
    }
}
