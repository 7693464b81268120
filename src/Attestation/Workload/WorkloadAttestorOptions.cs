namespace IdentityIssuer.Attestation.Workload;

/// <summary>Which workload attestors the agent runs, and each one's settings.</summary>
public sealed class WorkloadAttestorOptions
{
    /// <summary>The attestor names the agent accepts in <see cref="Enabled"/>.</summary>
    public static IReadOnlyList<string> KnownAttestors { get; } = ["unix", "systemd", "docker", "k8s"];

    /// <summary>The attestors to run for each caller, by name; <c>unix</c> alone by default.</summary>
    public IList<string> Enabled { get; } = new List<string> { "unix" };

    /// <summary>Settings of the <c>unix</c> attestor.</summary>
    public UnixWorkloadAttestorOptions Unix { get; set; } = new();

    /// <summary>Settings of the <c>systemd</c> attestor.</summary>
    public SystemdWorkloadAttestorOptions Systemd { get; set; } = new();

    /// <summary>Settings of the <c>docker</c> attestor.</summary>
    public DockerWorkloadAttestorOptions Docker { get; set; } = new();

    /// <summary>Settings of the <c>k8s</c> attestor.</summary>
    public K8sWorkloadAttestorOptions K8s { get; set; } = new();

    /// <summary>
    /// Every problem with the settings, each naming its key relative to <paramref name="section"/>;
    /// empty when they are usable. Only the settings of enabled attestors are checked.
    /// </summary>
    public IReadOnlyList<string> Validate(string section = "WorkloadAttestors")
    {
        var problems = new List<string>();
        if (Enabled.Count == 0)
        {
            problems.Add($"{section}:Enabled lists no attestor; enable at least \"unix\"");
        }

        foreach (var name in Enabled)
        {
            if (!KnownAttestors.Contains(name, StringComparer.Ordinal))
            {
                problems.Add($"{section}:Enabled names unknown attestor \"{name}\"; known: {string.Join(", ", KnownAttestors)}");
            }
        }

        foreach (var duplicate in Enabled.GroupBy(n => n, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add($"{section}:Enabled names \"{duplicate.Key}\" more than once");
        }

        if (IsEnabled("unix"))
        {
            RequireAbsolute(problems, $"{section}:Unix:ProcRoot", Unix.ProcRoot);
            RequireAbsolute(problems, $"{section}:Unix:PasswdPath", Unix.PasswdPath);
            RequireAbsolute(problems, $"{section}:Unix:GroupPath", Unix.GroupPath);
        }

        if (IsEnabled("systemd"))
        {
            RequireAbsolute(problems, $"{section}:Systemd:ProcRoot", Systemd.ProcRoot);
        }

        if (IsEnabled("docker"))
        {
            RequireAbsolute(problems, $"{section}:Docker:ProcRoot", Docker.ProcRoot);
            RequireAbsolute(problems, $"{section}:Docker:DataRoot", Docker.DataRoot);
            try
            {
                DockerWorkloadAttestor.SocketPath(Docker.DockerHost);
            }
            catch (ArgumentException)
            {
                problems.Add($"{section}:Docker:DockerHost \"{Docker.DockerHost}\" must be unix:///ABSOLUTE/PATH/TO/SOCKET");
            }

            if (string.IsNullOrEmpty(Docker.ApiVersion) || !Version.TryParse(Docker.ApiVersion, out _))
            {
                problems.Add($"{section}:Docker:ApiVersion \"{Docker.ApiVersion}\" must be an Engine API version such as 1.43");
            }

            RequirePositive(problems, $"{section}:Docker:RequestTimeout", Docker.RequestTimeout);
        }

        if (IsEnabled("k8s"))
        {
            ValidateK8s(problems, $"{section}:K8s");
        }

        return problems;
    }

    private void ValidateK8s(List<string> problems, string section)
    {
        RequireAbsolute(problems, $"{section}:ProcRoot", K8s.ProcRoot);
        var url = K8s.KubeletUrl;
        if (url is null || !url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            problems.Add($"{section}:KubeletUrl must be an absolute http or https URL");
        }
        else if (url.Scheme == Uri.UriSchemeHttps && !K8s.SkipKubeletVerification && !string.IsNullOrEmpty(K8s.CaPath) && !File.Exists(K8s.CaPath))
        {
            problems.Add($"{section}:CaPath \"{K8s.CaPath}\" does not exist; set it to the CA of the kubelet's serving certificate");
        }

        if (!string.IsNullOrEmpty(K8s.TokenPath) && !Path.IsPathRooted(K8s.TokenPath))
        {
            problems.Add($"{section}:TokenPath \"{K8s.TokenPath}\" must be an absolute path (or empty to send no token)");
        }

        if (K8s.MaxPollAttempts < 1)
        {
            problems.Add($"{section}:MaxPollAttempts must be at least 1");
        }

        if (K8s.PollRetryInterval < TimeSpan.Zero)
        {
            problems.Add($"{section}:PollRetryInterval must not be negative");
        }

        RequirePositive(problems, $"{section}:RequestTimeout", K8s.RequestTimeout);
    }

    private bool IsEnabled(string name) => Enabled.Contains(name, StringComparer.Ordinal);

    private static void RequireAbsolute(List<string> problems, string key, string? path)
    {
        if (string.IsNullOrEmpty(path) || !Path.IsPathRooted(path))
        {
            problems.Add($"{key} \"{path}\" must be an absolute path");
        }
    }

    private static void RequirePositive(List<string> problems, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            problems.Add($"{key} must be positive");
        }
    }
}
