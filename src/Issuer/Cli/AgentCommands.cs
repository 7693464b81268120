using System.CommandLine;
using IdentityIssuer.Issuer.Api.Admin.Contracts;

namespace IdentityIssuer.Issuer.Cli;

/// <summary><c>agent list|show|evict|ban|unban</c>.</summary>
internal static class AgentCommands
{
    public static Command Create()
    {
        var agent = new Command("agent", "Manage attested agents (nodes)");
        agent.Subcommands.Add(List());
        agent.Subcommands.Add(Show());
        agent.Subcommands.Add(Action(
            "evict",
            "Evict an agent: delete its attested node so its next call is refused and it must attest again "
            + "(it does so by itself; an x509pop agent succeeds, a join-token agent needs a new token)",
            "Evicted"));
        agent.Subcommands.Add(Action(
            "ban",
            "Ban an agent: refuse its attestation and every call it makes until it is unbanned, and revoke "
            + "every unexpired X509-SVID it obtained (its own and its workloads'; unban does not un-revoke them)",
            "Banned"));
        agent.Subcommands.Add(Action("unban", "Lift an agent's ban; it may call and attest again", "Unbanned"));
        return agent;
    }

    private static Option<string> IdOption() => new("--id") { Description = "The agent's SPIFFE ID (spiffe://TD/identity-issuer/agent/…)", Required = true };

    private static Command List()
    {
        var command = new Command("list", "List every attested agent");
        command.SetAction((result, ct) => CliCommon.RunAsync(result, ct, async client =>
        {
            var all = new List<AgentView>();
            string? token = null;
            do
            {
                var page = await client.GetAsync<AgentListView>($"v1/agents{(token is null ? string.Empty : "?pageToken=" + Uri.EscapeDataString(token))}", ct);
                all.AddRange(page.Agents);
                token = page.NextPageToken;
            }
            while (token is not null);

            if (CliCommon.IsJson(result))
            {
                CliCommon.PrintJson(new { agents = all });
                return 0;
            }

            Console.Out.WriteLine($"Found {all.Count} attested {(all.Count == 1 ? "agent" : "agents")}");
            foreach (var view in all)
            {
                Console.Out.WriteLine();
                PrintText(view);
            }

            return 0;
        }));
        return command;
    }

    private static Command Show()
    {
        var id = IdOption();
        var command = new Command("show", "Show one attested agent") { id };
        command.SetAction((result, ct) => CliCommon.RunAsync(result, ct, async client =>
        {
            var view = await client.GetAsync<AgentView>($"v1/agents/{Uri.EscapeDataString(result.GetValue(id)!)}", ct);
            if (CliCommon.IsJson(result))
            {
                CliCommon.PrintJson(view);
            }
            else
            {
                PrintText(view);
            }

            return 0;
        }));
        return command;
    }

    private static Command Action(string name, string description, string done)
    {
        var id = IdOption();
        var command = new Command(name, description) { id };
        command.SetAction((result, ct) => CliCommon.RunAsync(result, ct, async client =>
        {
            var view = await client.PostAsync<AgentView>($"v1/agents/{name}", new AgentActionRequest(result.GetValue(id)), ct);
            if (CliCommon.IsJson(result))
            {
                CliCommon.PrintJson(view);
            }
            else
            {
                Console.Out.WriteLine($"{done} agent {view.AgentId}");
            }

            return 0;
        }));
        return command;
    }

    private static void PrintText(AgentView view)
    {
        Console.Out.WriteLine($"Agent ID         : {view.AgentId}");
        Console.Out.WriteLine($"Attestation type : {view.AttestationType}");
        Console.Out.WriteLine($"SVID serial      : {view.SvidSerial}");
        Console.Out.WriteLine($"SVID expires at  : {view.SvidExpiresAt:O}");
        if (view.PendingSvidSerial is not null)
        {
            Console.Out.WriteLine($"Renewed SVID     : {view.PendingSvidSerial} (not used yet; becomes current at first use)");
        }

        Console.Out.WriteLine($"Banned           : {(view.Banned ? "true" : "false")}");
        Console.Out.WriteLine($"Can re-attest    : {(view.CanReattest ? "true" : "false")}");
        foreach (var selector in view.Selectors)
        {
            Console.Out.WriteLine($"Selector         : {selector}");
        }

        Console.Out.WriteLine($"Attested at      : {view.AttestedAt:O}");
        Console.Out.WriteLine($"Last seen at     : {view.LastSeenAt:O}");
    }
}
