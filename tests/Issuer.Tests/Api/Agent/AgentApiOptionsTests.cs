using IdentityIssuer.Issuer.Hosting;
using IdentityIssuer.Tests.Common.Processes;

namespace IdentityIssuer.Issuer.Tests.Api.Agent;

public sealed class AgentApiOptionsTests : IDisposable
{
    private readonly string _directory = FreePort.ShortTempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Start_WithBadAgentApiSettings_FailsNamingEveryKey()
    {
        var notCa = Path.Combine(_directory, "not-a-bundle.pem");
        File.WriteAllText(notCa, "no certificates here");
        var configuration = IssuerHost.LoadConfiguration(null,
        [
            $"--Issuer:DataDirectory={_directory}",
            $"--BundleEndpoint:Port={FreePort.Next()}",
            "--AgentApi:Address=localhost",
            "--AgentApi:Port=70000",
            $"--AgentApi:X509Pop:CaBundleFile={notCa}",
            "--AgentApi:X509Pop:MaxChallengesPerAddress=0",
        ]);

        var error = Assert.Throws<ConfigurationException>(() => IssuerHost.Build(configuration));

        Assert.Contains("AgentApi:Address", error.Message, StringComparison.Ordinal);
        Assert.Contains("AgentApi:Port", error.Message, StringComparison.Ordinal);
        Assert.Contains("AgentApi:X509Pop:CaBundleFile", error.Message, StringComparison.Ordinal);
        Assert.Contains("AgentApi:X509Pop:MaxChallengesPerAddress must be between 1 and 10000 (got 0)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_WithAMissingCaBundleFile_FailsNamingTheKey()
    {
        var configuration = IssuerHost.LoadConfiguration(null,
        [
            $"--Issuer:DataDirectory={_directory}",
            $"--BundleEndpoint:Port={FreePort.Next()}",
            $"--AgentApi:X509Pop:CaBundleFile={Path.Combine(_directory, "missing.pem")}",
        ]);

        var error = Assert.Throws<ConfigurationException>(() => IssuerHost.Build(configuration));

        Assert.Contains("AgentApi:X509Pop:CaBundleFile must name an existing PEM file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WithAMisspeltAgentApiKey_FailsNamingIt()
    {
        var error = Assert.Throws<ConfigurationException>(() => IssuerHost.LoadConfiguration(null, ["--AgentApi:X509Pop:CaBundle=x", "--AgentApi:Prot=1"]));

        Assert.Contains("AgentApi:X509Pop:CaBundle", error.Message, StringComparison.Ordinal);
        Assert.Contains("AgentApi:Prot", error.Message, StringComparison.Ordinal);
    }
}
