using IdentityIssuer.EndToEnd.Support;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd;

/// <summary>Stopping and starting the issuer: the CA and entries survive, and keys stay private.</summary>
public sealed class RestartTests : IssuerTest, IAsyncLifetime
{
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public RestartTests(ITestOutputHelper output)
        : base(new IssuerProcess(), output)
    {
    }

    [Fact]
    public async Task Restart_WithDiskKeys_KeepsTheSameCaAndEntries()
    {
        var bundleBefore = (await CliAsync("bundle", "show", "--format", "pem")).ShouldSucceed().StdOut;
        var id = await CreateEntryAsync("spiffe://example.org/demo/survivor");

        Assert.Equal(0, await Issuer.StopAsync());
        await Issuer.StartAsync();

        var bundleAfter = (await CliAsync("bundle", "show", "--format", "pem")).ShouldSucceed().StdOut;
        Assert.Equal(bundleBefore, bundleAfter);
        (await CliAsync("entry", "show", "--id", id)).ShouldSucceed();
        await File.WriteAllTextAsync(Path.Combine(Issuer.Directory, "bundle-before.pem"), bundleBefore);
        (await CliAsync("svid", "mint", "x509", "--spiffe-id", "spiffe://example.org/demo/survivor", "--write", "after")).ShouldSucceed();
        (await OpenSslAsync("verify", "-CAfile", Path.Combine(Issuer.Directory, "bundle-before.pem"), Path.Combine(Issuer.Directory, "after", "svid.pem"))).ShouldSucceed();
    }

    [Fact]
    public void DiskKeys_AreOwnerOnlyFilesInOwnerOnlyDirectories_AndTheAdminSocketIs0600()
    {
        var keys = Path.Combine(Issuer.DataDirectory, "keys");
        var files = Directory.GetFiles(keys);

        Assert.Equal(OwnerOnlyDirectory, File.GetUnixFileMode(Issuer.DataDirectory));
        Assert.Equal(OwnerOnlyDirectory, File.GetUnixFileMode(keys));
        Assert.True(files.Count(f => f.EndsWith(".key", StringComparison.Ordinal)) >= 2, "expected the X.509 CA key and the JWT key in " + string.Join(", ", files));
        Assert.All(files, f => Assert.True(File.GetUnixFileMode(f) == OwnerOnlyFile, $"{f} is {File.GetUnixFileMode(f)}"));
        Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(Issuer.SocketPath));
    }

    [Fact]
    public async Task Stop_WithSigterm_ExitsZeroRemovesTheSocketAndHealthcheckThenFailsNamingIt()
    {
        Assert.Equal(0, await Issuer.StopAsync());

        Assert.False(File.Exists(Issuer.SocketPath), "the admin socket outlived a clean stop");
        var health = (await CliAsync("healthcheck")).ShouldFail();
        Assert.Equal(1, health.ExitCode);
        Assert.Contains(Issuer.SocketPath, health.StdErr, StringComparison.Ordinal);
    }

    public Task InitializeAsync() => Issuer.StartAsync();

    public Task DisposeAsync() => Issuer.DisposeAsync();
}

/// <summary>One admin socket, one issuer: a crash's leftover socket is reclaimed, a live one is not stolen.</summary>
public sealed class AdminSocketTests : IssuerTest, IAsyncLifetime
{
    public AdminSocketTests(ITestOutputHelper output)
        : base(new IssuerProcess(), output)
    {
    }

    [Fact]
    public async Task Start_AfterKill9LeftAStaleSocket_ReclaimsItAndServesTheSameCa()
    {
        var bundleBefore = (await CliAsync("bundle", "show", "--format", "pem")).ShouldSucceed().StdOut;

        await Issuer.KillAsync();
        Assert.True(File.Exists(Issuer.SocketPath), "kill -9 should leave the socket file behind");
        (await CliAsync("healthcheck")).ShouldFail();
        await Issuer.StartAsync();

        (await CliAsync("healthcheck")).ShouldSucceed();
        Assert.Equal(bundleBefore, (await CliAsync("bundle", "show", "--format", "pem")).ShouldSucceed().StdOut);
    }

    [Fact]
    public async Task Start_WhileAnotherIssuerListensOnTheSocket_RefusesNamingTheSocketAndLeavesTheFirstRunning()
    {
        await using var second = IssuerProcess.Create(new Dictionary<string, string>(), socketPath: Issuer.SocketPath);
        await second.WriteConfigAsync();

        var result = Record(await Cli.RunAsync(["run", "--config", second.ConfigFile], workingDirectory: second.Directory, timeout: TimeSpan.FromSeconds(45))).ShouldFail();

        Assert.Contains("another process is listening on the admin socket", result.StdErr, StringComparison.Ordinal);
        Assert.Contains(Issuer.SocketPath, result.StdErr, StringComparison.Ordinal);
        (await CliAsync("healthcheck")).ShouldSucceed();
    }

    public Task InitializeAsync() => Issuer.StartAsync();

    public Task DisposeAsync() => Issuer.DisposeAsync();
}
