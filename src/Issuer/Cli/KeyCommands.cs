using System.CommandLine;
using IdentityIssuer.Issuer.Api.Admin.Contracts;

namespace IdentityIssuer.Issuer.Cli;

/// <summary><c>keys list</c>.</summary>
internal static class KeyCommands
{
    public static Command Create()
    {
        var list = new Command("list", "List every key in the issuer's key manager and in the upstream key manager, and which authority uses it (x509, jwt, upstream-root or unused)");
        list.SetAction((result, ct) => CliCommon.RunAsync(result, ct, async client =>
        {
            var view = await client.GetAsync<KeyListView>("v1/keys", ct);
            if (CliCommon.IsJson(result))
            {
                CliCommon.PrintJson(view);
                return 0;
            }

            Console.Out.WriteLine($"{"KEY ID",-40} {"TYPE",-8} {"MANAGER",-8} {"SECTION",-22} {"USED BY",-13} {"AUTHORITY",-42} {"SLOT",-4} {"STATUS",-8} CREATED");
            foreach (var k in view.Keys)
            {
                var created = k.CreatedAt is { } at ? at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture) : "-";
                Console.Out.WriteLine($"{k.KeyId,-40} {k.KeyType,-8} {k.KeyManager,-8} {k.Section,-22} {k.UsedBy,-13} {k.AuthorityId ?? "-",-42} {k.Slot ?? "-",-4} {k.Status ?? "-",-8} {created}");
            }

            return 0;
        }));
        var keys = new Command("keys", "Show the keys the key managers hold");
        keys.Subcommands.Add(list);
        return keys;
    }
}
