using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using IdentityIssuer.EndToEnd.Support;
using IdentityIssuer.Tests.Common.Processes;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd.Agent;

/// <summary>
/// The file sink as documented for nginx: a real nginx serves TLS with the SVID the agent writes, a
/// client that trusts only the SPIFFE bundle accepts it, and when the agent rotates the SVID nginx is
/// told to reload (by the sink's pid file and signal, or by its command) and serves the new one
/// without a restart.
/// </summary>
public sealed class NginxSinkTests : AgentTest, IClassFixture<IssuerProcess>
{
    /// <summary>The shortest X.509 TTL an entry may have is 10 s; 20 s rotates a few seconds after issue.</summary>
    private const string ShortTtl = "20s";

    private const UnixFileMode KeyMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Long enough for two rotations of a 20 s SVID.</summary>
    private static readonly TimeSpan RotationTimeout = TimeSpan.FromSeconds(45);

    private readonly string _root = FreePort.ShortTempDirectory();
    private NginxProcess? _nginx;

    public NginxSinkTests(IssuerProcess issuer, ITestOutputHelper output)
        : base(issuer, output)
    {
    }

    /// <summary>How the sink tells nginx that new files are there.</summary>
    public enum Reload
    {
        /// <summary><c>PidFile</c> = nginx's pid file, <c>Signal</c> = <c>HUP</c>.</summary>
        PidFileSignal,

        /// <summary><c>Command</c> = <c>nginx -s reload -c nginx.conf</c>.</summary>
        Command,
    }

    [Theory]
    [InlineData(Reload.PidFileSignal)]
    [InlineData(Reload.Command)]
    public async Task Nginx_ServesTheSinkSvid_ThatValidatesAgainstTheBundle_AndReloadsTheRotatedOneWithoutRestarting(Reload reload)
    {
        var (token, agentId) = await GenerateTokenAsync();
        var spiffeId = WorkloadIdPrefix + "nginx-" + reload.ToString().ToLowerInvariant();
        var certs = Path.Combine(_root, "certs");
        var certFile = Path.Combine(certs, "svid.pem");
        var keyFile = Path.Combine(certs, "svid.key");
        _nginx = new NginxProcess(Path.Combine(_root, "nginx"), certFile, keyFile);
        Output.WriteLine($"--- {_nginx.ConfigFile} ---\n{await File.ReadAllTextAsync(_nginx.ConfigFile)}");

        var sink = new JsonObject { ["SpiffeId"] = spiffeId, ["Directory"] = certs };
        if (reload == Reload.PidFileSignal)
        {
            sink["PidFile"] = _nginx.PidFile;
            sink["Signal"] = "HUP";
        }
        else
        {
            sink["Command"] = _nginx.ReloadCommand;
        }

        // The sink writes whatever SVID the agent holds for the ID: the entry only has to be the agent's
        // (parent = agent ID); its selector is never matched against a caller here.
        await CreateWorkloadEntryAsync(spiffeId, agentId, OwnUidSelector, "--x509-ttl", ShortTtl);
        var agent = await CreateAgentAsync(token, overrides: ["--Agent:SyncInterval=00:00:01"], sinks: new JsonArray(sink));
        await agent.StartAsync();

        // nginx refuses to start without its certificate; the agent logs this after all three files are in place.
        await agent.WaitForLogAsync($"Wrote SVID {spiffeId} to {certs}", timeout: PropagationTimeout);
        Assert.Equal(KeyMode, File.GetUnixFileMode(keyFile));
        await _nginx.StartAsync();
        var masterPid = _nginx.MasterPid!.Value;
        Assert.Equal(masterPid, _nginx.PidFromFile());

        // The workers serve TLS but could not read the key themselves: only the root master loads it.
        var workerRead = Record(await ChildProcess.RunAsync("runuser", ["-u", _nginx.WorkerUser.Name, "--", "cat", keyFile]));
        Assert.NotEqual(0, workerRead.ExitCode);

        // agent.BundleFile is what `identity-issuer bundle show` printed: the workload trusts nothing else.
        var first = await FetchAsync(agent.BundleFile);
        Output.WriteLine($"nginx serves serial {first.Serial}, expires {first.NotAfter:O}");
        await AssertSvidAsync(first, spiffeId, agent.BundleFile, "first");

        var deadline = DateTime.UtcNow + RotationTimeout;
        var second = first;
        while (second.Serial == first.Serial)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"nginx still served serial {first.Serial} {RotationTimeout} after it started; the sink files hold {Serial(certFile)}");
            }

            Assert.False(_nginx.HasExited, "nginx exited while waiting for the rotation");
            await Task.Delay(500);
            second = await FetchAsync(agent.BundleFile);
        }

        Output.WriteLine($"nginx serves serial {second.Serial}, expires {second.NotAfter:O}");
        await AssertSvidAsync(second, spiffeId, agent.BundleFile, "second");
        Assert.True(second.NotAfter > first.NotAfter, $"the new certificate expires {second.NotAfter:O}, not after the first ({first.NotAfter:O})");

        // The same master reloaded its configuration: nginx was told, not restarted.
        Assert.Equal(masterPid, _nginx.MasterPid);
        Assert.Equal(masterPid, _nginx.PidFromFile());
        Assert.Contains("(SIGHUP) received", _nginx.Log, StringComparison.Ordinal);
        if (reload == Reload.Command)
        {
            // The HUP came from `nginx -s reload`, which logs its start into the same error log.
            Assert.Contains("signal process started", _nginx.Log, StringComparison.Ordinal);
        }

        Assert.Equal(KeyMode, File.GetUnixFileMode(keyFile));
    }

    /// <summary>Stops nginx, records its log and removes its and the sink's files, then stops the agent.</summary>
    public override async Task DisposeAsync()
    {
        try
        {
            if (_nginx is not null)
            {
                try
                {
                    await _nginx.DisposeAsync();
                }
                finally
                {
                    Output.WriteLine($"--- nginx log ({_nginx.ErrorLogFile}) ---");
                    Output.WriteLine(_nginx.Log);
                }
            }
        }
        finally
        {
            try
            {
                await base.DisposeAsync();
            }
            finally
            {
                Directory.Delete(_root, recursive: true);
            }
        }
    }

    /// <summary>
    /// GET https://127.0.0.1:PORT/ on a new connection, as a workload that trusts only the SPIFFE bundle:
    /// the handshake fails unless the presented chain builds to a bundle certificate. Returns the leaf
    /// and the certificates nginx sent.
    /// </summary>
    private async Task<Served> FetchAsync(string bundleFile)
    {
        var bundle = new X509Certificate2Collection();
        bundle.ImportFromPemFile(bundleFile);
        byte[]? leaf = null;
        var rejection = string.Empty;
        List<byte[]> sent = [];
        using var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.Zero,
            SslOptions = new SslClientAuthenticationOptions
            {
                // The SVID names no host; a SPIFFE workload checks the chain to its bundle (and the ID, below).
                RemoteCertificateValidationCallback = (_, certificate, presented, _) =>
                {
                    if (certificate is null)
                    {
                        return false;
                    }

                    leaf = certificate.GetRawCertData();
                    sent = presented is null ? [] : [.. presented.ChainPolicy.ExtraStore.Select(c => c.RawData)];
                    using var spiffe = new X509Chain();
                    spiffe.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    spiffe.ChainPolicy.CustomTrustStore.AddRange(bundle);
                    spiffe.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    foreach (var der in sent)
                    {
                        spiffe.ChainPolicy.ExtraStore.Add(X509CertificateLoader.LoadCertificate(der));
                    }

                    using var served = X509CertificateLoader.LoadCertificate(leaf);
                    if (spiffe.Build(served))
                    {
                        return true;
                    }

                    rejection = $"serial {served.SerialNumber.ToLowerInvariant()} (valid {served.NotBefore.ToUniversalTime():O} to {served.NotAfter.ToUniversalTime():O}): "
                        + string.Join("; ", spiffe.ChainStatus.Select(s => s.Status + " " + s.StatusInformation.Trim()));
                    return false;
                },
            },
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        using var response = await GetAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        using var certificate = X509CertificateLoader.LoadCertificate(leaf!);
        return new Served(certificate.SerialNumber.ToLowerInvariant(), certificate.NotAfter.ToUniversalTime(), leaf!, sent);

        async Task<HttpResponseMessage> GetAsync()
        {
            try
            {
                return await client.GetAsync(new Uri($"https://127.0.0.1:{_nginx!.Port}/"));
            }
            catch (HttpRequestException ex) when (rejection.Length > 0)
            {
                throw new Xunit.Sdk.XunitException($"the certificate nginx presented does not chain to the SPIFFE bundle: {rejection}\n{ex.Message}");
            }
        }
    }

    /// <summary>With openssl: the served leaf has exactly one SAN, the URI <paramref name="spiffeId"/>, and chains to the bundle.</summary>
    private async Task AssertSvidAsync(Served served, string spiffeId, string bundleFile, string name)
    {
        var leafFile = Path.Combine(_root, name + "-leaf.pem");
        var sentFile = Path.Combine(_root, name + "-sent.pem");
        await File.WriteAllTextAsync(leafFile, Der.CertificatesPem([served.Leaf]));
        await File.WriteAllTextAsync(sentFile, Der.CertificatesPem(served.Sent.Count > 0 ? served.Sent : [served.Leaf]));

        var san = (await OpenSslAsync("x509", "-in", leafFile, "-noout", "-ext", "subjectAltName")).ShouldSucceed().StdOut;
        var names = san.Split('\n').Skip(1).SelectMany(l => l.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Equal(["URI:" + spiffeId], names);

        var verify = (await OpenSslAsync("verify", "-CAfile", bundleFile, "-untrusted", sentFile, leafFile)).ShouldSucceed();
        Assert.Contains(": OK", verify.StdOut, StringComparison.Ordinal);
    }

    private static string Serial(string pemFile)
    {
        try
        {
            using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(pemFile));
            return certificate.SerialNumber.ToLowerInvariant();
        }
        catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException)
        {
            return $"(unreadable: {ex.Message})";
        }
    }

    /// <summary>The certificate nginx presented on one connection.</summary>
    private sealed record Served(string Serial, DateTime NotAfter, byte[] Leaf, IReadOnlyList<byte[]> Sent);
}
