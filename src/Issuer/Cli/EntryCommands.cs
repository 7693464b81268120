using System.CommandLine;
using IdentityIssuer.Issuer.Api.Admin.Contracts;
using IdentityIssuer.Issuer.Registration;

namespace IdentityIssuer.Issuer.Cli;

/// <summary><c>entry create|update|delete|show|list</c>, and (<see cref="EntrySimulateCommands"/>) <c>entry simulate</c> and <c>--dry-run</c>.</summary>
internal static class EntryCommands
{
    public static Command Create()
    {
        var entry = new Command("entry", "Manage registration entries");
        entry.Subcommands.Add(CreateOrUpdate(update: false));
        entry.Subcommands.Add(CreateOrUpdate(update: true));
        entry.Subcommands.Add(Delete());
        entry.Subcommands.Add(Show());
        entry.Subcommands.Add(List());
        entry.Subcommands.Add(EntrySimulateCommands.Simulate());
        return entry;
    }

    private static Command CreateOrUpdate(bool update)
    {
        var id = new Option<string>("--id") { Description = "Entry id to update", Required = update };
        var spiffeId = new Option<string>("--spiffe-id") { Description = "SPIFFE ID the entry grants", Required = !update };
        var parentId = new Option<string>("--parent-id") { Description = "SPIFFE ID of the agent (or node alias) the workload runs under", Required = !update };
        var selectors = new Option<string[]>("--selector") { Description = "Selector type:value the caller must have (repeat for more, at most 64; value at most 1024 characters)" };
        var x509Ttl = new Option<string>("--x509-ttl") { Description = "X509-SVID lifetime (90s, 15m, 1h, 2d); default: the issuer's" };
        var jwtTtl = new Option<string>("--jwt-ttl") { Description = "JWT-SVID lifetime; default: the issuer's" };
        var dns = new Option<string[]>("--dns") { Description = "DNS SAN to add to X509-SVIDs (repeat for more, at most 64)" };
        var hint = new Option<string>("--hint") { Description = "Hint telling the workload what this SVID is for (at most 1024 bytes)" };
        var admin = new Option<bool>("--admin") { Description = "Holders may use the admin API" };
        var downstream = new Option<bool>("--downstream") { Description = "Holders may act as a downstream CA" };
        var expiresAt = new Option<DateTimeOffset?>("--expires-at") { Description = "When the entry expires (ISO 8601)" };
        var dryRun = EntrySimulateCommands.DryRunOption();

        var command = new Command(update ? "update" : "create", update
            ? "Update an entry; flags not given keep their values, --selector replaces the whole set"
            : "Create an entry; prints its id")
        {
            spiffeId, parentId, selectors, x509Ttl, jwtTtl, dns, hint, admin, downstream, expiresAt, dryRun,
        };
        if (update)
        {
            command.Options.Insert(0, id);
        }

        command.SetAction((result, ct) => CliCommon.RunAsync(result, ct, async client =>
        {
            EntryInput input;
            if (update)
            {
                var current = await client.GetAsync<EntryView>($"v1/entries/{Uri.EscapeDataString(result.GetValue(id)!)}", ct);
                input = new EntryInput
                {
                    SpiffeId = result.GetValue(spiffeId) ?? current.SpiffeId,
                    ParentId = result.GetValue(parentId) ?? current.ParentId,
                    Selectors = result.GetValue(selectors) is { Length: > 0 } s ? s : current.Selectors,
                    X509SvidTtl = result.GetValue(x509Ttl) is null ? current.X509SvidTtl : CliCommon.Seconds(result, x509Ttl),
                    JwtSvidTtl = result.GetValue(jwtTtl) is null ? current.JwtSvidTtl : CliCommon.Seconds(result, jwtTtl),
                    DnsNames = result.GetValue(dns) is { Length: > 0 } d ? d : current.DnsNames,
                    Hint = result.GetValue(hint) ?? current.Hint,
                    Admin = result.GetResult(admin) is null ? current.Admin : result.GetValue(admin),
                    Downstream = result.GetResult(downstream) is null ? current.Downstream : result.GetValue(downstream),
                    ExpiresAt = result.GetValue(expiresAt) ?? current.ExpiresAt,
                };
            }
            else
            {
                input = new EntryInput
                {
                    SpiffeId = result.GetValue(spiffeId),
                    ParentId = result.GetValue(parentId),
                    Selectors = result.GetValue(selectors) ?? [],
                    X509SvidTtl = CliCommon.Seconds(result, x509Ttl),
                    JwtSvidTtl = CliCommon.Seconds(result, jwtTtl),
                    DnsNames = result.GetValue(dns) ?? [],
                    Hint = result.GetValue(hint),
                    Admin = result.GetValue(admin),
                    Downstream = result.GetValue(downstream),
                    ExpiresAt = result.GetValue(expiresAt),
                };
            }

            if (result.GetValue(dryRun))
            {
                var path = update ? $"v1/entries/{Uri.EscapeDataString(result.GetValue(id)!)}?dryRun=true" : "v1/entries?dryRun=true";
                EntrySimulateCommands.Print(result, update
                    ? await client.PutAsync<EntryDryRunView>(path, input, ct)
                    : await client.PostAsync<EntryDryRunView>(path, input, ct));
                return 0;
            }

            var view = update
                ? await client.PutAsync<EntryView>($"v1/entries/{Uri.EscapeDataString(result.GetValue(id)!)}", input, ct)
                : await client.PostAsync<EntryView>("v1/entries", input, ct);
            Print(result, view);
            return 0;
        }));
        return command;
    }

    private static Command Delete()
    {
        var id = new Option<string>("--id") { Description = "Entry id", Required = true };
        var dryRun = EntrySimulateCommands.DryRunOption();
        var command = new Command("delete", "Delete an entry") { id, dryRun };
        command.SetAction((result, ct) => CliCommon.RunAsync(result, ct, async client =>
        {
            if (result.GetValue(dryRun))
            {
                EntrySimulateCommands.Print(result, await client.DeleteAsync<EntryDryRunView>($"v1/entries/{Uri.EscapeDataString(result.GetValue(id)!)}?dryRun=true", ct));
                return 0;
            }

            var view = await client.DeleteAsync<EntryView>($"v1/entries/{Uri.EscapeDataString(result.GetValue(id)!)}", ct);
            if (CliCommon.IsJson(result))
            {
                CliCommon.PrintJson(view);
            }
            else
            {
                Console.Out.WriteLine($"Deleted entry {view.Id}");
            }

            return 0;
        }));
        return command;
    }

    private static Command Show()
    {
        var id = new Option<string>("--id") { Description = "Entry id", Required = true };
        var command = new Command("show", "Show one entry") { id };
        command.SetAction((result, ct) => CliCommon.RunAsync(result, ct, async client =>
        {
            Print(result, await client.GetAsync<EntryView>($"v1/entries/{Uri.EscapeDataString(result.GetValue(id)!)}", ct));
            return 0;
        }));
        return command;
    }

    private static Command List()
    {
        var spiffeId = new Option<string>("--spiffe-id") { Description = "Only entries with this SPIFFE ID" };
        var parentId = new Option<string>("--parent-id") { Description = "Only entries with this parent ID" };
        var selectors = new Option<string[]>("--selector") { Description = "Selector to match (repeat for more)" };
        var match = new Option<string>("--match") { Description = "How selectors match: exact, subset (entry's selectors within these) or superset (entry has all of these)", DefaultValueFactory = _ => "exact" };
        CliCommon.AcceptOnly(match, "exact", "subset", "superset");
        var command = new Command("list", "List entries, optionally filtered") { spiffeId, parentId, selectors, match };
        command.SetAction((result, ct) => CliCommon.RunAsync(result, ct, async client =>
        {
            var query = new List<string>();
            Add(query, "spiffeId", result.GetValue(spiffeId));
            Add(query, "parentId", result.GetValue(parentId));
            foreach (var s in result.GetValue(selectors) ?? [])
            {
                Add(query, "selector", s);
            }

            Add(query, "match", result.GetValue(match));
            var all = new List<EntryView>();
            string? token = null;
            do
            {
                var page = await client.GetAsync<EntryListView>($"v1/entries?{string.Join('&', query)}{(token is null ? string.Empty : "&pageToken=" + Uri.EscapeDataString(token))}", ct);
                all.AddRange(page.Entries);
                token = page.NextPageToken;
            }
            while (token is not null);

            if (CliCommon.IsJson(result))
            {
                CliCommon.PrintJson(new { entries = all });
                return 0;
            }

            Console.Out.WriteLine($"Found {all.Count} {(all.Count == 1 ? "entry" : "entries")}");
            foreach (var view in all)
            {
                Console.Out.WriteLine();
                PrintText(view);
            }

            return 0;
        }));
        return command;
    }

    private static void Add(List<string> query, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            query.Add($"{name}={Uri.EscapeDataString(value)}");
        }
    }

    private static void Print(ParseResult result, EntryView view)
    {
        if (CliCommon.IsJson(result))
        {
            CliCommon.PrintJson(view);
        }
        else
        {
            PrintText(view);
        }
    }

    private static void PrintText(EntryView view)
    {
        Console.Out.WriteLine($"Entry ID         : {view.Id}");
        Console.Out.WriteLine($"SPIFFE ID        : {view.SpiffeId}");
        Console.Out.WriteLine($"Parent ID        : {view.ParentId}");
        Console.Out.WriteLine($"Revision         : {view.RevisionNumber}");
        Console.Out.WriteLine($"X509-SVID TTL    : {Durations.Describe(view.X509SvidTtl)}");
        Console.Out.WriteLine($"JWT-SVID TTL     : {Durations.Describe(view.JwtSvidTtl)}");
        foreach (var selector in view.Selectors)
        {
            Console.Out.WriteLine($"Selector         : {selector}");
        }

        foreach (var dns in view.DnsNames)
        {
            Console.Out.WriteLine($"DNS name         : {dns}");
        }

        if (view.Hint.Length > 0)
        {
            Console.Out.WriteLine($"Hint             : {view.Hint}");
        }

        if (view.Admin)
        {
            Console.Out.WriteLine("Admin            : true");
        }

        if (view.Downstream)
        {
            Console.Out.WriteLine("Downstream       : true");
        }

        if (view.ExpiresAt is { } expires)
        {
            Console.Out.WriteLine($"Expires at       : {expires:O}");
        }
    }
}
