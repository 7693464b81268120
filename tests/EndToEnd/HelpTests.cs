using IdentityIssuer.EndToEnd.Support;
using IdentityIssuer.Tests.Common.Processes;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd;

/// <summary>What a user finds without a running issuer: help for every command, and a clear "not running".</summary>
public sealed class HelpTests
{
    private readonly ITestOutputHelper _output;

    public HelpTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Theory]
    [InlineData("", "run", "migrate", "entry", "token", "bundle", "svid", "healthcheck", "--socket", "--output")]
    [InlineData("run", "--config")]
    [InlineData("migrate", "--config")]
    [InlineData("entry", "create", "update", "delete", "show", "list", "simulate")]
    [InlineData("entry create", "--spiffe-id", "--parent-id", "--selector", "--x509-ttl", "--jwt-ttl", "--dns", "--hint", "--admin", "--downstream", "--expires-at", "--dry-run", "--socket", "--output")]
    [InlineData("entry update", "--id", "--spiffe-id", "--parent-id", "--selector", "--x509-ttl", "--jwt-ttl", "--dns", "--hint", "--admin", "--downstream", "--expires-at")]
    [InlineData("entry delete", "--id", "--dry-run")]
    [InlineData("entry show", "--id")]
    [InlineData("entry list", "--spiffe-id", "--parent-id", "--selector", "--match")]
    [InlineData("token", "generate")]
    [InlineData("token generate", "--ttl")]
    [InlineData("bundle", "show")]
    [InlineData("bundle show", "--format")]
    [InlineData("svid", "mint", "revoke", "list", "show")]
    [InlineData("svid list", "--spiffe-id", "--entry-id", "--agent-id", "--authority-id", "--expiring-within", "--revoked", "--page-size", "--page-token")]
    [InlineData("svid show", "--serial")]
    [InlineData("entry simulate", "--agent-id", "--selector")]
    [InlineData("svid mint", "x509", "jwt")]
    [InlineData("svid mint x509", "--spiffe-id", "--ttl", "--dns", "--key-type", "--write")]
    [InlineData("svid mint jwt", "--spiffe-id", "--audience", "--ttl")]
    [InlineData("healthcheck", "--socket", "--output")]
    public async Task Help_ForEveryCommand_ExitsZeroAndListsItsFlagsAndSubcommands(string command, params string[] mentions)
    {
        var result = await Cli.RunAsync([.. command.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--help"]);
        _output.WriteLine(result.ToString());

        result.ShouldSucceed();
        Assert.Contains("Usage:", result.StdOut, StringComparison.Ordinal);
        Assert.All(mentions, m => Assert.Contains(m, result.StdOut, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Healthcheck_WithNoIssuerListening_ExitsOneNamingTheSocket()
    {
        var directory = FreePort.ShortTempDirectory();
        try
        {
            var socket = Path.Combine(directory, "admin.sock");

            var result = await Cli.RunAsync(["healthcheck", "--socket", socket]);
            _output.WriteLine(result.ToString());

            Assert.Equal(1, result.ExitCode);
            Assert.Contains(socket, result.StdErr, StringComparison.Ordinal);
            Assert.Contains("identity-issuer run", result.StdErr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task AdminCommand_WithSocketFromTheEnvironment_UsesIt()
    {
        var directory = FreePort.ShortTempDirectory();
        try
        {
            var socket = Path.Combine(directory, "from-env.sock");

            var result = await Cli.RunAsync(["entry", "list"], new Dictionary<string, string> { ["IDENTITY_ISSUER_ADMIN_SOCKET"] = socket });
            _output.WriteLine(result.ToString());

            result.ShouldFail();
            Assert.Contains(socket, result.StdErr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
