namespace IdentityIssuer.EndToEnd.Support;

/// <summary>
/// Runs the real <c>identity-agent</c> executable, copied next to the tests by their project
/// reference to src/Agent, under the same <c>dotnet</c> host as the issuer.
/// </summary>
public static class AgentCli
{
    /// <summary>The agent's entry assembly in the test output directory.</summary>
    public static string Executable { get; } = Cli.Locate("identity-agent", "src/Agent");

    /// <summary>Runs <c>identity-agent ARGS</c> to completion (bounded by <paramref name="timeout"/>).</summary>
    public static Task<ProcessResult> RunAsync(
        IEnumerable<string> args,
        IReadOnlyDictionary<string, string>? env = null,
        string? workingDirectory = null,
        TimeSpan? timeout = null) =>
        ChildProcess.RunAsync(Cli.DotnetHost, [Executable, .. args], env, workingDirectory, stdin: null, timeout);

    /// <summary>The program and arguments that start <c>identity-agent ARGS</c>, for long-running processes.</summary>
    public static (string FileName, IEnumerable<string> Args) Command(IEnumerable<string> args) => (Cli.DotnetHost, [Executable, .. args]);
}
