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

    [Fact]
    public void NewUpstreamSettings_Unset_KeepTodaysBehaviour()
    {
        var upstream = Validate().Upstream;
        Assert.Equal(["http://127.0.0.1:9090"], upstream.EffectiveAddresses());
        Assert.Equal("1.1", upstream.HttpVersion);
        Assert.Equal(TimeSpan.FromSeconds(100), upstream.IdleTimeout);
        Assert.Equal(string.Empty, upstream.HealthCheck.Path);
    }

    [Fact]
    public void Addresses_List_IsUsedInItsOrder()
    {
        var settings = GatewayHost.Validate(GatewayHost.LoadConfiguration(null, [
            "--Gateway:PolicyFile=policy.json", "--Mcp:Path=/mcp", "--Upstream:Addresses:0=http://127.0.0.1:9091", "--Upstream:Addresses:1=http://127.0.0.1:9092",
            "--Upstream:HealthCheck:Path=/healthz", "--Upstream:HttpVersion=2", "--Upstream:IdleTimeout=00:00:30"])).Settings;
        Assert.Equal(["http://127.0.0.1:9091", "http://127.0.0.1:9092"], settings.Upstream.EffectiveAddresses());
        Assert.Equal("/healthz", settings.Upstream.HealthCheck.Path);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.Upstream.IdleTimeout);
    }

    [Fact]
    public void BadNewUpstreamSettings_StopTheStartNamingEveryKey()
    {
        var error = Assert.Throws<GatewayConfigurationException>(() => Validate(
            "--Upstream:Addresses:0=http://127.0.0.1:9091",
            "--Upstream:Addresses:1=ftp://x",
            "--Upstream:HttpVersion=3",
            "--Upstream:IdleTimeout=00:00:00",
            "--Upstream:HealthCheck:Path=healthz",
            "--Upstream:HealthCheck:Interval=00:00:00"));
        foreach (var expected in new[]
        {
            "Upstream:Address and Upstream:Addresses: set one of them, not both",
            "Upstream:Addresses:1: 'ftp://x' is not an http:// or https:// address",
            "Upstream:HttpVersion: '3' is not 1.1 or 2",
            "Upstream:IdleTimeout: must be a positive duration",
            "Upstream:HealthCheck:Path: 'healthz' must start with /",
            "Upstream:HealthCheck:Interval: must be a positive duration",
        })
        {
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Addresses_MixedSchemes_AreRefused()
    {
        var error = Assert.Throws<GatewayConfigurationException>(() => GatewayHost.Validate(GatewayHost.LoadConfiguration(null, [
            "--Gateway:PolicyFile=policy.json", "--Mcp:Path=/mcp", "--Upstream:Addresses:0=http://127.0.0.1:9091", "--Upstream:Addresses:1=https://127.0.0.1:9092"])));
        Assert.Contains("Upstream:Addresses: all addresses must use the same scheme", error.Message, StringComparison.Ordinal);
    }
}
