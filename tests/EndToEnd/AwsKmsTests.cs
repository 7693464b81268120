using IdentityIssuer.EndToEnd.Support;
using IdentityIssuer.Tests.Common.Kms;
using IdentityIssuer.Tests.Common.Processes;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd;

/// <summary>
/// <c>identity-issuer run</c> with <c>KeyManager:Type=aws-kms</c> against the local KMS server in
/// this test process, credentials handed to the child through AWS_ACCESS_KEY_ID and
/// AWS_SECRET_ACCESS_KEY as an operator would: the CA keys live in "KMS", SVIDs verify with openssl,
/// a restart finds the same CA, a denied start fails naming the credentials, and the secret key
/// appears in no output.
/// </summary>
public sealed class AwsKmsTests : IAsyncLifetime
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    private readonly ITestOutputHelper _output;
    private FakeKmsServer _kms = null!;

    public AwsKmsTests(ITestOutputHelper output)
    {
        _output = output;
    }

    private Dictionary<string, string> Credentials => new(StringComparer.Ordinal)
    {
        ["AWS_ACCESS_KEY_ID"] = _kms.AccessKeyId,
        ["AWS_SECRET_ACCESS_KEY"] = _kms.SecretAccessKey,
        ["AWS_EC2_METADATA_DISABLED"] = "true",
    };

    public async Task InitializeAsync() => _kms = await FakeKmsServer.StartAsync();

    public async Task DisposeAsync() => await _kms.DisposeAsync();

    [Fact]
    public async Task Run_WithAwsKms_KeepsTheCaKeysInKmsMintsSvidsOpenSslVerifiesAndNeverPrintsTheSecret()
    {
        await using var issuer = IssuerProcess.Create(new Dictionary<string, string>
        {
            ["KeyManager:Type"] = "aws-kms",
            ["KeyManager:AwsKms:Region"] = _kms.Region,
            ["KeyManager:AwsKms:Endpoint"] = _kms.Endpoint.ToString(),
        });
        foreach (var (name, value) in Credentials)
        {
            issuer.Environment[name] = value;
        }

        try
        {
            await issuer.StartAsync();

            var aliases = _kms.Aliases().Keys.Where(a => a.StartsWith("alias/identity-issuer/", StringComparison.Ordinal)).ToList();
            Assert.True(aliases.Count >= 2, "expected the X.509 CA key and the JWT key in KMS: " + string.Join(", ", aliases));
            Assert.False(Directory.Exists(Path.Combine(issuer.DataDirectory, "keys")), "CA keys were written to disk");
            var authority = Record(await issuer.CliAsync("authority", "x509", "show", "--output", "json")).ShouldSucceed().StdOut;

            await MintAndVerifyAsync(issuer, "first");

            await issuer.StopAsync();
            await issuer.StartAsync();

            Assert.Equal(authority, Record(await issuer.CliAsync("authority", "x509", "show", "--output", "json")).ShouldSucceed().StdOut);
            await MintAndVerifyAsync(issuer, "after-restart");
            Assert.True(_kms.Calls("Sign") >= 2, "the SVIDs were not signed by KMS");

            _kms.DenyAccess("Sign");
            var denied = Record(await issuer.CliAsync("svid", "mint", "x509", "--spiffe-id", "spiffe://example.org/demo/denied", "--write", "denied")).ShouldFail();
            Assert.Contains("kms:Sign", denied.StdErr, StringComparison.Ordinal);
            Assert.False(issuer.HasExited, "the issuer exited when KMS refused a signature");
            _kms.AllowAll();
            await MintAndVerifyAsync(issuer, "after-denial");
        }
        finally
        {
            _output.WriteLine(issuer.Log);
        }

        Assert.DoesNotContain(_kms.SecretAccessKey, issuer.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WhenKmsDeniesAccess_ExitsNonZeroNamingTheCredentialsAndSettingButNotTheSecret()
    {
        _kms.DenyAccess();
        var directory = FreePort.ShortTempDirectory();
        try
        {
            var config = Path.Combine(directory, "issuer.json");
            await File.WriteAllTextAsync(config, IssuerProcess.ConfigurationJson(new Dictionary<string, string>
            {
                ["Issuer:DataDirectory"] = Path.Combine(directory, "data"),
                ["AdminApi:SocketPath"] = Path.Combine(directory, "admin.sock"),
                ["BundleEndpoint:Port"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Ops:Port"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["AgentApi:Port"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            }));

            var result = Record(await Cli.RunAsync(
                ["run", "--config", config, "--KeyManager:Type=aws-kms", $"--KeyManager:AwsKms:Region={_kms.Region}", $"--KeyManager:AwsKms:Endpoint={_kms.Endpoint}"],
                Credentials, directory, RunTimeout)).ShouldFail();

            var error = Assert.Single(result.StdErr.Split('\n'), l => l.StartsWith("Error: ", StringComparison.Ordinal));
            Assert.Contains("AccessDeniedException", error, StringComparison.Ordinal);
            Assert.Contains("AWS_ACCESS_KEY_ID", error, StringComparison.Ordinal);
            Assert.Contains("KeyManager:AwsKms:Region", error, StringComparison.Ordinal);
            Assert.DoesNotContain(_kms.SecretAccessKey, result.Output, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(directory, "admin.sock")), "the admin socket was left behind");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private async Task MintAndVerifyAsync(IssuerProcess issuer, string name)
    {
        var bundle = Path.Combine(issuer.Directory, name + "-bundle.pem");
        await File.WriteAllTextAsync(bundle, Record(await issuer.CliAsync("bundle", "show")).ShouldSucceed().StdOut);
        Record(await issuer.CliAsync("svid", "mint", "x509", "--spiffe-id", $"spiffe://example.org/demo/{name}", "--write", name)).ShouldSucceed();
        Record(await OpenSsl.RunAsync(["verify", "-CAfile", bundle, Path.Combine(issuer.Directory, name, "svid.pem")])).ShouldSucceed();
    }

    private ProcessResult Record(ProcessResult result)
    {
        _output.WriteLine(result.ToString());
        return result;
    }
}
