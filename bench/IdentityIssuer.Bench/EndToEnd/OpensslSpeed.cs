using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace IdentityIssuer.Bench.EndToEnd;

/// <summary>ECDSA P-256 operations per second as <c>openssl speed ecdsap256</c> reports them.</summary>
internal sealed record OpensslSpeedResult(int Processes, double SignPerSecond, double VerifyPerSecond)
{
    /// <summary>
    /// SVIDs per second if minting cost nothing but its cryptography: one CSR verify plus one
    /// certificate signature each, i.e. 1 / (1/sign + 1/verify).
    /// </summary>
    public double SvidLimit => 1 / ((1 / SignPerSecond) + (1 / VerifyPerSecond));
}

/// <summary>Runs <c>openssl speed</c> and reads its summary table.</summary>
internal static partial class OpensslSpeed
{
    /// <summary>
    /// Runs <c>openssl speed -seconds S [-multi N] ecdsap256</c>. With more than one process the
    /// table holds the sum over the processes, which is what the machine can do on N cores.
    /// </summary>
    public static async Task<OpensslSpeedResult> RunAsync(int seconds, int processes, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("openssl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("speed");
        start.ArgumentList.Add("-seconds");
        start.ArgumentList.Add(seconds.ToString(CultureInfo.InvariantCulture));
        if (processes > 1)
        {
            start.ArgumentList.Add("-multi");
            start.ArgumentList.Add(processes.ToString(CultureInfo.InvariantCulture));
        }

        start.ArgumentList.Add("ecdsap256");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start openssl");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var text = await output + "\n" + await error;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl speed exited with {process.ExitCode}: {text.Trim()}");
        }

        return Parse(text, processes);
    }

    /// <summary>Reads the last <c>256 bits ecdsa (nistp256) … sign/s verify/s</c> row.</summary>
    public static OpensslSpeedResult Parse(string output, int processes)
    {
        var rows = SummaryRow().Matches(output);
        if (rows.Count == 0)
        {
            throw new InvalidOperationException($"no 'nistp256' row in openssl speed output:\n{output}");
        }

        var row = rows[^1];
        return new OpensslSpeedResult(
            processes,
            double.Parse(row.Groups["sign"].Value, CultureInfo.InvariantCulture),
            double.Parse(row.Groups["verify"].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"^\s*256 bits ecdsa \(nistp256\)\s+\S+s\s+\S+s\s+(?<sign>[0-9.]+)\s+(?<verify>[0-9.]+)\s*$", RegexOptions.Multiline)]
    private static partial Regex SummaryRow();
}
