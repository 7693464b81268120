using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using IdentityIssuer.EndToEnd.Support;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd.Agent;

/// <summary>
/// Short-lived SVIDs are replaced before they expire: on a watching Workload API stream, and in the
/// files a file sink writes (whose command then runs again).
/// </summary>
public sealed class RotationTests : AgentTest, IClassFixture<IssuerProcess>
{
    /// <summary>The shortest X.509 TTL an entry may have is 10 s; 20 s rotates at about 5 s after issue.</summary>
    private const string ShortTtl = "20s";

    /// <summary>Long enough for two rotations of a 20 s SVID.</summary>
    private static readonly TimeSpan RotationTimeout = TimeSpan.FromSeconds(45);

    public RotationTests(IssuerProcess issuer, ITestOutputHelper output)
        : base(issuer, output)
    {
    }

    [Fact]
    public async Task WatchingStream_WithShortTtl_DeliversANewSerialBeforeTheFirstSvidExpires()
    {
        var (agent, agentId) = await StartAgentAsync(overrides: ["--Agent:SyncInterval=00:00:01"]);
        var spiffeId = WorkloadIdPrefix + "short-lived";
        await CreateWorkloadEntryAsync(spiffeId, agentId, OwnUidSelector, "--x509-ttl", ShortTtl);
        await WaitForSvidsAsync(agent, [spiffeId]);

        var stream = StartNode(agent, "FetchX509SVID");
        var first = Assert.Single(NodeLines.X509Svids((await stream.NextAsync()).GetProperty("body")));
        Output.WriteLine($"first: serial {first.Serial}, expires {first.NotAfter:O}");

        var line = await stream.NextAsync(RotationTimeout);
        var receivedAt = DateTimeOffset.UtcNow;
        Assert.True(NodeLines.IsMessage(line), $"the stream ended instead of rotating: {line}");
        var second = Assert.Single(NodeLines.X509Svids(line.GetProperty("body")));
        Output.WriteLine($"second: serial {second.Serial}, expires {second.NotAfter:O}, received {receivedAt:O}");

        Assert.Equal(spiffeId, second.SpiffeId);
        Assert.NotEqual(first.Serial, second.Serial);
        Assert.True(receivedAt < first.NotAfter, $"the new SVID arrived at {receivedAt:O}, after the first expired at {first.NotAfter:O}");
        Assert.True(second.NotAfter > first.NotAfter);
        Assert.NotEqual(Convert.ToBase64String(first.KeyPkcs8), Convert.ToBase64String(second.KeyPkcs8));
        var files = await WriteSvidFilesAsync(second, Path.Combine(agent.Directory, "rotated"));
        await AssertSvidFilesAsync(Path.Combine(files, "svid.pem"), Path.Combine(files, "svid.key"), spiffeId, agent.BundleFile);
    }

    [Fact]
    public async Task FileSink_WritesVerifiableFiles_RunsItsCommand_AndRewritesThemWithANewSerial()
    {
        var (token, agentId) = await GenerateTokenAsync();
        var spiffeId = WorkloadIdPrefix + "sink";
        var sinkDirectory = Path.Combine(Tests.Common.Processes.FreePort.ShortTempDirectory(), "certs");
        var reloaded = Path.Combine(sinkDirectory, "reloaded");
        var sinks = new JsonArray(new JsonObject
        {
            ["SpiffeId"] = spiffeId,
            ["Directory"] = sinkDirectory,
            ["Command"] = $"touch {reloaded}",
        });
        try
        {
            await CreateWorkloadEntryAsync(spiffeId, agentId, OwnUidSelector, "--x509-ttl", ShortTtl);
            var agent = await CreateAgentAsync(token, sinks: sinks);
            await agent.StartAsync();

            var cert = Path.Combine(sinkDirectory, "svid.pem");
            var key = Path.Combine(sinkDirectory, "svid.key");
            await WaitUntilAsync(() => File.Exists(reloaded), $"the sink command never created {reloaded}");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
            var first = await SnapshotSinkAsync(sinkDirectory, Path.Combine(agent.Directory, "sink-first"));
            await AssertSvidFilesAsync(Path.Combine(first, "svid.pem"), Path.Combine(first, "svid.key"), spiffeId, Path.Combine(first, "bundle.pem"), agent.BundleFile);
            var firstSerial = Serial(Path.Combine(first, "svid.pem"));
            Output.WriteLine($"first serial in {cert}: {firstSerial}");

            await WaitUntilAsync(() => Serial(cert) is { Length: > 0 } now && now != firstSerial, $"{cert} was not rewritten with a new serial within {RotationTimeout}", RotationTimeout);
            // The command runs after the files are written, so its touch is at least as new as the rewritten certificate.
            var rewrittenAt = File.GetLastWriteTimeUtc(cert);
            await WaitUntilAsync(() => File.Exists(reloaded) && File.GetLastWriteTimeUtc(reloaded) >= rewrittenAt, "the sink command did not run again after the rotation");

            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
            var second = await SnapshotSinkAsync(sinkDirectory, Path.Combine(agent.Directory, "sink-second"));
            Assert.NotEqual(firstSerial, Serial(Path.Combine(second, "svid.pem")));
            await AssertSvidFilesAsync(Path.Combine(second, "svid.pem"), Path.Combine(second, "svid.key"), spiffeId, Path.Combine(second, "bundle.pem"), agent.BundleFile);
            Assert.Contains($"Wrote SVID {spiffeId} to {sinkDirectory}", agent.Log, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(sinkDirectory)!, recursive: true);
        }
    }

    /// <summary>
    /// Copies the sink's three files once they form one SVID: the agent rewrites them one by one every
    /// few seconds here, so a reader may catch the key of one rotation with the certificate of the last.
    /// </summary>
    private static async Task<string> SnapshotSinkAsync(string sinkDirectory, string snapshot)
    {
        var deadline = DateTime.UtcNow + PropagationTimeout;
        while (true)
        {
            var cert = await File.ReadAllTextAsync(Path.Combine(sinkDirectory, "svid.pem"));
            var key = await File.ReadAllTextAsync(Path.Combine(sinkDirectory, "svid.key"));
            var bundle = await File.ReadAllTextAsync(Path.Combine(sinkDirectory, "bundle.pem"));
            try
            {
                using var pair = X509Certificate2.CreateFromPem(cert, key);
                Directory.CreateDirectory(snapshot);
                await File.WriteAllTextAsync(Path.Combine(snapshot, "svid.pem"), cert);
                await File.WriteAllTextAsync(Path.Combine(snapshot, "svid.key"), key);
                await File.WriteAllTextAsync(Path.Combine(snapshot, "bundle.pem"), bundle);
                return snapshot;
            }
            catch (System.Security.Cryptography.CryptographicException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    private static string Serial(string pemFile)
    {
        try
        {
            var chain = new X509Certificate2Collection();
            chain.ImportFromPemFile(pemFile);
            var serial = chain[0].SerialNumber.ToLowerInvariant();
            foreach (var cert in chain)
            {
                cert.Dispose();
            }

            return serial;
        }
        catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException or ArgumentOutOfRangeException)
        {
            return string.Empty;
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string failure, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? PropagationTimeout);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(failure);
            }

            await Task.Delay(200);
        }
    }
}
