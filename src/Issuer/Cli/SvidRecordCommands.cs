using System.CommandLine;
using IdentityIssuer.Issuer.Api.Admin.Contracts;

namespace IdentityIssuer.Issuer.Cli;

/// <summary><c>svid list</c> and <c>svid show</c>: the issuance record, queried and explained.</summary>
internal static class SvidRecordCommands
{
    public static Command List()
    {
        var spiffeId = new Option<string>("--spiffe-id") { Description = "Only SVIDs with this SPIFFE ID" };
        var entryId = new Option<string>("--entry-id") { Description = "Only SVIDs minted for this registration entry" };
        var agentId = new Option<string>("--agent-id") { Description = "Only SVIDs this agent asked for (its own included)" };
        var authorityId = new Option<string>("--authority-id") { Description = "Only SVIDs signed by this authority (X.509: subject key identifier, hex; JWT: kid)" };
        var expiring = new Option<string>("--expiring-within") { Description = "Only unexpired SVIDs that expire within this long (90s, 15m, 1h, 2d)" };
        var revoked = new Option<bool>("--revoked") { Description = "Only revoked X509-SVIDs" };
        var pageSize = new Option<int?>("--page-size") { Description = "Records per page, 1 to 1000 (default 100)" };
        pageSize.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is { } n && n is < 1 or > Api.Admin.AdminPaging.MaxPageSize)
            {
                r.AddError($"--page-size: must be a number from 1 to {Api.Admin.AdminPaging.MaxPageSize} (got {n})");
            }
        });
        var pageToken = new Option<string>("--page-token") { Description = "Show the page after the one that printed this token" };
        var command = new Command(
            "list",
            "List issued SVIDs from the issuance record, one page at a time. Filters combine; the order is newest first, "
            + "or soonest expiry first with only --expiring-within, or latest revocation first with only --revoked")
        {
            spiffeId, entryId, agentId, authorityId, expiring, revoked, pageSize, pageToken,
        };
        command.SetAction((result, ct) => CliCommon.RunAsync(result, ct, async client =>
        {
            var query = new List<string>();
            Add(query, "spiffeId", result.GetValue(spiffeId));
            Add(query, "entryId", result.GetValue(entryId));
            Add(query, "agentId", result.GetValue(agentId));
            Add(query, "authorityId", result.GetValue(authorityId));
            if (result.GetValue(expiring) is not null)
            {
                Add(query, "expiringWithin", CliCommon.Seconds(result, expiring).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            if (result.GetValue(revoked))
            {
                Add(query, "revoked", "true");
            }

            if (result.GetValue(pageSize) is { } size)
            {
                Add(query, "pageSize", size.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            Add(query, "pageToken", result.GetValue(pageToken));
            var page = await client.GetAsync<SvidListView>($"v1/svids{(query.Count == 0 ? string.Empty : "?" + string.Join('&', query))}", ct);
            if (CliCommon.IsJson(result))
            {
                CliCommon.PrintJson(page);
                return 0;
            }

            Console.Out.WriteLine($"Found {page.Svids.Count} SVID(s){(page.NextPageToken is null ? string.Empty : " on this page")}");
            Console.Out.WriteLine($"{"SERIAL",-40} {"KIND",-4} {"NOT AFTER",-20} {"REVOKED",-7} SPIFFE ID");
            foreach (var s in page.Svids)
            {
                Console.Out.WriteLine($"{s.Serial,-40} {s.Kind,-4} {s.NotAfter.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} {(s.RevokedAt is null ? "no" : "yes"),-7} {s.SpiffeId}");
            }

            if (page.NextPageToken is { } next)
            {
                Console.Out.WriteLine($"Next page: --page-token {next}");
            }

            return 0;
        }));
        return command;
    }

    public static Command Show()
    {
        var serial = new Option<string>("--serial") { Description = "Serial number (hex; colons and case ignored) or JWT id", Required = true };
        var command = new Command(
            "show",
            "Explain one SVID: its SPIFFE ID, the entry and its selectors, the agent that asked (node attestor and node selectors), "
            + "the workload selectors the agent reported, the signing authority, validity, and whether it is revoked and on which CRL")
        {
            serial,
        };
        command.SetAction((result, ct) => CliCommon.RunAsync(result, ct, async client =>
        {
            var view = await client.GetAsync<SvidExplanationView>($"v1/svids/{Uri.EscapeDataString(result.GetValue(serial)!)}", ct);
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

    private static void PrintText(SvidExplanationView view)
    {
        var s = view.Svid;
        var o = Console.Out;
        o.WriteLine($"Serial            : {s.Serial} ({(s.Kind == "jwt" ? "JWT-SVID, jti" : "X509-SVID")})");
        o.WriteLine($"SPIFFE ID         : {s.SpiffeId}");
        o.WriteLine($"Issued at         : {s.IssuedAt:O}");
        o.WriteLine($"Not before        : {s.NotBefore:O}");
        o.WriteLine($"Not after         : {s.NotAfter:O}");
        o.WriteLine($"Key type          : {view.KeyType}");
        if (view.Entry is { } entry)
        {
            var revision = entry.RevisionAtIssuance is { } at ? $", minted from revision {at}" : string.Empty;
            if (entry.Exists)
            {
                o.WriteLine($"Entry             : {entry.Id} (revision {entry.CurrentRevision} now{revision})");
                o.WriteLine($"Entry parent ID   : {entry.ParentId}");
                o.WriteLine($"Entry selectors   : {Join(entry.Selectors)}");
            }
            else
            {
                o.WriteLine($"Entry             : {entry.Id} (deleted since{revision})");
            }
        }
        else
        {
            o.WriteLine("Entry             : none (minted directly by an admin, or an agent's own SVID)");
        }

        if (view.Agent is { } agent)
        {
            var now = !agent.AttestedNow ? "no longer attested" : agent.BannedNow ? "banned now" : "attested";
            o.WriteLine($"Agent             : {agent.Id} ({now})");
            o.WriteLine($"Node attestor     : {agent.NodeAttestor ?? "not recorded"}");
            o.WriteLine($"Node selectors    : {(agent.NodeSelectors is null ? "not recorded" : Join(agent.NodeSelectors))}");
        }
        else
        {
            o.WriteLine($"Asked by          : {s.Caller}");
        }

        o.WriteLine(view.Workload.Status switch
        {
            "reported" => $"Workload selectors: {Join(view.Workload.Selectors)}",
            "none-yet" => "Workload selectors: none yet (signed ahead of any workload asking; renewals report the workload served)",
            "not-reported" => "Workload selectors: not reported (the agent did not send them)",
            _ => "Workload selectors: not applicable (no workload asked)",
        });
        var a = view.Authority;
        o.WriteLine(a.Known
            ? $"Signing authority : {a.Id} ({a.Kind}, replica {a.Replica}, slot {a.Slot}, {a.Status})"
            : $"Signing authority : {a.Id} ({a.Kind}, no longer in the CA journal)");
        var r = view.Revocation;
        if (!r.Revoked)
        {
            o.WriteLine("Revocation        : not revoked");
        }
        else
        {
            var reason = string.IsNullOrEmpty(r.Reason) ? string.Empty : $", reason: {r.Reason}";
            o.WriteLine($"Revocation        : revoked at {r.RevokedAt:O} by {r.RevokedBy}{reason}");
            o.WriteLine(r.CrlNumber is { } number
                ? $"CRL               : listed on CRL number {number} of authority {r.CrlAuthorityId}"
                : $"CRL               : not on a CRL of authority {r.CrlAuthorityId} yet (its next CRL lists it)");
        }
    }

    private static string Join(IReadOnlyList<string> values) => values.Count == 0 ? "(none)" : string.Join(", ", values);

    private static void Add(List<string> query, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            query.Add($"{name}={Uri.EscapeDataString(value)}");
        }
    }
}
