using System.Globalization;

namespace IdentityIssuer.Bench.EndToEnd;

/// <summary>Command line of the <c>e2e</c> mode.</summary>
internal sealed record EndToEndOptions
{
    public const string Usage = """
        e2e [--batch N] [--seconds S] [--warmup S] [--callers N] [--requests N]
            [--keys memory|disk] [--postgres CONNSTRING] [--cores N] [--openssl-seconds S]

          --batch N            SVIDs per MintBatchAsync call (default 100)
          --seconds S          measured minting time (default 20)
          --warmup S           minting before the measurement, not counted (default 5)
          --callers N          concurrent callers, each minting batch after batch (default 1)
          --requests N         distinct CSRs generated up front and reused in turn (default 4096)
          --keys memory|disk   key manager holding the CA key (default memory)
          --postgres CONN      record issuances in this PostgreSQL database instead of a temporary
                               SQLite file; rows are added to it and left there
          --cores N            cores the limit is computed for (default: the processor count)
          --openssl-seconds S  duration of each openssl speed run; it runs on 1 and on N cores,
                               before and after minting (default 5)
        """;

    public int Batch { get; init; } = 100;

    public int Seconds { get; init; } = 20;

    public int WarmupSeconds { get; init; } = 5;

    public int Callers { get; init; } = 1;

    public int Requests { get; init; } = 4096;

    public string Keys { get; init; } = "memory";

    public string? Postgres { get; init; }

    public int Cores { get; init; } = Environment.ProcessorCount;

    public int OpensslSeconds { get; init; } = 5;

    /// <summary>Parses the arguments after <c>e2e</c>; returns null and an error for a bad command line.</summary>
    public static EndToEndOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        var options = new EndToEndOptions();
        error = null;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                error = string.Empty;
                return null;
            }

            if (i + 1 >= args.Count)
            {
                error = $"{name} needs a value";
                return null;
            }

            var value = args[++i];
            switch (name)
            {
                case "--batch": options = options with { Batch = Positive(name, value, ref error) }; break;
                case "--seconds": options = options with { Seconds = Positive(name, value, ref error) }; break;
                case "--warmup": options = options with { WarmupSeconds = Positive(name, value, ref error, allowZero: true) }; break;
                case "--callers": options = options with { Callers = Positive(name, value, ref error) }; break;
                case "--requests": options = options with { Requests = Positive(name, value, ref error) }; break;
                case "--cores": options = options with { Cores = Positive(name, value, ref error) }; break;
                case "--openssl-seconds": options = options with { OpensslSeconds = Positive(name, value, ref error) }; break;
                case "--postgres": options = options with { Postgres = value }; break;
                case "--keys" when value is "memory" or "disk": options = options with { Keys = value }; break;
                case "--keys": error = "--keys must be memory or disk"; break;
                default: error = $"unknown option {name}"; break;
            }

            if (error is not null)
            {
                return null;
            }
        }

        return options;
    }

    private static int Positive(string name, string value, ref string? error, bool allowZero = false)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && (parsed > 0 || (allowZero && parsed == 0)))
        {
            return parsed;
        }

        error = $"{name} must be a {(allowZero ? "non-negative" : "positive")} integer, not '{value}'";
        return 0;
    }
}
