using System.CommandLine;

namespace IdentityIssuer.Issuer.Cli;

/// <summary><c>bundle show</c>.</summary>
internal static class BundleCommands
{
    public static Command Create()
    {
        var format = new Option<string>("--format") { Description = "pem (CA certificates) or spiffe (SPIFFE bundle JSON)", DefaultValueFactory = _ => "pem" };
        CliCommon.AcceptOnly(format, "pem", "spiffe");
        var show = new Command("show", "Print this trust domain's bundle") { format };
        show.SetAction((result, ct) => CliCommon.RunAsync(result, ct, async client =>
        {
            var text = await client.GetTextAsync($"v1/bundle?format={result.GetValue(format)}", ct);
            Console.Out.Write(text.EndsWith('\n') ? text : text + "\n");
            return 0;
        }));
        var bundle = new Command("bundle", "Show the trust bundle");
        bundle.Subcommands.Add(show);
        return bundle;
    }
}
