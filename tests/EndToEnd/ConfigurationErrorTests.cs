using System.Net;
using System.Net.Sockets;
using IdentityIssuer.EndToEnd.Support;
using IdentityIssuer.Tests.Common.Processes;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd;

/// <summary>
/// <c>identity-issuer run</c> with a configuration it cannot use: it exits non-zero (rather than
/// serving), says which file or key is wrong, and leaves no database, keys or socket behind.
/// </summary>
public sealed class ConfigurationErrorTests : IDisposable
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(45);

    private readonly ITestOutputHelper _output;
    private readonly string _directory = FreePort.ShortTempDirectory();

    public ConfigurationErrorTests(ITestOutputHelper output)
    {
        _output = output;
    }

    private string DataDirectory => Path.Combine(_directory, "data");

    private string SocketPath => Path.Combine(_directory, "admin.sock");

    private string ConfigFile => Path.Combine(_directory, "issuer.json");

    [Fact]
    public async Task Run_WithMalformedJson_FailsNamingTheFileAndCreatesNothing()
    {
        await File.WriteAllTextAsync(ConfigFile, """{ "Issuer": { "DataDirectory": "data" ,""");

        var result = (await RunAsync()).ShouldFail();

        Assert.Contains(ConfigFile, result.StdErr, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", result.StdErr, StringComparison.Ordinal);
        AssertNothingCreated();
    }

    [Fact]
    public async Task Run_WithMissingConfigFile_FailsNamingTheFile()
    {
        var missing = Path.Combine(_directory, "no-such-issuer.json");

        var result = Record(await Cli.RunAsync(["run", "--config", missing], workingDirectory: _directory, timeout: RunTimeout)).ShouldFail();

        Assert.Contains(missing, result.StdErr, StringComparison.Ordinal);
        AssertNothingCreated();
    }

    [Theory]
    [InlineData("Issuer:TrustDomian", "example.org")]
    [InlineData("Ca:KeyTyp", "ec-p384")]
    [InlineData("Cq:KeyType", "ec-p384")]
    [InlineData("Datastore:ConectionString", "Data Source=x.db")]
    public async Task Run_WithAMisspeltKey_FailsNamingTheKeyAndCreatesNothing(string key, string value)
    {
        await WriteConfigAsync(new Dictionary<string, string> { [key] = value });

        var result = (await RunAsync()).ShouldFail();

        Assert.Contains(key.Split(':')[0] == "Cq" ? "Cq" : key, result.StdErr, StringComparison.Ordinal);
        AssertNothingCreated();
    }

    [Theory]
    [InlineData("Ca:KeyType", "dsa")]
    [InlineData("Ca:JwtKeyType", "hs256")]
    [InlineData("Issuer:TrustDomain", "Example.ORG")]
    [InlineData("Datastore:Provider", "mysql")]
    [InlineData("KeyManager:Type", "hsm")]
    [InlineData("BundleEndpoint:Profile", "https_magic")]
    [InlineData("AdminApi:SocketMode", "0999")]
    public async Task Run_WithAnInvalidValueInTheFile_FailsNamingTheKeyAndCreatesNothing(string key, string value)
    {
        await WriteConfigAsync(new Dictionary<string, string> { [key] = value });

        var result = (await RunAsync()).ShouldFail();

        Assert.Contains(key, result.StdErr, StringComparison.Ordinal);
        AssertNothingCreated();
    }

    [Fact]
    public async Task Run_WithSeveralInvalidValues_NamesEveryKeyInOneMessage()
    {
        await WriteConfigAsync(new Dictionary<string, string> { ["Ca:KeyType"] = "dsa", ["Issuer:TrustDomain"] = "Example.ORG", ["BundleEndpoint:Profile"] = "https_magic" });

        var result = (await RunAsync()).ShouldFail();

        Assert.Contains("Ca:KeyType", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("Issuer:TrustDomain", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("BundleEndpoint:Profile", result.StdErr, StringComparison.Ordinal);
        AssertNothingCreated();
    }

    [Fact]
    public async Task Run_WithAnInvalidCommandLineOverride_FailsNamingTheKey()
    {
        await WriteConfigAsync([]);

        var result = (await RunAsync(extraArgs: ["--Ca:KeyType=dsa"])).ShouldFail();

        Assert.Contains("Ca:KeyType", result.StdErr, StringComparison.Ordinal);
        AssertNothingCreated();
    }

    [Fact]
    public async Task Run_WithAnInvalidEnvironmentVariable_FailsNamingTheKey()
    {
        await WriteConfigAsync([]);

        var result = (await RunAsync(env: new Dictionary<string, string> { ["IDENTITY_ISSUER_Ca__KeyType"] = "dsa" })).ShouldFail();

        Assert.Contains("Ca:KeyType", result.StdErr, StringComparison.Ordinal);
        AssertNothingCreated();
    }

    [Fact]
    public async Task Run_WhenTheBundlePortIsTaken_FailsNamingTheAddressAndLeavesNoSocket()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        await WriteConfigAsync(new Dictionary<string, string> { ["BundleEndpoint:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) });

        var result = (await RunAsync()).ShouldFail();

        Assert.Contains($"127.0.0.1:{port}", result.StdErr, StringComparison.Ordinal);
        Assert.False(File.Exists(SocketPath), "the admin socket was left behind");
    }

    [Fact]
    public async Task Run_WhenPostgresIsUnreachable_FailsSayingWhy()
    {
        using var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        await WriteConfigAsync(new Dictionary<string, string>
        {
            ["Datastore:Provider"] = "postgres",
            ["Datastore:ConnectionString"] = $"Host=127.0.0.1;Port={port};Username=issuer;Database=issuer;Timeout=5",
        });

        var result = (await RunAsync()).ShouldFail();

        var error = Assert.Single(result.StdErr.Split('\n'), l => l.StartsWith("Error: ", StringComparison.Ordinal));
        Assert.Contains($"127.0.0.1:{port}", error, StringComparison.Ordinal);
        Assert.False(File.Exists(SocketPath), "the admin socket was left behind");
    }

    [Fact]
    public async Task Migrate_WithAValidConfig_CreatesTheSchemaAndNoKeys()
    {
        await WriteConfigAsync([]);

        var result = Record(await Cli.RunAsync(["migrate", "--config", ConfigFile], workingDirectory: _directory, timeout: RunTimeout)).ShouldSucceed();

        Assert.Contains("up to date", result.StdOut, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(DataDirectory, "issuer.db")), "migrate did not create the SQLite database");
        Assert.False(Directory.Exists(Path.Combine(DataDirectory, "keys")), "migrate created CA keys");
    }

    [Fact]
    public async Task Migrate_WithAnInvalidValue_FailsNamingTheKeyAndCreatesNothing()
    {
        await WriteConfigAsync(new Dictionary<string, string> { ["Datastore:Provider"] = "mysql" });

        var result = Record(await Cli.RunAsync(["migrate", "--config", ConfigFile], workingDirectory: _directory, timeout: RunTimeout)).ShouldFail();

        Assert.Contains("Datastore:Provider", result.StdErr, StringComparison.Ordinal);
        AssertNothingCreated();
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>A configuration like an operator's: data directory, socket and free ports, plus <paramref name="settings"/>.</summary>
    private Task WriteConfigAsync(Dictionary<string, string> settings)
    {
        var all = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Issuer:DataDirectory"] = DataDirectory,
            ["AdminApi:SocketPath"] = SocketPath,
            ["BundleEndpoint:Port"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Ops:Port"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return File.WriteAllTextAsync(ConfigFile, IssuerProcess.ConfigurationJson(all));
    }

    /// <summary>Runs the issuer with the configuration; a start that wrongly succeeds is killed at the timeout and fails the test.</summary>
    private async Task<ProcessResult> RunAsync(string[]? extraArgs = null, Dictionary<string, string>? env = null) =>
        Record(await Cli.RunAsync(["run", "--config", ConfigFile, .. extraArgs ?? []], env, _directory, RunTimeout));

    /// <summary>Nothing but (at most) an empty data directory: no database, no key files, no socket.</summary>
    private void AssertNothingCreated()
    {
        var created = Directory.Exists(DataDirectory) ? Directory.GetFileSystemEntries(DataDirectory, "*", SearchOption.AllDirectories) : [];
        Assert.True(created.Length == 0, "left behind: " + string.Join(", ", created));
        Assert.False(File.Exists(SocketPath), "the admin socket was left behind");
    }

    private ProcessResult Record(ProcessResult result)
    {
        _output.WriteLine(result.ToString());
        return result;
    }
}
