using System.CommandLine;
using IdentityIssuer.Agent.Cli;

// The host stops gracefully on SIGTERM/SIGINT itself; the parser's own handler would cut that
// short and exit 143, so a service manager would see every clean stop as a failure.
return await AgentCommands.Create().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
