using IdentityIssuer.Agent.Cache;
using IdentityIssuer.Agent.Hosting;
using IdentityIssuer.Tests.Common;

namespace IdentityIssuer.Agent.Tests.Hosting;

public sealed class AgentConfigurationTests
{
    [Fact]
    public void SampleConfiguration_InDeploy_LoadsAndNamesItsSink()
    {
        var configuration = AgentHost.LoadConfiguration(Path.Combine(RepositoryPaths.Root, "deploy", "agent.sample.json"), []);

        Assert.Equal("join_token", configuration["Agent:NodeAttestor"]);
        Assert.Equal("spiffe://example.org/nginx", configuration["Sinks:0:SpiffeId"]);
        var attestors = WorkloadAttestation.Bind(configuration);
        Assert.Equal(["unix", "systemd"], attestors.Enabled);
        Assert.Empty(attestors.Validate());
    }

    [Fact]
    public void Load_WithAnUnknownSection_FailsNamingIt()
    {
        var error = Assert.Throws<AgentConfigurationException>(() => AgentHost.LoadConfiguration(null, ["--Agnet:TrustDomain=x"]));

        Assert.Contains("Agnet", error.Message, StringComparison.Ordinal);
    }
}
