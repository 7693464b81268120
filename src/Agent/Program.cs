using System.CommandLine;

var root = new RootCommand("identity-agent: the IdentityIssuer node agent (not yet implemented; see the open issues)");
return await root.Parse(args).InvokeAsync();
