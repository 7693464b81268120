using System.Text.Json;
using IdentityIssuer.EndToEnd.Support;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd;

/// <summary>Manual A/B rotation through the CLI, with a kill -9 between prepare and activate.</summary>
public sealed class CaRotationTests : IssuerTest, IAsyncLifetime
{
    public CaRotationTests(ITestOutputHelper output)
        : base(new IssuerProcess(), output)
    {
    }

    private async Task<List<(string Id, string Slot, string Status)>> ShowAsync(string kind)
    {
        using var json = ParseJson((await CliAsync("authority", kind, "show", "--output", "json")).ShouldSucceed());
        return [.. json.RootElement.GetProperty("authorities").EnumerateArray()
            .Select(a => (a.GetProperty("id").GetString()!, a.GetProperty("slot").GetString()!, a.GetProperty("status").GetString()!))];
    }

    private async Task<(long Sequence, int X509, int Jwt)> BundleAsync()
    {
        using var json = JsonDocument.Parse((await CliAsync("bundle", "show", "--format", "spiffe")).ShouldSucceed().StdOut);
        var keys = json.RootElement.GetProperty("keys").EnumerateArray().ToList();
        return (
            json.RootElement.GetProperty("spiffe_sequence").GetInt64(),
            keys.Count(k => k.GetProperty("use").GetString() == "x509-svid"),
            keys.Count(k => k.GetProperty("use").GetString() == "jwt-svid"));
    }

    [Fact]
    public async Task Kill9_BetweenPrepareAndActivate_RestartResumesBothAndActivationThenSwitchesTheCa()
    {
        var active = Assert.Single(await ShowAsync("x509"));
        Assert.Equal(("A", "active"), (active.Slot, active.Status));
        var before = await BundleAsync();

        using var preparedJson = ParseJson((await CliAsync("authority", "x509", "prepare", "--output", "json")).ShouldSucceed());
        var preparedId = preparedJson.RootElement.GetProperty("id").GetString()!;
        Assert.Equal("prepared", preparedJson.RootElement.GetProperty("status").GetString());
        var afterPrepare = await BundleAsync();
        Assert.True(afterPrepare.Sequence > before.Sequence);
        Assert.Equal((before.X509 + 1, before.Jwt), (afterPrepare.X509, afterPrepare.Jwt));

        await Issuer.KillAsync();
        await Issuer.StartAsync();

        Assert.Equal([(active.Id, "A", "active"), (preparedId, "B", "prepared")], await ShowAsync("x509"));
        Assert.Equal(afterPrepare, await BundleAsync());

        var error = (await CliAsync("authority", "jwt", "activate")).ShouldFail();
        Assert.Equal(1, error.ExitCode);
        Assert.Contains("no jwt authority is prepared", error.StdErr, StringComparison.Ordinal);

        (await CliAsync("authority", "x509", "activate")).ShouldSucceed();
        Assert.Equal([(active.Id, "A", "old"), (preparedId, "B", "active")], await ShowAsync("x509"));
        Assert.Equal(afterPrepare, await BundleAsync());

        await File.WriteAllTextAsync(Path.Combine(Issuer.Directory, "bundle.pem"), (await CliAsync("bundle", "show")).ShouldSucceed().StdOut);
        (await CliAsync("svid", "mint", "x509", "--spiffe-id", "spiffe://example.org/demo/rotated", "--write", "rotated")).ShouldSucceed();
        (await OpenSslAsync("verify", "-CAfile", Path.Combine(Issuer.Directory, "bundle.pem"), Path.Combine(Issuer.Directory, "rotated", "svid.pem"))).ShouldSucceed();
    }

    [Theory]
    [InlineData("authority", "x509", "jwt")]
    [InlineData("authority x509", "show", "prepare", "activate")]
    [InlineData("authority jwt", "show", "prepare", "activate")]
    [InlineData("authority x509 show", "--output", "--socket")]
    public async Task Help_ForAuthorityCommands_ListsSubcommandsAndFlags(string command, params string[] mentions)
    {
        var result = (await CliAsync([.. command.Split(' '), "--help"])).ShouldSucceed();

        Assert.All(mentions, m => Assert.Contains(m, result.StdOut, StringComparison.Ordinal));
    }

    public Task InitializeAsync() => Issuer.StartAsync();

    public Task DisposeAsync() => Issuer.DisposeAsync();
}
