namespace IdentityIssuer.EndToEnd.Support;

/// <summary>Runs the real <c>identity-gateway</c> and <c>sample-tool-api</c>, copied next to the tests by their project references.</summary>
public static class GatewayCli
{
    /// <summary>The gateway's entry assembly in the test output directory.</summary>
    public static string Executable { get; } = Cli.Locate("identity-gateway", "src/Gateway");

    /// <summary>The sample tool API's entry assembly in the test output directory.</summary>
    public static string SampleToolApi { get; } = Cli.Locate("sample-tool-api", "samples/SampleToolApi");

    /// <summary>Runs <c>identity-gateway ARGS</c> to completion.</summary>
    public static Task<ProcessResult> RunAsync(IEnumerable<string> args, string? workingDirectory = null) =>
        ChildProcess.RunAsync(Cli.DotnetHost, [Executable, .. args], env: null, workingDirectory);
}
