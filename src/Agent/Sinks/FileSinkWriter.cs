using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using IdentityIssuer.Agent.Cache;
using IdentityIssuer.Agent.Issuer;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Agent.Sinks;

/// <summary>
/// Writes configured SVIDs to files: chain, key (0600) and bundle as PEM, each through a temporary
/// file and a rename so a reader never sees a half-written file; then runs the sink's command or
/// signals its process. Files are rewritten only when the SVID or the bundle changed.
/// </summary>
internal sealed partial class FileSinkWriter
{
    private const UnixFileMode KeyMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PublicMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private readonly IReadOnlyList<FileSinkOptions> _sinks;
    private readonly ILogger<FileSinkWriter> _logger;
    private readonly Dictionary<int, string> _written = [];

    public FileSinkWriter(IOptions<List<FileSinkOptions>> sinks, ILogger<FileSinkWriter> logger)
    {
        _sinks = sinks.Value;
        _logger = logger;
    }

    /// <summary>Writes every sink whose SVID or bundle changed in this snapshot.</summary>
    public void Write(IdentitySnapshot snapshot)
    {
        for (var i = 0; i < _sinks.Count; i++)
        {
            var sink = _sinks[i];
            var svid = snapshot.Svids
                .Where(s => sink.SpiffeId.Length > 0 ? s.SpiffeId.ToString() == sink.SpiffeId : s.Hint == sink.Hint)
                .OrderBy(s => s.EntryCreatedAt)
                .FirstOrDefault();
            if (svid is null)
            {
                continue;
            }

            snapshot.X509Bundles.TryGetValue(snapshot.TrustDomain.IdString, out var bundle);
            bundle ??= [];
            var fingerprint = Convert.ToHexString(SHA256.HashData([.. svid.ChainDer, .. bundle]));
            if (_written.TryGetValue(i, out var previous) && previous == fingerprint)
            {
                continue;
            }

            try
            {
                WriteFiles(sink, svid, bundle);
                _written[i] = fingerprint;
                LogWritten(_logger, svid.SpiffeId.ToString(), sink.Directory);
                Notify(sink);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LogWriteFailed(_logger, sink.Directory, ex.Message);
            }
        }
    }

    private static void WriteFiles(FileSinkOptions sink, WorkloadX509Svid svid, byte[] bundle)
    {
        Directory.CreateDirectory(sink.Directory);
        var chain = Spiffe.X509.DerCertificates.Split(svid.ChainDer);
        var roots = Spiffe.X509.DerCertificates.Split(bundle);
        AtomicFile.Write(Path.Combine(sink.Directory, sink.KeyFileName), System.Text.Encoding.ASCII.GetBytes(PemEncoding.WriteString("PRIVATE KEY", svid.PrivateKeyPkcs8) + "\n"), KeyMode);
        AtomicFile.Write(Path.Combine(sink.Directory, sink.CertificateFileName), System.Text.Encoding.ASCII.GetBytes(Spiffe.X509.DerCertificates.ToPem(chain)), PublicMode);
        AtomicFile.Write(Path.Combine(sink.Directory, sink.BundleFileName), System.Text.Encoding.ASCII.GetBytes(Spiffe.X509.DerCertificates.ToPem(roots)), PublicMode);
    }

    private void Notify(FileSinkOptions sink)
    {
        if (sink.Command.Length > 0)
        {
            _ = Task.Run(() => RunCommandAsync(sink.Command));
        }

        if (sink.PidFile.Length > 0)
        {
            try
            {
                var pid = int.Parse(File.ReadAllText(sink.PidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
                var signal = sink.Signal.ToUpperInvariant() switch
                {
                    "USR1" => PosixSignalNumbers.Usr1,
                    "USR2" => PosixSignalNumbers.Usr2,
                    "TERM" => PosixSignalNumbers.Term,
                    _ => PosixSignalNumbers.Hup,
                };
                if (Kill(pid, signal) != 0)
                {
                    LogSignalFailed(_logger, sink.PidFile, Marshal.GetLastPInvokeErrorMessage());
                }
            }
            catch (Exception ex) when (ex is IOException or FormatException or OverflowException)
            {
                LogSignalFailed(_logger, sink.PidFile, ex.Message);
            }
        }
    }

    private async Task RunCommandAsync(string command)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", command]) { UseShellExecute = false })!;
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await process.WaitForExitAsync(timeout.Token);
            if (process.ExitCode != 0)
            {
                LogCommandFailed(_logger, command, $"exit code {process.ExitCode}");
            }
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or OperationCanceledException or InvalidOperationException)
        {
            LogCommandFailed(_logger, command, ex.Message);
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private static class PosixSignalNumbers
    {
        public const int Hup = 1;
        public const int Usr1 = 10;
        public const int Usr2 = 12;
        public const int Term = 15;
    }

    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Wrote SVID {SpiffeId} to {Directory}")]
    private static partial void LogWritten(ILogger logger, string spiffeId, string directory);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Error, Message = "Could not write the file sink in {Directory}: {Reason}")]
    private static partial void LogWriteFailed(ILogger logger, string directory, string reason);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "Sink command '{Command}' failed: {Reason}")]
    private static partial void LogCommandFailed(ILogger logger, string command, string reason);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "Could not signal the process in {PidFile}: {Reason}")]
    private static partial void LogSignalFailed(ILogger logger, string pidFile, string reason);
}
