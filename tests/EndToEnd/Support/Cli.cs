namespace IdentityIssuer.EndToEnd.Support;

/// <summary>
/// Runs the real <c>identity-issuer</c> executable as its own process. The project reference to the
/// issuer copies <c>identity-issuer.dll</c>, its <c>.runtimeconfig.json</c> and <c>.deps.json</c>
/// next to the tests; they run under the same <c>dotnet</c> host as the tests themselves.
/// </summary>
public static class Cli
{
    /// <summary>The issuer's entry assembly in the test output directory.</summary>
    public static string Executable { get; } = Locate("identity-issuer", "src/Issuer");

    /// <summary>The <c>dotnet</c> host that runs <see cref="Executable"/>.</summary>
    public static string DotnetHost { get; } = FindDotnetHost();

    /// <summary>Runs <c>identity-issuer ARGS</c> to completion (bounded by <paramref name="timeout"/>).</summary>
    public static Task<ProcessResult> RunAsync(
        IEnumerable<string> args,
        IReadOnlyDictionary<string, string>? env = null,
        string? workingDirectory = null,
        TimeSpan? timeout = null) =>
        ChildProcess.RunAsync(DotnetHost, [Executable, .. args], env, workingDirectory, stdin: null, timeout);

    /// <summary>The program and arguments that start <c>identity-issuer ARGS</c>, for long-running processes.</summary>
    public static (string FileName, IEnumerable<string> Args) Command(IEnumerable<string> args) => (DotnetHost, [Executable, .. args]);

    /// <summary>An entry assembly copied next to the tests by a project reference, with its runtime files.</summary>
    internal static string Locate(string name, string project)
    {
        var directory = AppContext.BaseDirectory;
        var dll = Path.Combine(directory, name + ".dll");
        foreach (var required in new[] { dll, Path.Combine(directory, name + ".runtimeconfig.json"), Path.Combine(directory, name + ".deps.json") })
        {
            if (!File.Exists(required))
            {
                throw new InvalidOperationException($"{required} is missing: the end-to-end tests run the {name} built by their project reference to {project}");
            }
        }

        return dll;
    }

    internal static string FindDotnetHost()
    {
        // The test host itself usually runs under dotnet; use the same one so the runtime matches.
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            return self;
        }

        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
    }
}
