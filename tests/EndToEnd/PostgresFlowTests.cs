using IdentityIssuer.EndToEnd.Support;
using IdentityIssuer.Tests.Common.Postgres;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd;

/// <summary>The README flow with the production datastore: PostgreSQL instead of the embedded SQLite.</summary>
public sealed class PostgresFlowTests : IssuerTest, IClassFixture<PostgresFixture>, IAsyncLifetime
{
    public PostgresFlowTests(PostgresFixture postgres, ITestOutputHelper output)
        : base(IssuerProcess.Create(new Dictionary<string, string>
        {
            ["Datastore:Provider"] = "postgres",
            ["Datastore:ConnectionString"] = postgres.ConnectionString,
        }), output)
    {
    }

    [Fact]
    public async Task ReadmeFlow_OnPostgres_CreatesAnEntryAndMintsAnSvidOpenSslVerifies()
    {
        const string id = "spiffe://example.org/demo/web";
        var create = (await CliAsync("entry", "create", "--spiffe-id", id, "--parent-id", ServerId, "--selector", "unix:uid:1000")).ShouldSucceed();
        (await CliAsync("svid", "mint", "x509", "--spiffe-id", id, "--write", "out")).ShouldSucceed();

        var outDir = Path.Combine(Issuer.Directory, "out");
        (await OpenSslAsync("verify", "-CAfile", Path.Combine(outDir, "bundle.pem"), Path.Combine(outDir, "svid.pem"))).ShouldSucceed();
        var text = (await OpenSslAsync("x509", "-in", Path.Combine(outDir, "svid.pem"), "-noout", "-text")).ShouldSucceed().StdOut;
        var san = Assert.Single(CertificateText.Extensions(text), e => e.Name == "X509v3 Subject Alternative Name");
        Assert.Equal(["URI:" + id], CertificateText.Items(san).Where(i => i.StartsWith("URI:", StringComparison.Ordinal)));

        using var list = ParseJson((await CliAsync("entry", "list", "--spiffe-id", id, "--output", "json")).ShouldSucceed());
        var stored = Assert.Single(list.RootElement.GetProperty("entries").EnumerateArray());
        Assert.Contains(stored.GetProperty("id").GetString()!, create.StdOut, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Issuer.DataDirectory, "*.db*"));
    }

    [Fact]
    public async Task Restart_OnPostgres_KeepsEntriesAndTheCa()
    {
        var id = await CreateEntryAsync("spiffe://example.org/demo/pg-survivor");
        var bundleBefore = (await CliAsync("bundle", "show", "--format", "pem")).ShouldSucceed().StdOut;

        Assert.Equal(0, await Issuer.StopAsync());
        await Issuer.StartAsync();

        (await CliAsync("entry", "show", "--id", id)).ShouldSucceed();
        Assert.Equal(bundleBefore, (await CliAsync("bundle", "show", "--format", "pem")).ShouldSucceed().StdOut);
    }

    public Task InitializeAsync() => Issuer.StartAsync();

    public Task DisposeAsync() => Issuer.DisposeAsync();
}
