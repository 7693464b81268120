using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;

namespace IdentityIssuer.Tests.Common.Node;

/// <summary>
/// The independent Workload API client: grpc-js in Node (tests/Agent.Tests/node/client.js), as a real
/// process, optionally under another uid. It prints one JSON line per response and a last
/// <c>{"type":"status",…}</c> line; a stream without <c>--count</c> is watched until it ends. Its
/// packages come from <c>npm ci --prefix tests/Agent.Tests/node</c>.
/// </summary>
public sealed class NodeWorkloadClient : IAsyncDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private readonly Channel<JsonElement> _lines = Channel.CreateUnbounded<JsonElement>();
    private readonly System.Text.StringBuilder _stderr = new();

    private NodeWorkloadClient(Process process)
    {
        _process = process;
    }

    /// <summary>The directory of client.js and its node_modules.</summary>
    public static string ClientDirectory { get; } = Path.Combine(RepositoryPaths.Root, "tests", "Agent.Tests", "node");

    /// <summary>What the client printed on standard error so far.</summary>
    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <c>node client.js SOCKET METHOD ARGS…</c>; with <paramref name="runAs"/> (needs root) it runs
    /// as that account through <c>setpriv --reuid --regid --clear-groups</c>, a child of the test process.
    /// </summary>
    public static NodeWorkloadClient Start(string socketPath, string method, IEnumerable<string>? args = null, LocalUser? runAs = null)
    {
        if (!Directory.Exists(Path.Combine(ClientDirectory, "node_modules", "@grpc", "grpc-js")))
        {
            throw new InvalidOperationException($"the Node test client's packages are missing; run: npm ci --prefix {ClientDirectory}");
        }

        var info = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = ClientDirectory,
        };
        if (runAs is not null)
        {
            info.FileName = "setpriv";
            info.ArgumentList.Add("--reuid=" + runAs.Uid.ToString(CultureInfo.InvariantCulture));
            info.ArgumentList.Add("--regid=" + runAs.Gid.ToString(CultureInfo.InvariantCulture));
            info.ArgumentList.Add("--clear-groups");
            info.ArgumentList.Add("node");
        }
        else
        {
            info.FileName = "node";
        }

        info.ArgumentList.Add(Path.Combine(ClientDirectory, "client.js"));
        info.ArgumentList.Add(socketPath);
        info.ArgumentList.Add(method);
        foreach (var arg in args ?? [])
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info };
        var client = new NodeWorkloadClient(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                client._lines.Writer.TryComplete();
            }
            else if (e.Data.Length > 0)
            {
                try
                {
                    client._lines.Writer.TryWrite(JsonDocument.Parse(e.Data).RootElement.Clone());
                }
                catch (JsonException)
                {
                    lock (client._stderr)
                    {
                        client._stderr.AppendLine("(stdout, not JSON) " + e.Data);
                    }
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (client._stderr)
                {
                    client._stderr.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return client;
    }

    /// <summary>Runs a call to its end and returns every line it printed (the last is the status).</summary>
    public static async Task<NodeCallResult> RunAsync(string socketPath, string method, IEnumerable<string>? args = null, LocalUser? runAs = null)
    {
        await using var client = Start(socketPath, method, args, runAs);
        var lines = new List<JsonElement>();
        while (true)
        {
            var line = await client.NextAsync();
            lines.Add(line);
            if (line.GetProperty("type").GetString() == "status")
            {
                return new NodeCallResult(lines);
            }
        }
    }

    /// <summary>The next JSON line; fails the test when none comes in time or the process ends first.</summary>
    public async Task<JsonElement> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            if (await _lines.Reader.WaitToReadAsync(cts.Token) && _lines.Reader.TryRead(out var line))
            {
                return line;
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the Node client printed nothing within {timeout ?? DefaultTimeout}; stderr: {Stderr}");
        }

        throw new InvalidOperationException($"the Node client exited without more output; stderr: {Stderr}");
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}

/// <summary>Every line of one finished Node client call.</summary>
public sealed record NodeCallResult(IReadOnlyList<JsonElement> Lines)
{
    /// <summary>The response messages (bodies), in order.</summary>
    public IReadOnlyList<JsonElement> Messages => [.. Lines.Where(NodeLines.IsMessage).Select(l => l.GetProperty("body"))];

    /// <summary>The final status line.</summary>
    public JsonElement Status => Lines[^1];

    /// <summary>The gRPC status name, e.g. <c>OK</c> or <c>PERMISSION_DENIED</c>.</summary>
    public string StatusName => Status.GetProperty("name").GetString()!;

    /// <summary>The status details (the server's message).</summary>
    public string StatusDetails => Status.GetProperty("details").GetString()!;

    /// <inheritdoc />
    public override string ToString() => string.Join('\n', Lines.Select(l => l.GetRawText()));
}

/// <summary>Reading what client.js prints.</summary>
public static class NodeLines
{
    /// <summary>True for a response line, false for the status line.</summary>
    public static bool IsMessage(JsonElement line) => line.GetProperty("type").GetString() == "message";

    /// <summary>True for the status line that ends a call.</summary>
    public static bool IsStatus(JsonElement line) => line.GetProperty("type").GetString() == "status";

    /// <summary>The X509-SVIDs of an X509SVIDResponse body (bytes fields arrive base64-encoded).</summary>
    public static IReadOnlyList<X509SvidMessage> X509Svids(JsonElement body) =>
        [.. body.GetProperty("svids").EnumerateArray().Select(s => new X509SvidMessage(
            s.GetProperty("spiffe_id").GetString()!,
            Convert.FromBase64String(s.GetProperty("x509_svid").GetString()!),
            Convert.FromBase64String(s.GetProperty("x509_svid_key").GetString()!),
            Convert.FromBase64String(s.GetProperty("bundle").GetString()!)))];

    /// <summary>The DER CRLs of an X509SVIDResponse or X509BundlesResponse body (its <c>crl</c> field).</summary>
    public static IReadOnlyList<byte[]> Crls(JsonElement body) =>
        body.TryGetProperty("crl", out var crl) ? [.. crl.EnumerateArray().Select(c => Convert.FromBase64String(c.GetString()!))] : [];
}

/// <summary>One X509SVID message: DER chain (leaf first, concatenated), PKCS#8 key, DER bundle (concatenated).</summary>
public sealed record X509SvidMessage(string SpiffeId, byte[] ChainDer, byte[] KeyPkcs8, byte[] BundleDer)
{
    /// <summary>The certificates of the chain, leaf first.</summary>
    public IReadOnlyList<byte[]> Chain => Der.Split(ChainDer);

    /// <summary>The leaf's serial number in lowercase hex.</summary>
    public string Serial
    {
        get
        {
            using var leaf = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(Chain[0]);
            return leaf.SerialNumber.ToLowerInvariant();
        }
    }

    /// <summary>When the leaf expires.</summary>
    public DateTimeOffset NotAfter
    {
        get
        {
            using var leaf = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(Chain[0]);
            return new DateTimeOffset(leaf.NotAfter.ToUniversalTime());
        }
    }

    /// <summary>When the leaf became valid.</summary>
    public DateTimeOffset NotBefore
    {
        get
        {
            using var leaf = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(Chain[0]);
            return new DateTimeOffset(leaf.NotBefore.ToUniversalTime());
        }
    }

    /// <summary>The key id of the CA that signed the leaf (its authority key identifier, lowercase hex): the authority id <c>authority x509 show</c> prints.</summary>
    public string SignedBy
    {
        get
        {
            using var leaf = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(Chain[0]);
            var aki = leaf.Extensions.OfType<System.Security.Cryptography.X509Certificates.X509AuthorityKeyIdentifierExtension>().Single();
            return Convert.ToHexStringLower(aki.KeyIdentifier!.Value.Span);
        }
    }
}

/// <summary>Concatenated DER values, as the Workload API sends chains and bundles.</summary>
public static class Der
{
    /// <summary>Splits concatenated DER values (no separators) into each value's bytes.</summary>
    public static IReadOnlyList<byte[]> Split(byte[] concatenated)
    {
        var values = new List<byte[]>();
        var rest = new ReadOnlyMemory<byte>(concatenated);
        while (!rest.IsEmpty)
        {
            var reader = new System.Formats.Asn1.AsnReader(rest, System.Formats.Asn1.AsnEncodingRules.DER);
            var value = reader.ReadEncodedValue();
            values.Add(value.ToArray());
            rest = rest[value.Length..];
        }

        return values;
    }

    /// <summary>PEM text of certificates given as DER.</summary>
    public static string CertificatesPem(IEnumerable<byte[]> certificates) =>
        string.Concat(certificates.Select(c => System.Security.Cryptography.PemEncoding.WriteString("CERTIFICATE", c) + "\n"));
}

/// <summary>A local account as the kernel knows it, from /etc/passwd.</summary>
public sealed record LocalUser(string Name, int Uid, int Gid)
{
    /// <summary>The account's uid and primary gid.</summary>
    public static LocalUser Named(string name)
    {
        var fields = File.ReadLines("/etc/passwd").Select(l => l.Split(':')).FirstOrDefault(f => f[0] == name)
            ?? throw new InvalidOperationException($"there is no local account '{name}' in /etc/passwd");
        return new LocalUser(name, int.Parse(fields[2], CultureInfo.InvariantCulture), int.Parse(fields[3], CultureInfo.InvariantCulture));
    }

    /// <summary>The real uid of the test process, from /proc/self/status.</summary>
    public static int CurrentUid()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        return int.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}
