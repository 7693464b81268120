using IdentityIssuer.Agent.Cli;

return await AgentCommands.Create().Parse(args).InvokeAsync();
