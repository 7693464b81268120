using BenchmarkDotNet.Running;
using IdentityIssuer.Bench.EndToEnd;
using IdentityIssuer.Bench.GatewayBench;
using IdentityIssuer.Bench.Micro;
using IdentityIssuer.Bench.WorkloadApiBench;

const string usage = """
    usage: IdentityIssuer.Bench micro [BenchmarkDotNet options, e.g. --filter *Csr*]
           IdentityIssuer.Bench e2e [--batch N] [--seconds S] ... (e2e --help for all)
           IdentityIssuer.Bench workload-api [--entries N] [--samples N] [--bin DIR] ... (workload-api --help for all)
           IdentityIssuer.Bench gateway [--samples N] [--seconds S] [--concurrency C] (gateway --help for all)

      micro  BenchmarkDotNet micro-benchmarks of the signing path (short runs, in process)
      e2e    mints SVIDs through the real services and compares with openssl speed ecdsap256
      workload-api  starts the published identity-issuer and identity-agent, registers N entries
             under the agent and measures Workload API first-response latency and the agent's memory
      gateway  the gateway's added latency (p50/p99) against calling the tool API directly, and requests/s
    """;

switch (args.FirstOrDefault())
{
    case "micro":
        var rest = args.Skip(1).ToArray();
        // Without a filter BenchmarkDotNet asks interactively which benchmarks to run; run them all.
        var filtered = rest.Any(a => a is "--filter" or "-f" or "--list" or "--help" or "-h") ? rest : [.. rest, "--filter", "*"];
        BenchmarkSwitcher.FromAssembly(typeof(MicroConfig).Assembly).Run(filtered, new MicroConfig());
        return 0;
    case "e2e":
        return await EndToEndDriver.RunAsync(args.Skip(1).ToArray());
    case "workload-api":
        return await WorkloadApiBenchDriver.RunAsync(args.Skip(1).ToArray());
    case "gateway":
        return await GatewayBenchDriver.RunAsync(args.Skip(1).ToArray());
    case "-h" or "--help":
        Console.WriteLine(usage);
        return 0;
    default:
        await Console.Error.WriteLineAsync(usage);
        return 2;
}
