using IdentityIssuer.Agent.Configuration;
using IdentityIssuer.Agent.Hosting;
using Microsoft.Extensions.Configuration;

namespace IdentityIssuer.Agent.Tests.Configuration;

public sealed class AgentIssuerAddressesTests
{
    [Fact]
    public void Validate_BothAddressKeysSet_NamesBothKeys()
    {
        var options = new AgentOptions { InsecureBootstrap = true, IssuerAddress = "https://a:8081" };
        options.IssuerAddresses.Add("https://b:8081");

        var failure = Assert.Single(new AgentOptionsValidator().Validate(null, options).Failures!);

        Assert.Contains("Agent:IssuerAddress and Agent:IssuerAddresses", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EachListedAddressIsChecked_WithItsIndex()
    {
        var options = new AgentOptions { InsecureBootstrap = true };
        foreach (var address in new[] { "https://a:8081", "http://b:8081", "https://A:8081" })
        {
            options.IssuerAddresses.Add(address);
        }

        var failures = new AgentOptionsValidator().Validate(null, options).Failures!;

        Assert.Contains(failures, f => f.StartsWith("Agent:IssuerAddresses:1 must be an https:// URL", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Agent:IssuerAddresses:2 repeats", StringComparison.Ordinal));
    }

    [Fact]
    public void EffectiveIssuerAddresses_ListWinsOverDefault_SingleAddressKeepsWorking()
    {
        var list = new AgentOptions();
        list.IssuerAddresses.Add("https://a:8081");
        list.IssuerAddresses.Add("https://b:8081");

        Assert.Equal(["https://a:8081", "https://b:8081"], list.EffectiveIssuerAddresses());
        Assert.Equal(["https://one:8081"], new AgentOptions { IssuerAddress = "https://one:8081" }.EffectiveIssuerAddresses());
        Assert.Equal([AgentOptions.DefaultIssuerAddress], new AgentOptions().EffectiveIssuerAddresses());
    }

    [Fact]
    public void Bind_JsonArray_GivesTheAddressesInOrder()
    {
        var file = Path.Combine(Path.GetTempPath(), $"agent-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """{ "Agent": { "IssuerAddresses": [ "https://a:8081", "https://b:8082" ] } }""");
        try
        {
            var options = new AgentOptions();
            AgentHost.LoadConfiguration(file, []).GetSection(AgentOptions.SectionName).Bind(options);

            Assert.Equal(["https://a:8081", "https://b:8082"], options.EffectiveIssuerAddresses());
        }
        finally
        {
            File.Delete(file);
        }
    }
}
