using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using IdentityIssuer.Tests.Common.Processes;

namespace IdentityIssuer.EndToEnd.Support;

/// <summary>
/// A real nginx (the Debian package's <c>/usr/sbin/nginx</c>) in the foreground (<c>daemon off;</c>)
/// with a generated minimal configuration: one TLS server on a free loopback port that answers every
/// request with 200 "ok", using the certificate and key files a file sink writes (or server blocks
/// the test gives, such as the deploy/ sample). Its configuration,
/// pid file, error log (level notice, so reloads show) and temp paths all live in its own directory.
/// It is stopped with SIGQUIT (graceful), or killed with its workers when that takes too long.
/// </summary>
public sealed class NginxProcess : IAsyncDisposable
{
    /// <summary>Where the Debian package installs nginx (test.sh installs it).</summary>
    public const string Executable = "/usr/sbin/nginx";

    /// <summary>The longest nginx may take to accept connections, or to stop after SIGQUIT.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private readonly StringBuilder _output = new();
    private Process? _process;

    /// <summary>Writes nginx.conf into <paramref name="directory"/> (created); starts nothing.</summary>
    /// <param name="directory">nginx's own directory: configuration, pid file, error log, temp paths.</param>
    /// <param name="certificateFile">The PEM chain nginx serves (leaf first).</param>
    /// <param name="keyFile">The PEM private key of the leaf.</param>
    public NginxProcess(string directory, string certificateFile, string keyFile)
        : this(directory, port => $$"""
                server {
                    listen 127.0.0.1:{{port.ToString(CultureInfo.InvariantCulture)}} ssl;
                    ssl_certificate {{certificateFile}};
                    ssl_certificate_key {{keyFile}};
                    # Every connection is a full handshake, so each one shows the certificate loaded now.
                    ssl_session_cache off;
                    ssl_session_tickets off;
                    location / {
                        default_type text/plain;
                        return 200 "ok";
                    }
                }
            """)
    {
    }

    /// <summary>Writes nginx.conf with the <c>server</c> block(s) <paramref name="servers"/> makes for the free port; starts nothing.</summary>
    public NginxProcess(string directory, Func<int, string> servers)
    {
        ArgumentNullException.ThrowIfNull(servers);
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        Port = FreePort.Next();
        WorkerUser = LocalUser.Named("nobody");
        var workerGroup = File.ReadLines("/etc/group").Select(l => l.Split(':')).First(f => f[2] == WorkerUser.Gid.ToString(CultureInfo.InvariantCulture))[0];
        var temp = (string name) => Path.Combine(directory, name);
        File.WriteAllText(ConfigFile, $$"""
            # The tests run as root. The master process stays root: it reads the certificate and the
            # key (0600, root's own) at start and on every reload, before it forks workers. The workers,
            # which talk to clients, run as an account that cannot read the key, as in a production setup.
            user {{WorkerUser.Name}} {{workerGroup}};
            daemon off;
            worker_processes 1;
            pid {{PidFile}};
            error_log {{ErrorLogFile}} notice;
            events {}
            http {
                access_log off;
                client_body_temp_path {{temp("client_body_temp")}};
                proxy_temp_path {{temp("proxy_temp")}};
                fastcgi_temp_path {{temp("fastcgi_temp")}};
                uwsgi_temp_path {{temp("uwsgi_temp")}};
                scgi_temp_path {{temp("scgi_temp")}};
            {{servers(Port)}}
            }

            """);
    }

    /// <summary>nginx's directory (configuration, pid file, error log, temp paths).</summary>
    public string Directory { get; }

    /// <summary>The configuration file passed with <c>-c</c>.</summary>
    public string ConfigFile => Path.Combine(Directory, "nginx.conf");

    /// <summary>The master's pid file (written even with <c>daemon off;</c>).</summary>
    public string PidFile => Path.Combine(Directory, "nginx.pid");

    /// <summary>The error log (also given with <c>-e</c>, so nginx never opens the system's log).</summary>
    public string ErrorLogFile => Path.Combine(Directory, "error.log");

    /// <summary>The loopback TLS port.</summary>
    public int Port { get; }

    /// <summary>The account of the worker processes.</summary>
    public LocalUser WorkerUser { get; }

    /// <summary>The shell command that makes this nginx reload, as an operator would put in a sink's <c>Command</c>.</summary>
    public string ReloadCommand => $"{Executable} -e {ErrorLogFile} -c {ConfigFile} -s reload";

    /// <summary>The master process id while it runs.</summary>
    public int? MasterPid => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>True once the started master has exited.</summary>
    public bool HasExited => _process is { HasExited: true };

    /// <summary>The error log so far and whatever nginx printed, for failure output.</summary>
    public string Log
    {
        get
        {
            var log = File.Exists(ErrorLogFile) ? File.ReadAllText(ErrorLogFile) : "(no error log)\n";
            lock (_gate)
            {
                return _output.Length == 0 ? log : log + "--- nginx stdout/stderr ---\n" + _output;
            }
        }
    }

    /// <summary>Starts nginx and waits until it wrote its pid file and accepts connections on <see cref="Port"/>.</summary>
    public async Task StartAsync()
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is missing: install the Debian package nginx (test.sh does)");
        }

        var process = new Process
        {
            StartInfo = ChildProcess.StartInfo(Executable, ["-e", ErrorLogFile, "-c", ConfigFile], env: null, Directory),
            EnableRaisingEvents = true,
        };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync();
                throw new InvalidOperationException($"nginx exited with code {process.ExitCode} while starting\n--- nginx log ---\n{Log}");
            }

            if (File.Exists(PidFile) && await AcceptsAsync())
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"nginx did not accept connections on 127.0.0.1:{Port} within {Timeout}\n--- nginx log ---\n{Log}");
    }

    /// <summary>The pid in the pid file, or null when it is missing or unreadable.</summary>
    public int? PidFromFile()
    {
        try
        {
            return int.Parse(File.ReadAllText(PidFile).Trim(), CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or FormatException or OverflowException)
        {
            return null;
        }
    }

    /// <summary>Stops nginx with SIGQUIT (graceful shutdown of master and workers); kills the tree if that takes too long.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                await ChildProcess.RunAsync("kill", ["-s", "QUIT", process.Id.ToString(CultureInfo.InvariantCulture)]);
                using var cts = new CancellationTokenSource(Timeout);
                try
                {
                    await process.WaitForExitAsync(cts.Token);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync(CancellationToken.None);
                }
            }
        }
        finally
        {
            process.Dispose();
        }
    }

    private async Task<bool> AcceptsAsync()
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(System.Net.IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _output.AppendLine(line);
        }
    }
}
