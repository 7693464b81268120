using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace IdentityIssuer.Tests.Common.Postgres;

/// <summary>
/// A throwaway PostgreSQL cluster: initdb into a temp directory, pg_ctl start on a free 127.0.0.1 port
/// with its socket in the same directory, trust authentication, durability off (test data only).
/// PostgreSQL refuses to run as root, so as root the binaries run as the <c>postgres</c> user (or
/// <c>nobody</c>) and the directory is handed to that user.
/// </summary>
internal sealed class LocalPostgresCluster : IAsyncDisposable
{
    private const string SuperUser = "postgres";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);

    private readonly string _binDirectory;
    private readonly string _root;
    private readonly string? _runAsUser;

    private LocalPostgresCluster(string binDirectory, string root, string? runAsUser, int port)
    {
        _binDirectory = binDirectory;
        _root = root;
        _runAsUser = runAsUser;
        AdminConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = SuperUser,
            Database = "postgres",
            Pooling = false,
            Timeout = 30,
        }.ConnectionString;
    }

    public string AdminConnectionString { get; }

    private string DataDirectory => Path.Combine(_root, "data");

    private string LogFile => Path.Combine(_root, "postgres.log");

    public static async Task<LocalPostgresCluster> StartAsync()
    {
        var binDirectory = FindBinDirectory() ?? throw new InvalidOperationException(
            "PostgreSQL is required for these tests and none was found. Set " + PostgresFixture.EnvironmentVariable
            + " to an Npgsql connection string of a server where the user may CREATE DATABASE, or install the"
            + " PostgreSQL server binaries (initdb and pg_ctl on PATH or under /usr/lib/postgresql/<version>/bin,"
            + " e.g. 'apt-get install postgresql').");

        var runAsUser = Environment.IsPrivilegedProcess ? await FindUnprivilegedUserAsync() : null;
        var root = Path.Combine(Path.GetTempPath(), "identity-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        Directory.CreateDirectory(Path.Combine(root, "socket"));
        if (runAsUser is not null)
        {
            await RunAsync("chown", ["-R", runAsUser, root], runAsUser: null);
        }

        var attempt = 0;
        while (true)
        {
            attempt++;
            var cluster = new LocalPostgresCluster(binDirectory, root, runAsUser, FreePort());
            try
            {
                if (attempt == 1)
                {
                    await cluster.InitDbAsync();
                }

                await cluster.StartServerAsync();
                return cluster;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // Most likely another process took the port between probe and start; try another.
            }
            catch
            {
                await cluster.DisposeAsync();
                throw;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
            {
                await RunAsync(Tool("pg_ctl"), ["-D", DataDirectory, "-m", "immediate", "-w", "stop"], _runAsUser);
            }
        }
        catch (InvalidOperationException)
        {
            // Already stopped; the directory goes either way.
        }
        finally
        {
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private async Task InitDbAsync() =>
        await RunAsync(
            Tool("initdb"),
            ["-D", DataDirectory, "-U", SuperUser, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
            _runAsUser);

    private async Task StartServerAsync()
    {
        var port = new NpgsqlConnectionStringBuilder(AdminConnectionString).Port;
        var socket = Path.Combine(_root, "socket");
        var serverOptions = $"-p {port} -k '{socket}' -c listen_addresses=127.0.0.1 -c fsync=off"
            + " -c synchronous_commit=off -c full_page_writes=off -c max_connections=300";
        try
        {
            await RunAsync(
                Tool("pg_ctl"),
                ["-D", DataDirectory, "-l", LogFile, "-w", "-t", "60", "-o", serverOptions, "start"],
                _runAsUser);
        }
        catch (InvalidOperationException ex)
        {
            var log = File.Exists(LogFile) ? await File.ReadAllTextAsync(LogFile) : "(no server log)";
            throw new InvalidOperationException($"{ex.Message}\nServer log:\n{log}", ex);
        }
    }

    private string Tool(string name) => Path.Combine(_binDirectory, name);

    private static string? FindBinDirectory()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var initdb = Path.Combine(directory, "initdb");
            if (File.Exists(initdb) && File.Exists(Path.Combine(directory, "pg_ctl")))
            {
                // Debian links only some tools into PATH; use the real directory.
                var target = new FileInfo(initdb).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? initdb;
                var real = Path.GetDirectoryName(target)!;
                return File.Exists(Path.Combine(real, "pg_ctl")) ? real : directory;
            }
        }

        const string debianRoot = "/usr/lib/postgresql";
        if (!Directory.Exists(debianRoot))
        {
            return null;
        }

        return Directory.GetDirectories(debianRoot)
            .Select(d => (Version: int.TryParse(Path.GetFileName(d), out var v) ? v : -1, Bin: Path.Combine(d, "bin")))
            .Where(x => File.Exists(Path.Combine(x.Bin, "initdb")) && File.Exists(Path.Combine(x.Bin, "pg_ctl")))
            .OrderByDescending(x => x.Version)
            .Select(x => x.Bin)
            .FirstOrDefault();
    }

    private static async Task<string> FindUnprivilegedUserAsync()
    {
        foreach (var user in new[] { "postgres", "nobody" })
        {
            try
            {
                await RunAsync("id", ["-u", user], runAsUser: null);
                return user;
            }
            catch (InvalidOperationException)
            {
            }
        }

        throw new InvalidOperationException("running as root, but there is neither a 'postgres' nor a 'nobody' user to run PostgreSQL as");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string fileName, IReadOnlyList<string> arguments, string? runAsUser)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (runAsUser is null)
        {
            start.FileName = fileName;
        }
        else if (File.Exists("/usr/sbin/runuser") || File.Exists("/sbin/runuser"))
        {
            start.FileName = "runuser";
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add(runAsUser);
            start.ArgumentList.Add("--");
            start.ArgumentList.Add(fileName);
        }
        else
        {
            start.FileName = "setpriv";
            start.ArgumentList.Add("--reuid=" + runAsUser);
            start.ArgumentList.Add("--regid=" + runAsUser);
            start.ArgumentList.Add("--init-groups");
            start.ArgumentList.Add(fileName);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{Path.GetFileName(fileName)} did not finish within {CommandTimeout}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(fileName)} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await stderr}{await stdout}");
        }
    }
}
