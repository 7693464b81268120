using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Agent.Cache;
using IdentityIssuer.Agent.Sinks;
using IdentityIssuer.Agent.Tests.Support;
using IdentityIssuer.Spiffe.X509;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Agent.Tests.Sinks;

public sealed class FileSinkWriterTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sink-" + Guid.NewGuid().ToString("N"));
    private readonly TestTrustDomain _td = new();

    public void Dispose()
    {
        _td.Dispose();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private IdentitySnapshot Snapshot(long version, params WorkloadX509Svid[] svids) => new()
    {
        Version = version,
        TrustDomain = _td.TrustDomain,
        Svids = svids,
        X509Bundles = new Dictionary<string, byte[]> { [_td.TrustDomain.IdString] = _td.X509BundleDer },
        JwtBundles = new Dictionary<string, byte[]> { [_td.TrustDomain.IdString] = _td.JwksBytes },
    };

    private FileSinkWriter Writer(params FileSinkOptions[] sinks) =>
        new(Options.Create(sinks.ToList()), NullLogger<FileSinkWriter>.Instance);

    [Fact]
    public void Write_PutsChainKeyAndBundleInPlace_KeyOwnerOnly()
    {
        var svid = _td.MintSvid("e1", "/web", ["unix:uid:1"]);
        var writer = Writer(new FileSinkOptions { SpiffeId = "spiffe://example.org/web", Directory = _directory });

        writer.Write(Snapshot(1, svid));

        var chain = DerCertificates.ParsePem(File.ReadAllText(Path.Combine(_directory, "svid.pem")));
        var roots = DerCertificates.ParsePem(File.ReadAllText(Path.Combine(_directory, "bundle.pem")));
        Assert.Equal(DerCertificates.Split(svid.ChainDer).Select(c => c.RawData), chain.Select(c => c.RawData));
        Assert.Equal(_td.RootCa.RawData, Assert.Single(roots).RawData);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_directory, "svid.key")));
        using var withKey = X509Certificate2.CreateFromPemFile(Path.Combine(_directory, "svid.pem"), Path.Combine(_directory, "svid.key"));
        Assert.True(withKey.HasPrivateKey);
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
    }

    [Fact]
    public void Write_SelectsByHintAndIgnoresOtherSvids()
    {
        var other = _td.MintSvid("e1", "/other", ["unix:uid:1"], hint: "internal");
        var wanted = _td.MintSvid("e2", "/wanted", ["unix:uid:1"], hint: "external");
        var writer = Writer(new FileSinkOptions { Hint = "external", Directory = _directory });

        writer.Write(Snapshot(1, other, wanted));

        var leaf = DerCertificates.ParsePem(File.ReadAllText(Path.Combine(_directory, "svid.pem")))[0];
        Assert.Equal(["spiffe://example.org/wanted"], UriSanReader.ReadUris(leaf));
    }

    [Fact]
    public async Task Write_RunsTheCommandOnlyWhenTheSvidChanged()
    {
        var marker = Path.Combine(_directory, "reloads");
        var writer = Writer(new FileSinkOptions { SpiffeId = "spiffe://example.org/web", Directory = _directory, Command = $"echo reload >> {marker}" });
        var first = _td.MintSvid("e1", "/web", ["unix:uid:1"]);

        writer.Write(Snapshot(1, first));
        writer.Write(Snapshot(2, first));
        await WaitForLinesAsync(marker, 1);
        writer.Write(Snapshot(3, _td.MintSvid("e1", "/web", ["unix:uid:1"])));
        await WaitForLinesAsync(marker, 2);

        Assert.Equal(2, File.ReadAllLines(marker).Length);
    }

    [Fact]
    public void Write_WhenNoSvidMatches_WritesNothing()
    {
        var writer = Writer(new FileSinkOptions { SpiffeId = "spiffe://example.org/absent", Directory = _directory });

        writer.Write(Snapshot(1, _td.MintSvid("e1", "/web", ["unix:uid:1"])));

        Assert.False(Directory.Exists(_directory));
    }

    private static async Task WaitForLinesAsync(string path, int lines)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!File.Exists(path) || File.ReadAllLines(path).Length < lines)
        {
            await Task.Delay(50, timeout.Token);
        }
    }
}
