using System.CommandLine;
using IdentityIssuer.Issuer.Api.Admin.Contracts;

namespace IdentityIssuer.Issuer.Cli;

/// <summary><c>token generate</c>.</summary>
internal static class TokenCommands
{
    public static Command Create()
    {
        var ttl = new Option<string>("--ttl") { Description = "How long the token may be used (default 600s)" };
        var generate = new Command("generate", "Generate a single-use join token for an agent") { ttl };
        generate.SetAction((result, ct) => CliCommon.RunAsync(result, ct, async client =>
        {
            var view = await client.PostAsync<JoinTokenView>("v1/join-tokens", new JoinTokenRequest(CliCommon.Seconds(result, ttl)), ct);
            if (CliCommon.IsJson(result))
            {
                CliCommon.PrintJson(view);
            }
            else
            {
                Console.Out.WriteLine($"Token      : {view.Token}");
                Console.Out.WriteLine($"Agent ID   : {view.AgentId}");
                Console.Out.WriteLine($"Expires at : {view.ExpiresAt:O}");
            }

            return 0;
        }));
        var token = new Command("token", "Manage join tokens");
        token.Subcommands.Add(generate);
        return token;
    }
}
