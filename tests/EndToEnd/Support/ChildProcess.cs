using System.Diagnostics;
using System.Text;

namespace IdentityIssuer.EndToEnd.Support;

/// <summary>
/// Runs a program to completion with a bounded wait: stdin closed, stdout and stderr captured, the
/// whole process tree killed when it outlives the timeout. A test can fail; it never hangs.
/// </summary>
public static class ChildProcess
{
    /// <summary>How long a command may run when the caller does not say.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Environment variables of the test process that must not leak into the product under test.</summary>
    public const string ProductVariablePrefix = "IDENTITY_ISSUER_";

    /// <summary>The agent's and the gateway's own variables, and the Workload API address every SPIFFE client falls back to.</summary>
    private static readonly string[] LeakingPrefixes = [ProductVariablePrefix, "IDENTITY_AGENT_", "IDENTITY_GATEWAY_", "SPIFFE_ENDPOINT_SOCKET"];

    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> args,
        IReadOnlyDictionary<string, string>? env = null,
        string? workingDirectory = null,
        string? stdin = null,
        TimeSpan? timeout = null)
    {
        using var process = new Process { StartInfo = StartInfo(fileName, args, env, workingDirectory) };
        process.StartInfo.RedirectStandardInput = true;
        var command = Describe(process.StartInfo);
        process.Start();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            if (stdin is not null)
            {
                await process.StandardInput.WriteAsync(stdin);
            }

            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The program exited without reading its input; its exit code tells the story.
        }

        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            throw new TimeoutException(
                $"'{command}' did not exit within {timeout ?? DefaultTimeout} and was killed\n--- stdout ---\n{await stdout}\n--- stderr ---\n{await stderr}");
        }

        return new ProcessResult(command, process.ExitCode, await stdout, await stderr);
    }

    /// <summary>A start description with redirected output and a clean product environment.</summary>
    public static ProcessStartInfo StartInfo(string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env, string? workingDirectory)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var name in info.Environment.Keys.Where(k => LeakingPrefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal))).ToList())
        {
            info.Environment.Remove(name);
        }

        foreach (var (name, value) in env ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        return info;
    }

    /// <summary>The command line as a user would type it, for failure messages.</summary>
    public static string Describe(ProcessStartInfo info) =>
        string.Join(' ', new[] { info.FileName }.Concat(info.ArgumentList).Select(a => a.Length == 0 || a.Any(char.IsWhiteSpace) ? $"'{a}'" : a));
}
