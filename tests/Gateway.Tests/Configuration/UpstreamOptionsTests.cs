using IdentityIssuer.Gateway.Hosting;

namespace IdentityIssuer.Gateway.Tests.Configuration;

public sealed class UpstreamOptionsTests
{
    private static readonly string[] Required = ["--Gateway:PolicyFile=policy.json", "--Upstream:Address=http://127.0.0.1:9090", "--Mcp:Path=/mcp"];

    private static Gateway.Configuration.GatewaySettings Validate(params string[] overrides) =>
        GatewayHost.Validate(GatewayHost.LoadConfiguration(null, [.. Required, .. overrides])).Settings;

    [Fact]
    public void ForwardAuthorization_Unset_IsOff() => Assert.False(Validate().Upstream.ForwardAuthorization);

    [Fact]
    public void ForwardAuthorization_True_IsOn() => Assert.True(Validate("--Upstream:ForwardAuthorization=true").Upstream.ForwardAuthorization);

    [Fact]
    public void ForwardAuthorization_NotABoolean_StopsTheStartNamingTheKey()
    {
        var error = Assert.Throws<GatewayConfigurationException>(() => Validate("--Upstream:ForwardAuthorization=yes"));
        Assert.Contains("Upstream:ForwardAuthorization", error.Message, StringComparison.Ordinal);
    }
}
