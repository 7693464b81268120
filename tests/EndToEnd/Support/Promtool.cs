namespace IdentityIssuer.EndToEnd.Support;

/// <summary>Prometheus's own <c>promtool</c> as an independent judge of the text the issuer serves at <c>/metrics</c>.</summary>
public static class Promtool
{
    /// <summary>Runs <c>promtool check metrics</c> on <paramref name="text"/> (format errors and lint problems both fail it).</summary>
    public static Task<ProcessResult> CheckMetricsAsync(string text) =>
        ChildProcess.RunAsync("promtool", ["check", "metrics"], env: null, workingDirectory: null, stdin: text);
}
