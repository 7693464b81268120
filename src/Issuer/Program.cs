using System.CommandLine;
using IdentityIssuer.Issuer.Cli;

var root = new RootCommand("identity-issuer: a SPIFFE workload certificate authority")
{
    CliCommon.Socket,
    CliCommon.Output,
};
root.Subcommands.Add(ServerCommands.Run());
root.Subcommands.Add(ServerCommands.Migrate());
root.Subcommands.Add(EntryCommands.Create());
root.Subcommands.Add(AgentCommands.Create());
root.Subcommands.Add(TokenCommands.Create());
root.Subcommands.Add(BundleCommands.Create());
root.Subcommands.Add(SvidCommands.Create());
root.Subcommands.Add(AuthorityCommands.Create());
root.Subcommands.Add(UpstreamCommands.Create());
root.Subcommands.Add(KeyCommands.Create());
root.Subcommands.Add(ServerCommands.Healthcheck());
// The host stops gracefully on SIGTERM/SIGINT itself; the parser's own handler would cut that
// short after two seconds and exit 143.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
