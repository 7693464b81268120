namespace IdentityIssuer.EndToEnd.Support;

/// <summary>Prometheus's own <c>promtool</c> as an independent judge of the text the services serve at <c>/metrics</c> and of the alert rules.</summary>
public static class Promtool
{
    /// <summary>Runs <c>promtool check metrics</c> on <paramref name="text"/> (format errors and lint problems both fail it).</summary>
    public static Task<ProcessResult> CheckMetricsAsync(string text) =>
        ChildProcess.RunAsync("promtool", ["check", "metrics"], env: null, workingDirectory: null, stdin: text);

    /// <summary>Runs <c>promtool check rules FILE</c>.</summary>
    public static Task<ProcessResult> CheckRulesAsync(string file) =>
        ChildProcess.RunAsync("promtool", ["check", "rules", file], env: null, workingDirectory: Path.GetDirectoryName(file));

    /// <summary>Runs <c>promtool test rules FILE</c> in the file's directory (its rule_files are relative to it).</summary>
    public static Task<ProcessResult> TestRulesAsync(string file) =>
        ChildProcess.RunAsync("promtool", ["test", "rules", file], env: null, workingDirectory: Path.GetDirectoryName(file));
}
