using System.CommandLine;
using IdentityIssuer.Issuer.Api.Admin.Contracts;

namespace IdentityIssuer.Issuer.Cli;

/// <summary><c>authority x509|jwt show|prepare|activate|taint|revoke</c>.</summary>
internal static class AuthorityCommands
{
    public static Command Create()
    {
        var authority = new Command("authority", "Show, rotate, taint and revoke the X.509 CA and the JWT signing key (A/B slots)");
        authority.Subcommands.Add(ForKind("x509", "the X.509 CA that signs X509-SVIDs"));
        authority.Subcommands.Add(ForKind("jwt", "the key that signs JWT-SVIDs"));
        return authority;
    }

    private static Command ForKind(string kind, string what)
    {
        var show = new Command("show", $"List the journal of {what}: every replica's active, prepared, old, tainted and revoked authorities, oldest first");
        show.SetAction((result, ct) => CliCommon.RunAsync(result, ct, async client =>
        {
            var list = await client.GetAsync<AuthorityListView>($"v1/authorities/{kind}", ct);
            if (CliCommon.IsJson(result))
            {
                CliCommon.PrintJson(list);
            }
            else
            {
                Console.Out.WriteLine($"{"ID",-42} {"SLOT",-4} {"STATUS",-8} {"NOT BEFORE",-20} {"NOT AFTER",-20} {"UPSTREAM",-8} REPLICA");
                foreach (var a in list.Authorities)
                {
                    Console.Out.WriteLine($"{a.Id,-42} {a.Slot,-4} {a.Status,-8} {a.NotBefore.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} {a.NotAfter.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} {(a.Upstream ? "yes" : "no"),-8} {a.Replica}");
                }
            }

            return 0;
        }));

        var prepare = new Command("prepare", $"Prepare the next {kind} authority now in the free slot: published in the bundle, not signing yet");
        prepare.SetAction((result, ct) => CliCommon.RunAsync(result, ct, async client =>
        {
            Print(result, "Prepared", await client.PostAsync<AuthorityView>($"v1/authorities/{kind}/prepare", new { }, ct));
            return 0;
        }));

        var activate = new Command("activate", $"Make the prepared {kind} authority sign from now on; the previous one becomes old and stays trusted");
        activate.SetAction((result, ct) => CliCommon.RunAsync(result, ct, async client =>
        {
            Print(result, "Activated", await client.PostAsync<AuthorityView>($"v1/authorities/{kind}/activate", new { }, ct));
            return 0;
        }));

        var taintId = new Option<string>("--id") { Description = "Id of the old authority to taint (as 'show' lists it)", Required = true };
        var taint = new Command("taint", $"Mark an old {kind} authority as untrusted: agents replace everything it signed within a sync interval; it stays in the bundle until revoked") { taintId };
        taint.SetAction((result, ct) => CliCommon.RunAsync(result, ct, async client =>
        {
            Print(result, "Tainted", await client.PostAsync<AuthorityView>($"v1/authorities/{kind}/taint", new AuthorityActionRequest(result.GetValue(taintId)), ct));
            return 0;
        }));

        var revokeId = new Option<string>("--id") { Description = "Id of the tainted authority to revoke (as 'show' lists it)", Required = true };
        var revoke = new Command("revoke", $"Remove a tainted {kind} authority from the bundle: nothing it signed validates any more") { revokeId };
        revoke.SetAction((result, ct) => CliCommon.RunAsync(result, ct, async client =>
        {
            Print(result, "Revoked", await client.PostAsync<AuthorityView>($"v1/authorities/{kind}/revoke", new AuthorityActionRequest(result.GetValue(revokeId)), ct));
            return 0;
        }));

        var command = new Command(kind, $"Show, rotate, taint and revoke {what}");
        command.Subcommands.Add(show);
        command.Subcommands.Add(prepare);
        command.Subcommands.Add(activate);
        command.Subcommands.Add(taint);
        command.Subcommands.Add(revoke);
        return command;
    }

    private static void Print(ParseResult result, string verb, AuthorityView view)
    {
        if (CliCommon.IsJson(result))
        {
            CliCommon.PrintJson(view);
            return;
        }

        Console.Out.WriteLine($"{verb} {view.Kind} authority {view.Id}");
        Console.Out.WriteLine($"Slot      : {view.Slot}");
        Console.Out.WriteLine($"Status    : {view.Status}");
        Console.Out.WriteLine($"Not after : {view.NotAfter:O}");
        Console.Out.WriteLine($"Key       : {view.KeyId}");
        Console.Out.WriteLine($"Replica   : {view.Replica}");
    }
}
