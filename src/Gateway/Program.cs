using System.CommandLine;
using IdentityIssuer.Gateway.Cli;

// The host stops gracefully on SIGTERM/SIGINT itself; the parser's own handler would cut that short.
return await GatewayCommands.Create().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
