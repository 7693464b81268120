using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;

namespace IdentityIssuer.Agent.Tests.Support;

/// <summary>
/// Runs the grpc-js test client (tests/Agent.Tests/node/client.js) as a real process, optionally as
/// another user, and hands its JSON lines to the test as they arrive. test.sh installs its packages
/// with <c>npm ci --prefix tests/Agent.Tests/node</c>.
/// </summary>
internal sealed class NodeClient : IAsyncDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private readonly Channel<JsonElement> _lines = Channel.CreateUnbounded<JsonElement>();
    private readonly System.Text.StringBuilder _stderr = new();

    private NodeClient(Process process)
    {
        _process = process;
    }

    public static string ClientDirectory { get; } = Path.Combine(RepositoryRoot(), "tests", "Agent.Tests", "node");

    /// <summary>Starts <c>node client.js socket method args…</c>, as <paramref name="runAsUser"/> when given (needs root).</summary>
    public static NodeClient Start(string socketPath, string method, IEnumerable<string>? args = null, string? runAsUser = null)
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
        if (runAsUser is not null)
        {
            info.FileName = "runuser";
            info.ArgumentList.Add("-u");
            info.ArgumentList.Add(runAsUser);
            info.ArgumentList.Add("--");
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
        var client = new NodeClient(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                client._lines.Writer.TryComplete();
            }
            else if (e.Data.Length > 0)
            {
                client._lines.Writer.TryWrite(JsonDocument.Parse(e.Data).RootElement.Clone());
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
    public static async Task<IReadOnlyList<JsonElement>> RunAsync(string socketPath, string method, IEnumerable<string>? args = null, string? runAsUser = null)
    {
        await using var client = Start(socketPath, method, args, runAsUser);
        var lines = new List<JsonElement>();
        while (true)
        {
            var line = await client.NextAsync();
            lines.Add(line);
            if (line.GetProperty("type").GetString() == "status")
            {
                return lines;
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
            throw new TimeoutException($"the Node client printed nothing in time; stderr: {Stderr}");
        }

        throw new InvalidOperationException($"the Node client exited without more output; stderr: {Stderr}");
    }

    private string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "IdentityIssuer.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("could not find the repository root (IdentityIssuer.sln) above " + AppContext.BaseDirectory);
    }
}
