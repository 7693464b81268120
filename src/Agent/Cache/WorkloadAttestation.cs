using IdentityIssuer.Attestation.Selectors;
using IdentityIssuer.Attestation.Workload;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace IdentityIssuer.Agent.Cache;

/// <summary>The configured workload attestors (section <c>WorkloadAttestors</c>) as the Workload API uses them.</summary>
internal sealed class WorkloadAttestation : IWorkloadAttestation, IDisposable
{
    public const string SectionName = "WorkloadAttestors";

    private readonly WorkloadAttestationRunner _runner;

    public WorkloadAttestation(WorkloadAttestationRunner runner) => _runner = runner;

    public Task<IReadOnlyList<Selector>> AttestAsync(WorkloadProcess process, CancellationToken cancellationToken) =>
        _runner.AttestAsync(process, cancellationToken);

    public void Dispose() => _runner.Dispose();

    /// <summary>Binds the section; <c>Enabled</c>, when given, replaces the default list (unix only).</summary>
    public static WorkloadAttestorOptions Bind(IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionName);
        var options = new WorkloadAttestorOptions();
        section.Bind(options, o => o.ErrorOnUnknownConfiguration = false);
        var enabled = section.GetSection("Enabled").Get<string[]>();
        if (enabled is not null)
        {
            options.Enabled.Clear();
            foreach (var name in enabled)
            {
                options.Enabled.Add(name);
            }
        }

        return options;
    }
}

/// <summary>DI registration of the workload attestors.</summary>
internal static class WorkloadAttestationServiceCollectionExtensions
{
    /// <summary>Validates the section (every problem named with its key) and registers <see cref="IWorkloadAttestation"/>.</summary>
    public static IServiceCollection AddWorkloadAttestation(this IServiceCollection services, IConfiguration configuration)
    {
        var options = WorkloadAttestation.Bind(configuration);
        var problems = options.Validate(WorkloadAttestation.SectionName);
        if (problems.Count > 0)
        {
            throw new Hosting.AgentConfigurationException("invalid configuration: " + string.Join("; ", problems));
        }

        services.TryAddSingleton<IWorkloadAttestation>(sp => new WorkloadAttestation(WorkloadAttestors.Create(options, sp.GetService<TimeProvider>())));
        return services;
    }
}
