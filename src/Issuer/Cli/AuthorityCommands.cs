using System.CommandLine;
using IdentityIssuer.Issuer.Api.Admin.Contracts;

namespace IdentityIssuer.Issuer.Cli;

/// <summary><c>authority x509|jwt show|prepare|activate</c>.</summary>
internal static class AuthorityCommands
{
    public static Command Create()
    {
        var authority = new Command("authority", "Show and rotate the X.509 CA and the JWT signing key (A/B slots)");
        authority.Subcommands.Add(ForKind("x509", "the X.509 CA that signs X509-SVIDs"));
        authority.Subcommands.Add(ForKind("jwt", "the key that signs JWT-SVIDs"));
        return authority;
    }

    private static Command ForKind(string kind, string what)
    {
        var show = new Command("show", $"List the journal of {what}: active, prepared and old authorities, oldest first");
        show.SetAction((result, ct) => CliCommon.RunAsync(result, ct, async client =>
        {
            var list = await client.GetAsync<AuthorityListView>($"v1/authorities/{kind}", ct);
            if (CliCommon.IsJson(result))
            {
                CliCommon.PrintJson(list);
            }
            else
            {
                Console.Out.WriteLine($"{"ID",-42} {"SLOT",-4} {"STATUS",-8} {"NOT BEFORE",-20} {"NOT AFTER",-20} UPSTREAM");
                foreach (var a in list.Authorities)
                {
                    Console.Out.WriteLine($"{a.Id,-42} {a.Slot,-4} {a.Status,-8} {a.NotBefore.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} {a.NotAfter.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} {(a.Upstream ? "yes" : "no")}");
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

        var command = new Command(kind, $"Show and rotate {what}");
        command.Subcommands.Add(show);
        command.Subcommands.Add(prepare);
        command.Subcommands.Add(activate);
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
    }
}
