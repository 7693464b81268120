using System.CommandLine;
using IdentityIssuer.Issuer.Api.Admin.Contracts;

namespace IdentityIssuer.Issuer.Cli;

/// <summary><c>entry simulate</c> and the <c>--dry-run</c> flag of <c>entry create|update|delete</c>.</summary>
internal static class EntrySimulateCommands
{
    public static Option<bool> DryRunOption() => new("--dry-run")
    {
        Description = "Store nothing; print which agents the change would affect (entries gained, lost or changed) and how many of their current SVIDs",
    };

    public static Command Simulate()
    {
        var agentId = new Option<string>("--agent-id") { Description = "The attested agent the workload runs under", Required = true };
        var selectors = new Option<string[]>("--selector") { Description = "A selector the workload has, type:value (repeat for more)", Required = true };
        var command = new Command(
            "simulate",
            "Print which SPIFFE IDs a workload with these selectors under this agent would get, by the agent API's own "
            + "authorization and the agent's own matching; stores nothing")
        {
            agentId, selectors,
        };
        command.SetAction((result, ct) => CliCommon.RunAsync(result, ct, async client =>
        {
            var view = await client.PostAsync<EntrySimulationView>("v1/entries/simulate", new EntrySimulateRequest(result.GetValue(agentId), result.GetValue(selectors)), ct);
            if (CliCommon.IsJson(result))
            {
                CliCommon.PrintJson(view);
                return 0;
            }

            Console.Out.WriteLine($"Agent {view.AgentId}{(view.Banned ? " is banned: its workloads get nothing" : string.Empty)}");
            Console.Out.WriteLine($"Node selectors   : {string.Join(", ", view.NodeSelectors)}");
            Console.Out.WriteLine($"Workload         : {string.Join(", ", view.Selectors)}");
            Console.Out.WriteLine($"The agent is authorized for {view.AuthorizedEntries} entries; this workload would get {view.Matches.Count} SPIFFE ID(s)");
            foreach (var entry in view.Matches)
            {
                Console.Out.WriteLine($"  {entry.SpiffeId}  (entry {entry.Id}, parent {entry.ParentId}, selectors {string.Join(", ", entry.Selectors)})");
            }

            return 0;
        }));
        return command;
    }

    public static void Print(ParseResult result, EntryDryRunView view)
    {
        if (CliCommon.IsJson(result))
        {
            CliCommon.PrintJson(view);
            return;
        }

        Console.Out.WriteLine($"Dry run of {view.Action} of entry {view.Entry.Id} ({view.Entry.SpiffeId}); nothing was stored");
        Console.Out.WriteLine($"{view.Agents.Count} of {view.AgentsChecked} attested agent(s) would be affected");
        foreach (var agent in view.Agents)
        {
            Console.Out.WriteLine();
            Console.Out.WriteLine($"Agent {agent.AgentId}: {agent.EntriesBefore} → {agent.EntriesAfter} entries, {agent.CurrentSvids} current SVID(s) of lost or changed entries");
            foreach (var e in agent.Gained)
            {
                Console.Out.WriteLine($"  + {e.SpiffeId} (entry {e.Id})");
            }

            foreach (var e in agent.Lost)
            {
                Console.Out.WriteLine($"  - {e.SpiffeId} (entry {e.Id})");
            }

            foreach (var e in agent.Changed)
            {
                Console.Out.WriteLine($"  ~ {e.SpiffeId} (entry {e.Id})");
            }
        }
    }
}
