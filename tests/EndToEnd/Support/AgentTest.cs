using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd.Support;

/// <summary>
/// Base of tests that run node agents against one issuer. Every agent and Node client a test starts is
/// stopped after it, and each agent's log goes to the test output (shown when the test fails), next to
/// the issuer's.
/// </summary>
public abstract class AgentTest : IssuerTest, IAsyncLifetime
{
    /// <summary>SPIFFE IDs of workloads; each test adds its own path so a failure names its test.</summary>
    protected const string WorkloadIdPrefix = "spiffe://example.org/e2e/";

    /// <summary>The longest a change made at the issuer may take to reach a workload.</summary>
    protected static readonly TimeSpan PropagationTimeout = TimeSpan.FromSeconds(60);

    private readonly List<AgentProcess> _agents = [];
    private readonly List<NodeWorkloadClient> _clients = [];
    private readonly bool _ownsIssuer;

    /// <param name="issuer">The issuer the agents use.</param>
    /// <param name="output">The test output.</param>
    /// <param name="ownsIssuer">True when each test has an issuer of its own (one it may stop or kill): it is started before the test and disposed after it.</param>
    protected AgentTest(IssuerProcess issuer, ITestOutputHelper output, bool ownsIssuer = false)
        : base(issuer, output)
    {
        _ownsIssuer = ownsIssuer;
    }

    /// <summary>The unix:uid selector of the test process (the tests run as root).</summary>
    protected static string OwnUidSelector => "unix:uid:" + LocalUser.CurrentUid().ToString(CultureInfo.InvariantCulture);

    /// <summary>Runs <c>token generate --output json</c>; returns the token and the agent ID it will give.</summary>
    protected async Task<(string Token, string AgentId)> GenerateTokenAsync()
    {
        var json = ParseJson((await CliAsync("token", "generate", "--output", "json")).ShouldSucceed()).RootElement;
        return (json.GetProperty("token").GetString()!, json.GetProperty("agentId").GetString()!);
    }

    /// <summary>Sets up an agent (not started) with its own directory; it is stopped and its log recorded after the test.</summary>
    protected async Task<AgentProcess> CreateAgentAsync(
        string token,
        IReadOnlyDictionary<string, string>? settings = null,
        IReadOnlyList<string>? overrides = null,
        JsonArray? sinks = null,
        string name = "agent",
        bool joinTokenInFile = false)
    {
        // A one-second sync keeps the wait for a change made at the issuer short; tests may override it.
        var all = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Agent:SyncInterval"] = "00:00:01" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        var agent = await AgentProcess.CreateAsync(Issuer, token, all, overrides, sinks, name, joinTokenInFile);
        _agents.Add(agent);
        return agent;
    }

    /// <summary>A new join token and a started, healthy agent attested with it.</summary>
    protected async Task<(AgentProcess Agent, string AgentId)> StartAgentAsync(IReadOnlyList<string>? overrides = null, JsonArray? sinks = null)
    {
        var (token, agentId) = await GenerateTokenAsync();
        var agent = await CreateAgentAsync(token, overrides: overrides, sinks: sinks);
        await agent.StartAsync();
        return (agent, agentId);
    }

    /// <summary>Creates an entry for <paramref name="spiffeId"/> parented to <paramref name="parentId"/>; returns its id.</summary>
    protected async Task<string> CreateWorkloadEntryAsync(string spiffeId, string parentId, string selector, params string[] extra)
    {
        var result = (await CliAsync(["entry", "create", "--spiffe-id", spiffeId, "--parent-id", parentId, "--selector", selector, "--output", "json", .. extra])).ShouldSucceed();
        return ParseJson(result).RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>Starts the Node client (a workload) against <paramref name="agent"/>; it is killed after the test.</summary>
    protected NodeWorkloadClient StartNode(AgentProcess agent, string method, IEnumerable<string>? args = null, LocalUser? runAs = null)
    {
        var client = NodeWorkloadClient.Start(agent.SocketPath, method, args, runAs);
        _clients.Add(client);
        return client;
    }

    /// <summary>Runs one Node client call to its end and records what it printed.</summary>
    protected async Task<NodeCallResult> NodeAsync(AgentProcess agent, string method, IEnumerable<string>? args = null, LocalUser? runAs = null)
    {
        var result = await NodeWorkloadClient.RunAsync(agent.SocketPath, method, args, runAs);
        Output.WriteLine($"$ node client.js {agent.SocketPath} {method} {string.Join(' ', args ?? [])}{(runAs is null ? string.Empty : " (as " + runAs.Name + ")")}\n{result}");
        return result;
    }

    /// <summary>Runs <c>identity-agent ARGS --socket …</c> against <paramref name="agent"/> and records the result.</summary>
    protected async Task<ProcessResult> AgentApiAsync(AgentProcess agent, params string[] args) => Record(await agent.ApiAsync(args));

    /// <summary>
    /// Fetches X509-SVIDs with the Node client until the response has exactly <paramref name="expected"/>
    /// (the agent learns of entries at its next sync); fails with the last answer after
    /// <see cref="PropagationTimeout"/>.
    /// </summary>
    protected Task<IReadOnlyList<X509SvidMessage>> WaitForSvidsAsync(AgentProcess agent, IReadOnlyCollection<string> expected, LocalUser? runAs = null) =>
        WaitForSvidsAsync(agent, expected, _ => true, null, runAs);

    /// <summary>
    /// Like <see cref="WaitForSvidsAsync(AgentProcess, IReadOnlyCollection{string}, LocalUser?)"/>, until the
    /// SVIDs also satisfy <paramref name="condition"/> (described by <paramref name="what"/> in a failure).
    /// </summary>
    protected async Task<IReadOnlyList<X509SvidMessage>> WaitForSvidsAsync(AgentProcess agent, IReadOnlyCollection<string> expected, Func<IReadOnlyList<X509SvidMessage>, bool> condition, string? what, LocalUser? runAs = null)
    {
        var deadline = DateTime.UtcNow + PropagationTimeout;
        NodeCallResult last;
        do
        {
            last = await NodeWorkloadClient.RunAsync(agent.SocketPath, "FetchX509SVID", ["--count", "1"], runAs);
            if (last.Messages.Count == 1)
            {
                var svids = NodeLines.X509Svids(last.Messages[0]);
                if (svids.Select(s => s.SpiffeId).Order(StringComparer.Ordinal).SequenceEqual(expected.Order(StringComparer.Ordinal)) && condition(svids))
                {
                    Output.WriteLine($"FetchX509SVID{(runAs is null ? string.Empty : " as " + runAs.Name)} returned {string.Join(", ", expected)}{(what is null ? string.Empty : ", " + what)}");
                    return svids;
                }
            }

            await Task.Delay(250);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException($"FetchX509SVID never returned exactly [{string.Join(", ", expected)}]{(what is null ? string.Empty : " with " + what)} within {PropagationTimeout}; last answer:\n{last}");
    }

    /// <summary>Reads a watching FetchX509SVID stream of one SVID until a response carries an SVID whose serial is not <paramref name="serial"/>.</summary>
    protected static async Task<(X509SvidMessage Svid, JsonElement Body)> NextOtherSerialAsync(NodeWorkloadClient stream, string serial, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? PropagationTimeout);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            var line = await stream.NextAsync(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
            Assert.True(NodeLines.IsMessage(line), $"the stream ended: {line}");
            var body = line.GetProperty("body");
            var svid = Assert.Single(NodeLines.X509Svids(body));
            if (svid.Serial != serial)
            {
                return (svid, body);
            }
        }
    }

    /// <summary>Writes an SVID's chain, key and bundle as PEM files into a new directory and returns it.</summary>
    protected static async Task<string> WriteSvidFilesAsync(X509SvidMessage svid, string directory)
    {
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "svid.pem"), Der.CertificatesPem(svid.Chain));
        await File.WriteAllTextAsync(Path.Combine(directory, "leaf.pem"), Der.CertificatesPem(svid.Chain.Take(1)));
        await File.WriteAllTextAsync(Path.Combine(directory, "svid.key"), System.Security.Cryptography.PemEncoding.WriteString("PRIVATE KEY", svid.KeyPkcs8) + "\n");
        await File.WriteAllTextAsync(Path.Combine(directory, "bundle.pem"), Der.CertificatesPem(Der.Split(svid.BundleDer)));
        return directory;
    }

    /// <summary>
    /// Checks with openssl, on files: <paramref name="certFile"/>'s leaf has exactly one SAN, the URI
    /// <paramref name="spiffeId"/>; <paramref name="keyFile"/> holds its private key; and it chains to
    /// every bundle file given.
    /// </summary>
    protected async Task AssertSvidFilesAsync(string certFile, string keyFile, string spiffeId, params string[] bundleFiles)
    {
        var san = (await OpenSslAsync("x509", "-in", certFile, "-noout", "-ext", "subjectAltName")).ShouldSucceed().StdOut;
        var names = san.Split('\n').Skip(1).SelectMany(l => l.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Equal(["URI:" + spiffeId], names);

        var certKey = (await OpenSslAsync("x509", "-in", certFile, "-noout", "-pubkey")).ShouldSucceed().StdOut;
        var privateKey = (await OpenSslAsync("pkey", "-in", keyFile, "-pubout")).ShouldSucceed().StdOut;
        Assert.Equal(certKey, privateKey);

        foreach (var bundle in bundleFiles)
        {
            var verify = (await OpenSslAsync("verify", "-CAfile", bundle, "-untrusted", certFile, certFile)).ShouldSucceed();
            Assert.Contains(": OK", verify.StdOut, StringComparison.Ordinal);
        }
    }

    /// <summary>Parses JSON lines of a stream body into SPIFFE IDs.</summary>
    protected static IReadOnlyList<string> Ids(JsonElement body) => [.. NodeLines.X509Svids(body).Select(s => s.SpiffeId)];

    /// <summary>
    /// Waits until <paramref name="agent"/> serves <paramref name="spiffeId"/> (and nothing else), then
    /// starts a watching FetchX509SVID stream and returns it with the SVID of its first response.
    /// </summary>
    protected async Task<(NodeWorkloadClient Stream, X509SvidMessage First)> WatchSvidAsync(AgentProcess agent, string spiffeId)
    {
        await WaitForSvidsAsync(agent, [spiffeId]);
        var stream = StartNode(agent, "FetchX509SVID");
        var first = Assert.Single(NodeLines.X509Svids((await stream.NextAsync()).GetProperty("body")));
        Output.WriteLine($"watching {spiffeId}: serial {first.Serial}, signed by {first.SignedBy}, valid until {first.NotAfter:O}");
        return (stream, first);
    }

    /// <summary>The X.509 authorities of the CA journal as <c>authority x509 show --output json</c> lists them (through <paramref name="issuer"/>, default <see cref="IssuerTest.Issuer"/>).</summary>
    protected async Task<IReadOnlyList<(string Id, string Replica, string Status)>> X509AuthoritiesAsync(IssuerProcess? issuer = null)
    {
        using var json = ParseJson(Record(await (issuer ?? Issuer).CliAsync("authority", "x509", "show", "--output", "json")).ShouldSucceed());
        return [.. json.RootElement.GetProperty("authorities").EnumerateArray()
            .Select(a => (a.GetProperty("id").GetString()!, a.GetProperty("replica").GetString()!, a.GetProperty("status").GetString()!))];
    }

    /// <summary>The active X.509 authority of each replica, by replica name.</summary>
    protected async Task<Dictionary<string, string>> ActiveX509AuthoritiesAsync(IssuerProcess? issuer = null) =>
        (await X509AuthoritiesAsync(issuer)).Where(a => a.Status == "active").ToDictionary(a => a.Replica, a => a.Id, StringComparer.Ordinal);

    /// <summary>Runs <c>authority x509 prepare</c> then <c>activate</c> through <paramref name="issuer"/>; returns the new active authority's id.</summary>
    protected async Task<string> RotateX509Async(IssuerProcess? issuer = null)
    {
        issuer ??= Issuer;
        using var prepared = ParseJson(Record(await issuer.CliAsync("authority", "x509", "prepare", "--output", "json")).ShouldSucceed());
        Record(await issuer.CliAsync("authority", "x509", "activate")).ShouldSucceed();
        return prepared.RootElement.GetProperty("id").GetString()!;
    }

    /// <inheritdoc />
    public virtual Task InitializeAsync() => _ownsIssuer ? Issuer.StartAsync() : Task.CompletedTask;

    /// <inheritdoc />
    public virtual async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        try
        {
            foreach (var agent in _agents)
            {
                try
                {
                    await agent.DisposeAsync();
                }
                finally
                {
                    Output.WriteLine($"--- {agent.Name} log ({agent.Directory}) ---");
                    Output.WriteLine(agent.Log);
                }
            }
        }
        finally
        {
            if (_ownsIssuer)
            {
                await Issuer.DisposeAsync();
            }
        }
    }
}
