using IdentityIssuer.Attestation.Node;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Issuer.Api.Agent;

/// <summary>Registers the agent API: options, node attestors, challenges, authentication, sync and signing.</summary>
internal static class AgentApiServiceCollectionExtensions
{
    public static IServiceCollection AddAgentApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AgentApiOptions>().Bind(configuration.GetSection(AgentApiOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AgentApiOptions>, AgentApiOptionsValidator>());
        services.TryAddSingleton<NodeAttestorRegistry>();
        services.TryAddSingleton(sp => new NodeChallengeStore(
            sp.GetRequiredService<TimeProvider>(),
            maxPerSource: sp.GetRequiredService<IOptions<AgentApiOptions>>().Value.X509Pop.MaxChallengesPerAddress));
        services.TryAddSingleton<AgentEntryAuthorizer>();
        services.TryAddSingleton<AgentAuthenticator>();
        services.TryAddSingleton<AgentAttestationService>();
        services.TryAddSingleton<AgentSyncService>();
        services.TryAddSingleton<AgentSvidService>();
        return services;
    }
}
