using IdentityIssuer.EndToEnd.Support;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd;

/// <summary>
/// An issuer whose X.509 CA is an intermediate under a root whose key is in its own key manager
/// (<c>Ca:Upstream:KeyManager</c>, disk in its own directory), created offline by <c>upstream init</c>.
/// The issuer's own CA keys are in <c>memory</c> or <c>disk</c>.
/// </summary>
public abstract class UpstreamRootTests : IssuerTest, IAsyncLifetime
{
    private readonly string _caKeyManager;

    protected UpstreamRootTests(string caKeyManager, ITestOutputHelper output)
        : base(IssuerProcess.Create(new Dictionary<string, string> { ["KeyManager:Type"] = caKeyManager, ["Ca:Upstream:KeyManager:Type"] = "disk" }), output)
    {
        _caKeyManager = caKeyManager;
    }

    private string UpstreamKeys => Path.Combine(Issuer.DataDirectory, "upstream-keys");

    [Fact]
    public async Task UpstreamInit_ThenRun_ChainsSvidsToTheRoot_RotatesUnderTheSameRoot_AndKeepsItAcrossRestarts()
    {
        await Issuer.WriteConfigAsync();

        // Without a root the issuer refuses to start and says what to run.
        var refused = Record(await Cli.RunAsync(["run", "--config", Issuer.ConfigFile], workingDirectory: Issuer.Directory, timeout: TimeSpan.FromSeconds(60))).ShouldFail();
        Assert.Contains("Ca:Upstream:KeyManager is set but the datastore holds no upstream root", refused.StdErr, StringComparison.Ordinal);
        Assert.Contains("identity-issuer upstream init", refused.StdErr, StringComparison.Ordinal);

        using var init = ParseJson((await UpstreamAsync("init", "--output", "json")).ShouldSucceed());
        var rootId = init.RootElement.GetProperty("id").GetString()!;
        var rootPem = init.RootElement.GetProperty("certificatePem").GetString()!;
        Assert.Equal("upstream-root", init.RootElement.GetProperty("keyId").GetString());
        Assert.NotEmpty(Directory.EnumerateFiles(UpstreamKeys, "upstream-root*"));
        var again = (await UpstreamAsync("init")).ShouldFail();
        Assert.Contains("an upstream root already exists", again.StdErr, StringComparison.Ordinal);
        Assert.Contains("--force", again.StdErr, StringComparison.Ordinal);
        var rootFile = Path.Combine(Issuer.Directory, "root.pem");
        await File.WriteAllTextAsync(rootFile, rootPem);
        (await OpenSslAsync("x509", "-in", rootFile, "-noout", "-text")).ShouldSucceed().StdOut.ShouldContainAll("CA:TRUE", "Certificate Sign, CRL Sign", "Subject Key Identifier");

        await Issuer.StartAsync();

        // The bundle's only X.509 authority is the root; the intermediate is not an anchor.
        Assert.Equal([Normalize(rootPem)], SplitPem((await CliAsync("bundle", "show")).ShouldSucceed().StdOut));
        var firstCa = await ActiveCaAsync();
        await AssertMintedChainsToRootAsync(rootFile, "first");

        // A rotation signs a new intermediate with the same root.
        (await CliAsync("authority", "x509", "prepare")).ShouldSucceed();
        (await CliAsync("authority", "x509", "activate")).ShouldSucceed();
        var secondCa = await ActiveCaAsync();
        Assert.NotEqual(firstCa, secondCa);
        Assert.Equal([Normalize(rootPem)], SplitPem((await CliAsync("bundle", "show")).ShouldSucceed().StdOut));
        await AssertMintedChainsToRootAsync(rootFile, "rotated");

        // keys list names every key and its user, the upstream root's too.
        using var keys = ParseJson((await CliAsync("keys", "list", "--output", "json")).ShouldSucceed());
        var list = keys.RootElement.GetProperty("keys").EnumerateArray()
            .Select(k => (Id: k.GetProperty("keyId").GetString()!, UsedBy: k.GetProperty("usedBy").GetString()!, Section: k.GetProperty("section").GetString()!, Authority: k.GetProperty("authorityId").GetString(), Status: k.GetProperty("status").GetString()))
            .ToList();
        Assert.Contains(list, k => k.Id == "upstream-root" && k.UsedBy == "upstream-root" && k.Section == "Ca:Upstream:KeyManager" && k.Authority == rootId && k.Status == "current");
        Assert.Contains(list, k => k.UsedBy == "x509" && k.Authority == firstCa && k.Status == "old");
        Assert.Contains(list, k => k.UsedBy == "x509" && k.Authority == secondCa && k.Status == "active");
        Assert.Contains(list, k => k.UsedBy == "jwt" && k.Status == "active");
        Assert.All(list, k => Assert.NotEqual("unused", k.UsedBy));
        var text = (await CliAsync("keys", "list")).ShouldSucceed().StdOut;
        Assert.Contains("upstream-root", text, StringComparison.Ordinal);

        // A restart keeps the root (and a disk-held intermediate; a memory-held one is replaced under the same root).
        await Issuer.StopAsync();
        await Issuer.StartAsync();
        if (_caKeyManager == "disk")
        {
            Assert.Equal(secondCa, await ActiveCaAsync());
        }

        Assert.Equal([Normalize(rootPem)], SplitPem((await CliAsync("bundle", "show")).ShouldSucceed().StdOut));
        await AssertMintedChainsToRootAsync(rootFile, "restarted");
        var show = (await UpstreamAsync("show")).ShouldSucceed().StdOut;
        Assert.Contains("Current upstream root " + rootId, show, StringComparison.Ordinal);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => Issuer.DisposeAsync();

    private Task<ProcessResult> UpstreamAsync(params string[] args) =>
        CliAsync(["upstream", .. args, "--config", Issuer.ConfigFile]);

    private async Task<string> ActiveCaAsync()
    {
        using var json = ParseJson((await CliAsync("authority", "x509", "show", "--output", "json")).ShouldSucceed());
        return json.RootElement.GetProperty("authorities").EnumerateArray()
            .Single(a => a.GetProperty("status").GetString() == "active").GetProperty("id").GetString()!;
    }

    private async Task AssertMintedChainsToRootAsync(string rootFile, string name)
    {
        var directory = Path.Combine(Issuer.Directory, name);
        (await CliAsync("svid", "mint", "x509", "--spiffe-id", "spiffe://example.org/demo/" + name, "--write", directory)).ShouldSucceed();
        var chain = SplitPem(await File.ReadAllTextAsync(Path.Combine(directory, "svid.pem")));
        Assert.Equal(2, chain.Count);
        var leaf = Path.Combine(directory, "leaf.pem");
        var intermediate = Path.Combine(directory, "intermediate.pem");
        await File.WriteAllTextAsync(leaf, chain[0]);
        await File.WriteAllTextAsync(intermediate, chain[1]);

        (await OpenSslAsync("verify", "-CAfile", rootFile, "-untrusted", intermediate, leaf)).ShouldSucceed();
        // Without the intermediate the leaf does not verify: it is signed by the intermediate, not the root.
        (await OpenSslAsync("verify", "-CAfile", rootFile, leaf)).ShouldFail();
    }

    private static List<string> SplitPem(string pem) =>
        [.. pem.Split("-----END CERTIFICATE-----", StringSplitOptions.RemoveEmptyEntries)
            .Where(p => p.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            .Select(p => Normalize(p[p.IndexOf("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)..] + "-----END CERTIFICATE-----"))];

    private static string Normalize(string pem) => pem.Trim().ReplaceLineEndings("\n") + "\n";
}

/// <summary>The issuer's CA keys on disk: the intermediate survives a restart. Also the help of the new commands.</summary>
public sealed class UpstreamRootDiskTests : UpstreamRootTests
{
    public UpstreamRootDiskTests(ITestOutputHelper output)
        : base("disk", output)
    {
    }

    [Theory]
    [InlineData("upstream", "init", "show", "--config")]
    [InlineData("upstream init", "--config", "--force")]
    [InlineData("upstream show", "--config", "--output")]
    [InlineData("keys", "list")]
    [InlineData("keys list", "--output", "--socket")]
    public async Task Help_ForUpstreamAndKeysCommands_ListsSubcommandsAndFlags(string command, params string[] mentions)
    {
        var result = Record(await Cli.RunAsync([.. command.Split(' '), "--help"])).ShouldSucceed();

        Assert.All(mentions, m => Assert.Contains(m, result.StdOut, StringComparison.Ordinal));
    }
}

/// <summary>The issuer's CA keys in memory: every start signs a new intermediate under the same root.</summary>
public sealed class UpstreamRootMemoryTests : UpstreamRootTests
{
    public UpstreamRootMemoryTests(ITestOutputHelper output)
        : base("memory", output)
    {
    }
}

internal static class TextAssertions
{
    public static void ShouldContainAll(this string text, params string[] parts) =>
        Assert.All(parts, p => Assert.Contains(p, text, StringComparison.Ordinal));
}
