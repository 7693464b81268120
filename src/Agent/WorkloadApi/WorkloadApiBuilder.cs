namespace IdentityIssuer.Agent.WorkloadApi;

/// <summary>Returned by <see cref="WorkloadApiServiceCollectionExtensions.AddWorkloadApi"/> for further configuration.</summary>
internal sealed class WorkloadApiBuilder(IServiceCollection services)
{
    public IServiceCollection Services { get; } = services;
}
