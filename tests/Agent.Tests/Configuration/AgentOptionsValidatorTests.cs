using IdentityIssuer.Agent.Configuration;

namespace IdentityIssuer.Agent.Tests.Configuration;

public sealed class AgentOptionsValidatorTests
{
    [Fact]
    public void Validate_ReportsEveryProblemWithItsKey()
    {
        var result = new AgentOptionsValidator().Validate(null, new AgentOptions
        {
            TrustDomain = "Bad Domain",
            IssuerAddress = "http://issuer:8081",
            TrustBundleFile = string.Empty,
            NodeAttestor = "tpm",
            SyncInterval = TimeSpan.Zero,
            WorkloadKeyType = "dsa",
            JwtSvidCacheSize = 0,
            NewJwtAudiencesPerMinute = 0,
        });

        Assert.True(result.Failed);
        foreach (var key in new[] { "Agent:TrustDomain", "Agent:IssuerAddress", "Agent:TrustBundleFile", "Agent:NodeAttestor", "Agent:SyncInterval", "Agent:WorkloadKeyType", "Agent:JwtSvidCacheSize", "Agent:NewJwtAudiencesPerMinute" })
        {
            Assert.Contains(result.Failures!, f => f.StartsWith(key, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Validate_InsecureBootstrapNeedsNoBundleFile()
    {
        var result = new AgentOptionsValidator().Validate(null, new AgentOptions { InsecureBootstrap = true });

        Assert.True(result.Succeeded);
    }

    [Fact]
    public void Validate_X509PopNeedsItsFiles()
    {
        var result = new AgentOptionsValidator().Validate(null, new AgentOptions { InsecureBootstrap = true, NodeAttestor = "x509pop", X509PopCertificateFile = "/nonexistent.pem" });

        Assert.Contains(result.Failures!, f => f.StartsWith("Agent:X509PopCertificateFile", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Agent:X509PopKeyFile", StringComparison.Ordinal));
    }
}
