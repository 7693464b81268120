using System.Globalization;

namespace IdentityIssuer.Bench.GatewayBench;

/// <summary>Command line of the <c>gateway</c> mode.</summary>
internal sealed record GatewayBenchOptions
{
    public const string Usage = """
        gateway [--samples N] [--warmup N] [--seconds S] [--concurrency C]

          --samples N      sequential requests per path for the latency percentiles (default 2000)
          --warmup N       requests per path before measuring, not counted (default 200)
          --seconds S      duration of each throughput run (default 10)
          --concurrency C  concurrent callers in the throughput runs, each on its own connection (default 16)
        """;

    public int Samples { get; init; } = 2000;

    public int Warmup { get; init; } = 200;

    public int Seconds { get; init; } = 10;

    public int Concurrency { get; init; } = 16;

    /// <summary>Parses the arguments after <c>gateway</c>; null and an error (empty for --help) when bad.</summary>
    public static GatewayBenchOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        var options = new GatewayBenchOptions();
        error = null;
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] is "-h" or "--help")
            {
                error = string.Empty;
                return null;
            }

            if (i + 1 >= args.Count || !int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value <= 0)
            {
                error = $"{args[i]} needs a positive number";
                return null;
            }

            switch (args[i])
            {
                case "--samples": options = options with { Samples = value }; break;
                case "--warmup": options = options with { Warmup = value }; break;
                case "--seconds": options = options with { Seconds = value }; break;
                case "--concurrency": options = options with { Concurrency = value }; break;
                default:
                    error = $"unknown option {args[i]}";
                    return null;
            }

            i++;
        }

        return options;
    }
}
