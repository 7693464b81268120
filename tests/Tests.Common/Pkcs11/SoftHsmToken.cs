using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace IdentityIssuer.Tests.Common.Pkcs11;

/// <summary>
/// A throwaway SoftHSM2 token: its own directory with its own <c>softhsm2.conf</c>
/// (<c>directories.tokendir</c> inside it), initialised with <c>softhsm2-util --init-token --free</c>
/// under a random label, user PIN and SO PIN. Child processes see it through <see cref="Environment"/>
/// (<c>SOFTHSM2_CONF</c>); tests that load the module in the test process call
/// <see cref="UseInThisProcess"/> first and must not run in parallel with other such tests (SoftHSM
/// reads <c>SOFTHSM2_CONF</c> when the module is initialised). Dispose deletes the directory.
/// </summary>
public sealed class SoftHsmToken : IDisposable
{
    /// <summary>Where distributions install the SoftHSM2 module; the first that exists is used.</summary>
    public static readonly IReadOnlyList<string> ModuleCandidates =
    [
        "/usr/lib/softhsm/libsofthsm2.so",
        "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/lib64/pkcs11/libsofthsm2.so",
        "/usr/lib/pkcs11/libsofthsm2.so",
        "/usr/local/lib/softhsm/libsofthsm2.so",
    ];

    /// <summary>The environment variable SoftHSM2 reads its configuration file from.</summary>
    public const string ConfigVariable = "SOFTHSM2_CONF";

    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(1);

    private SoftHsmToken(string directory, string modulePath, string label, string pin, string soPin)
    {
        Directory = directory;
        ModulePath = modulePath;
        Label = label;
        Pin = pin;
        SoPin = soPin;
    }

    /// <summary>The directory holding the configuration file and the token directory.</summary>
    public string Directory { get; }

    /// <summary>The <c>softhsm2.conf</c> of this token.</summary>
    public string ConfigFile => Path.Combine(Directory, "softhsm2.conf");

    /// <summary>The token directory (<c>directories.tokendir</c>).</summary>
    public string TokenDirectory => Path.Combine(Directory, "tokens");

    /// <summary>The SoftHSM2 PKCS#11 module.</summary>
    public string ModulePath { get; }

    /// <summary>The token label.</summary>
    public string Label { get; }

    /// <summary>The user PIN.</summary>
    public string Pin { get; }

    /// <summary>The security officer PIN.</summary>
    public string SoPin { get; }

    /// <summary>The environment a child process needs to see this token.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string> { [ConfigVariable] = ConfigFile };

    /// <summary>The installed SoftHSM2 module, or null when there is none.</summary>
    public static string? FindModule() => ModuleCandidates.FirstOrDefault(File.Exists);

    /// <summary>Creates and initialises a token; throws naming the missing package when SoftHSM2 is not installed.</summary>
    public static async Task<SoftHsmToken> CreateAsync(string? label = null, CancellationToken cancellationToken = default)
    {
        var module = FindModule() ?? throw new InvalidOperationException(
            $"SoftHSM2 is required for these tests and its module was not found in {string.Join(", ", ModuleCandidates)}; install it with 'apt-get install softhsm2 opensc' (test.sh does)");
        var directory = Path.Combine(Path.GetTempPath(), "ii-softhsm-" + Guid.NewGuid().ToString("N")[..12]);
        var token = new SoftHsmToken(
            directory,
            module,
            label ?? "ii-" + Guid.NewGuid().ToString("N")[..12],
            "pin-" + Guid.NewGuid().ToString("N")[..10],
            "so-" + Guid.NewGuid().ToString("N")[..10]);
        try
        {
            System.IO.Directory.CreateDirectory(token.TokenDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            await File.WriteAllTextAsync(
                token.ConfigFile,
                $"directories.tokendir = {token.TokenDirectory}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n",
                cancellationToken);
            var result = await token.RunToolAsync(
                "softhsm2-util", ["--init-token", "--free", "--label", token.Label, "--pin", token.Pin, "--so-pin", token.SoPin], cancellationToken);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"softhsm2-util --init-token failed ({result.ExitCode}): {result.Output}");
            }

            return token;
        }
        catch
        {
            token.Dispose();
            throw;
        }
    }

    /// <summary>Creates a token synchronously (for test constructors).</summary>
    public static SoftHsmToken Create(string? label = null) => CreateAsync(label).GetAwaiter().GetResult();

    /// <summary>
    /// Points this process's native environment at this token, so a module loaded (initialised) from now
    /// on sees it. <see cref="System.Environment.SetEnvironmentVariable(string, string)"/> alone does not
    /// reach the C library's <c>getenv</c> that SoftHSM2 calls.
    /// </summary>
    public void UseInThisProcess()
    {
        System.Environment.SetEnvironmentVariable(ConfigVariable, ConfigFile);
        if (setenv(ConfigVariable, ConfigFile, 1) != 0)
        {
            throw new InvalidOperationException($"setenv {ConfigVariable} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Deletes the token with <c>softhsm2-util --delete-token</c>, as an operator removing it would.</summary>
    public async Task DeleteTokenAsync(CancellationToken cancellationToken = default)
    {
        var result = await RunToolAsync("softhsm2-util", ["--delete-token", "--token", Label], cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"softhsm2-util --delete-token failed ({result.ExitCode}): {result.Output}");
        }
    }

    /// <summary>Runs <c>pkcs11-tool --module M --token-label L</c> with <paramref name="args"/>, logging in with the user PIN.</summary>
    public Task<(int ExitCode, string Output)> Pkcs11ToolAsync(IEnumerable<string> args, CancellationToken cancellationToken = default) =>
        RunToolAsync("pkcs11-tool", ["--module", ModulePath, "--token-label", Label, "--login", "--pin", Pin, .. args], cancellationToken);

    /// <summary>Runs a SoftHSM2 or OpenSC tool with this token's environment; returns its exit code and stdout+stderr.</summary>
    public async Task<(int ExitCode, string Output)> RunToolAsync(string tool, IEnumerable<string> args, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment[ConfigVariable] = ConfigFile;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {tool}");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ToolTimeout);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var output = new StringBuilder().Append(await stdout).Append(await stderr).ToString();
        return (process.ExitCode, output);
    }

    /// <summary>Deletes the token directory.</summary>
    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone.
        }
    }

#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code enabled for this one call.
    [DllImport("libc", EntryPoint = "setenv", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int setenv(string name, string value, int overwrite);
#pragma warning restore SYSLIB1054
}
