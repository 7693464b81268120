using System.Globalization;
using IdentityIssuer.EndToEnd.Support;
using IdentityIssuer.Tests.Common.AzureKeyVault;
using IdentityIssuer.Tests.Common.Processes;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd;

/// <summary>
/// The issuer with <c>KeyManager:Type</c> <c>azure-key-vault</c> against the local Key Vault fake: the
/// child process gets its token the way a deployment with an app registration does
/// (ClientSecretCredential, its authority host pointed at the fake's token endpoint, the secret in
/// the environment) and trusts the fake's test CA through <c>SSL_CERT_FILE</c>.
/// </summary>
public sealed class AzureKeyVaultTests : IAsyncLifetime
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    private readonly ITestOutputHelper _output;
    private readonly string _directory = FreePort.ShortTempDirectory();
    private FakeKeyVault? _vault;

    public AzureKeyVaultTests(ITestOutputHelper output)
    {
        _output = output;
    }

    private FakeKeyVault Vault => _vault!;

    private string CaFile => Path.Combine(_directory, "fake-vault-ca.pem");

    public async Task InitializeAsync()
    {
        _vault = await FakeKeyVault.StartAsync();
        await File.WriteAllTextAsync(CaFile, Vault.CaCertificatePem);
    }

    public async Task DisposeAsync()
    {
        if (_vault is not null)
        {
            await _vault.DisposeAsync();
        }

        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task Issuer_WithCaKeysInTheVault_MintsAnSvidOpenSslVerifies_AndNeverLogsTheSecret()
    {
        await using var issuer = IssuerProcess.Create(Settings());
        foreach (var (name, value) in Environment())
        {
            issuer.Environment[name] = value;
        }

        try
        {
            await issuer.StartAsync();
            var bundle = Path.Combine(issuer.Directory, "bundle.pem");
            await File.WriteAllTextAsync(bundle, (await Cli(issuer, "bundle", "show")).ShouldSucceed().StdOut);
            (await Cli(issuer, "svid", "mint", "x509", "--spiffe-id", "spiffe://example.org/demo/vault", "--write", "minted")).ShouldSucceed();

            var verify = Record(await OpenSsl.RunAsync(["verify", "-CAfile", bundle, Path.Combine(issuer.Directory, "minted", "svid.pem")]));

            verify.ShouldSucceed();
            Assert.Contains(Vault.KeyNames, name => name.StartsWith("identity-issuer-x509-0ca", StringComparison.Ordinal));
            Assert.False(Directory.Exists(Path.Combine(issuer.DataDirectory, "keys")), "CA keys were written to disk");
            Assert.True(Vault.Challenges >= 1, "the vault never challenged the issuer");
        }
        finally
        {
            _output.WriteLine(issuer.Log);
        }

        Assert.DoesNotContain(Vault.ClientSecret, issuer.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Issuer_WhenTheVaultFailsWhileRunning_TurnsUnreadyKeepsRunningAndRecovers()
    {
        await using var issuer = IssuerProcess.Create(Settings());
        foreach (var (name, value) in Environment())
        {
            issuer.Environment[name] = value;
        }

        try
        {
            await issuer.StartAsync();
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{issuer.OpsPort.ToString(CultureInfo.InvariantCulture)}/") };
            Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync(new Uri("health/ready", UriKind.Relative))).StatusCode);

            Vault.FailNext(int.MaxValue);
            var unready = await http.GetAsync(new Uri("health/ready", UriKind.Relative));
            var mint = await Cli(issuer, "svid", "mint", "x509", "--spiffe-id", "spiffe://example.org/demo/outage", "--write", "outage");

            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, unready.StatusCode);
            Assert.NotEqual(0, mint.ExitCode);
            Assert.False(issuer.HasExited, "the issuer exited when the vault failed");

            Vault.FailNext(0);
            Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync(new Uri("health/ready", UriKind.Relative))).StatusCode);
            (await Cli(issuer, "svid", "mint", "x509", "--spiffe-id", "spiffe://example.org/demo/after", "--write", "after")).ShouldSucceed();
        }
        finally
        {
            _output.WriteLine(issuer.Log);
        }
    }

    [Fact]
    public async Task Run_WhenTheVaultForbidsAccess_ExitsNonZeroNamingTheVaultSetting()
    {
        Vault.Forbidden = true;

        var result = (await RunAsync(Settings())).ShouldFail();

        var error = Assert.Single(result.StdErr.Split('\n'), l => l.StartsWith("Error: ", StringComparison.Ordinal));
        Assert.Contains("KeyManager:AzureKeyVault:VaultUri", error, StringComparison.Ordinal);
        Assert.Contains("403", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Vault.ClientSecret, result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WithAWrongClientSecret_ExitsNonZeroNamingTheCredentialSettingButNotTheSecret()
    {
        var env = Environment();
        env["IDENTITY_ISSUER_KeyManager__AzureKeyVault__ClientSecret"] = "wrong-secret-0123456789";

        var result = (await RunAsync(Settings(), env)).ShouldFail();

        Assert.Contains("KeyManager:AzureKeyVault:Credential", result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-secret-0123456789", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Vault.ClientSecret, result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WhenTheVaultIsUnreachable_ExitsNonZeroNamingTheVaultSetting()
    {
        var nowhere = $"https://localhost:{FreePort.Next().ToString(CultureInfo.InvariantCulture)}/";
        var settings = Settings();
        settings["KeyManager:AzureKeyVault:VaultUri"] = nowhere;
        settings["KeyManager:AzureKeyVault:MaxRetries"] = "0";

        var result = (await RunAsync(settings)).ShouldFail();

        Assert.Contains("KeyManager:AzureKeyVault:VaultUri", result.StdErr, StringComparison.Ordinal);
        Assert.Contains(nowhere, result.StdErr, StringComparison.Ordinal);
    }

    private Dictionary<string, string> Settings() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["KeyManager:Type"] = "azure-key-vault",
        ["KeyManager:AzureKeyVault:VaultUri"] = Vault.VaultUri.AbsoluteUri,
        ["KeyManager:AzureKeyVault:Credential"] = "client-secret",
        ["KeyManager:AzureKeyVault:TenantId"] = Vault.TenantId,
        ["KeyManager:AzureKeyVault:ClientId"] = Vault.ClientId,
        ["KeyManager:AzureKeyVault:AuthorityHost"] = Vault.AuthorityHost.AbsoluteUri,
        ["KeyManager:AzureKeyVault:RetryDelay"] = "00:00:00.05",
    };

    private Dictionary<string, string> Environment() => new(StringComparer.Ordinal)
    {
        ["SSL_CERT_FILE"] = CaFile,
        ["IDENTITY_ISSUER_KeyManager__AzureKeyVault__ClientSecret"] = Vault.ClientSecret,
    };

    /// <summary>Runs <c>identity-issuer run</c> with an operator-like configuration; a start that wrongly succeeds is killed at the timeout.</summary>
    private async Task<ProcessResult> RunAsync(Dictionary<string, string> settings, Dictionary<string, string>? env = null)
    {
        var config = Path.Combine(_directory, "issuer.json");
        settings["Issuer:DataDirectory"] = Path.Combine(_directory, "data");
        settings["AdminApi:SocketPath"] = Path.Combine(_directory, "admin.sock");
        settings["BundleEndpoint:Port"] = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        settings["Ops:Port"] = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        settings["AgentApi:Port"] = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        await File.WriteAllTextAsync(config, IssuerProcess.ConfigurationJson(settings));
        return Record(await Support.Cli.RunAsync(["run", "--config", config], env ?? Environment(), _directory, RunTimeout));
    }

    private async Task<ProcessResult> Cli(IssuerProcess issuer, params string[] args) => Record(await issuer.CliAsync(args));

    private ProcessResult Record(ProcessResult result)
    {
        _output.WriteLine(result.ToString());
        return result;
    }
}
