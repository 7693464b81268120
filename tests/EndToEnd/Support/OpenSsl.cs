namespace IdentityIssuer.EndToEnd.Support;

/// <summary>The <c>openssl</c> command line tool as an independent verifier of what the issuer produces.</summary>
public static class OpenSsl
{
    /// <summary>Runs <c>openssl ARGS</c>, optionally feeding <paramref name="stdin"/>.</summary>
    public static Task<ProcessResult> RunAsync(IEnumerable<string> args, string? stdin = null, string? workingDirectory = null) =>
        ChildProcess.RunAsync("openssl", args, env: null, workingDirectory, stdin);
}
