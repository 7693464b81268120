namespace IdentityIssuer.Attestation.Workload;

/// <summary>Builds the configured workload attestors.</summary>
public static class WorkloadAttestors
{
    /// <summary>
    /// A runner over the attestors <paramref name="options"/> enables, in the order given.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    public static WorkloadAttestationRunner Create(WorkloadAttestorOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid workload attestor settings: " + string.Join("; ", problems), nameof(options));
        }

        var attestors = new List<IWorkloadAttestor>();
        try
        {
            foreach (var name in options.Enabled)
            {
                attestors.Add(name switch
                {
                    "unix" => new UnixWorkloadAttestor(options.Unix),
                    "systemd" => new SystemdWorkloadAttestor(options.Systemd),
                    "docker" => new DockerWorkloadAttestor(options.Docker),
                    "k8s" => new K8sWorkloadAttestor(options.K8s, timeProvider),
                    _ => throw new ArgumentException($"unknown workload attestor \"{name}\"", nameof(options)),
                });
            }
        }
        catch
        {
            foreach (var attestor in attestors)
            {
                (attestor as IDisposable)?.Dispose();
            }

            throw;
        }

        return new WorkloadAttestationRunner(attestors, ownsAttestors: true);
    }
}
