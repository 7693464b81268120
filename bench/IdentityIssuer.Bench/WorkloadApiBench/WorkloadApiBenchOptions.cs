using System.Globalization;

namespace IdentityIssuer.Bench.WorkloadApiBench;

/// <summary>Command line of the <c>workload-api</c> mode.</summary>
internal sealed record WorkloadApiBenchOptions
{
    public const string Usage = """
        workload-api [--entries N] [--samples N] [--warmup N] [--bin DIR] [--agent-gc server|workstation]
                     [--sync-timeout S] [--settle S] [--keep]

          --entries N       registration entries parented to the agent (default 1000): N-1 for other
                            uids (unix:uid:100000+i) and, created last, one for this process's uid
          --samples N       sequential calls measured per method, each on a new connection (default 500)
          --warmup N        calls per method before the measurement, not counted (default 10)
          --bin DIR         directory holding the published identity-issuer and identity-agent
                            (default: next to this program, else .local/bin in the current
                            directory or one of its parents)
          --agent-gc MODE   run the agent with server GC (as shipped) or workstation GC
                            (DOTNET_gcServer=0); default: as shipped
          --sync-timeout S  longest wait for the agent to attest, sync and mint every entry (default 180)
          --settle S        idle time after the sync before memory is read and calls start (default 6,
                            longer than the agent's 5 s sync interval)
          --keep            keep the temporary directory (data, logs) and print its path

        Prepare once:
          dotnet publish src/Issuer -c Release -o .local/bin
          dotnet publish src/Agent -c Release -o .local/bin
        """;

    public int Entries { get; init; } = 1000;

    public int Samples { get; init; } = 500;

    public int Warmup { get; init; } = 10;

    public string? Bin { get; init; }

    public string? AgentGc { get; init; }

    public int SyncTimeoutSeconds { get; init; } = 180;

    public int SettleSeconds { get; init; } = 6;

    public bool Keep { get; init; }

    /// <summary>Parses the arguments after <c>workload-api</c>; returns null and an error (empty for --help) for a bad command line.</summary>
    public static WorkloadApiBenchOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        var options = new WorkloadApiBenchOptions();
        error = null;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                error = string.Empty;
                return null;
            }

            if (name == "--keep")
            {
                options = options with { Keep = true };
                continue;
            }

            if (i + 1 >= args.Count)
            {
                error = $"{name} needs a value";
                return null;
            }

            var value = args[++i];
            switch (name)
            {
                case "--entries": options = options with { Entries = Number(name, value, 1, ref error) }; break;
                case "--samples": options = options with { Samples = Number(name, value, 1, ref error) }; break;
                case "--warmup": options = options with { Warmup = Number(name, value, 0, ref error) }; break;
                case "--sync-timeout": options = options with { SyncTimeoutSeconds = Number(name, value, 1, ref error) }; break;
                case "--settle": options = options with { SettleSeconds = Number(name, value, 0, ref error) }; break;
                case "--bin": options = options with { Bin = value }; break;
                case "--agent-gc" when value is "server" or "workstation": options = options with { AgentGc = value }; break;
                case "--agent-gc": error = "--agent-gc must be server or workstation"; break;
                default: error = $"unknown option {name}"; break;
            }

            if (error is not null)
            {
                return null;
            }
        }

        return options;
    }

    private static int Number(string name, string value, int min, ref string? error)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min)
        {
            return n;
        }

        error = $"{name} must be a whole number >= {min} (got '{value}')";
        return 0;
    }
}
