using IdentityIssuer.Agent.Configuration;
using IdentityIssuer.Agent.Issuer;
using IdentityIssuer.Agent.Tests.Support;
using IdentityIssuer.Attestation.AgentApi;
using IdentityIssuer.Spiffe.X509;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Agent.Tests.Issuer;

/// <summary>The agent SVID the issuer client presents changes (renewal, re-attestation) while calls are under way.</summary>
public sealed class IssuerClientSvidTests : IAsyncLifetime
{
    private static readonly MintJwtRequest Mint = new("entry-1", ["spiffe://example.org/api"]);

    private readonly TestTrustDomain _trustDomain = new();
    private FakeAgentApiServer _server = null!;
    private IssuerClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeAgentApiServer.StartAsync(_trustDomain);
        _client = new IssuerClient(
            Options.Create(new AgentOptions { TrustDomain = "example.org", IssuerAddress = _server.Address }),
            NullLogger<IssuerClient>.Instance);
        _client.UseBundle(new X509Bundle(_trustDomain.TrustDomain, [_trustDomain.RootCa]));
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        _trustDomain.Dispose();
    }

    [Fact]
    public async Task UseSvid_WhileACallIsInFlight_TheCallCompletesWithTheOldSvid()
    {
        var old = _trustDomain.MintAgentSvid("/spire/agent/test/old");
        var renewed = _trustDomain.MintAgentSvid("/spire/agent/test/new");
        _client.UseSvid(old);
        _server.Hold();
        var inFlight = _client.MintJwtAsync(Mint, CancellationToken.None);
        await _server.WaitForHeldRequestAsync();

        _client.UseSvid(renewed);
        _server.Release();
        var response = await inFlight;

        Assert.Equal("token-1", response.Token);
        Assert.Equal([old.Chain[0].SerialNumber], _server.ClientSerials);
    }

    [Fact]
    public async Task UseSvid_AfterACallThatWasInFlight_NextCallPresentsTheNewSvid()
    {
        var old = _trustDomain.MintAgentSvid("/spire/agent/test/old");
        var renewed = _trustDomain.MintAgentSvid("/spire/agent/test/new");
        _client.UseSvid(old);
        _server.Hold();
        var inFlight = _client.MintJwtAsync(Mint, CancellationToken.None);
        await _server.WaitForHeldRequestAsync();
        _client.UseSvid(renewed);
        _server.Release();
        await inFlight;

        var next = await _client.MintJwtAsync(Mint, CancellationToken.None);

        Assert.Equal("token-2", next.Token);
        Assert.Equal([old.Chain[0].SerialNumber, renewed.Chain[0].SerialNumber], _server.ClientSerials);
    }

    [Fact]
    public async Task UseSvid_WhileACallIsInFlight_DisposesTheOldSvidOnlyAfterTheCallFinished()
    {
        var old = _trustDomain.MintAgentSvid("/spire/agent/test/old");
        var renewed = _trustDomain.MintAgentSvid("/spire/agent/test/new");
        _client.UseSvid(old);
        _server.Hold();
        var inFlight = _client.MintJwtAsync(Mint, CancellationToken.None);
        await _server.WaitForHeldRequestAsync();

        _client.UseSvid(renewed);

        Assert.False(IsZeroed(old.KeyPkcs8), "the old SVID was disposed while a call still used it");
        _server.Release();
        await inFlight;
        Assert.True(IsZeroed(old.KeyPkcs8), "the old SVID was kept after the last call that used it");
        Assert.False(IsZeroed(renewed.KeyPkcs8));
    }

    [Fact]
    public async Task ForgetSvid_WhileACallIsInFlight_TheCallCompletesAndLaterCallsNeedAnSvid()
    {
        var svid = _trustDomain.MintAgentSvid("/spire/agent/test/old");
        _client.UseSvid(svid);
        _server.Hold();
        var inFlight = _client.MintJwtAsync(Mint, CancellationToken.None);
        await _server.WaitForHeldRequestAsync();

        _client.ForgetSvid();
        _server.Release();
        var response = await inFlight;
        var later = await Assert.ThrowsAsync<IssuerCallException>(() => _client.MintJwtAsync(Mint, CancellationToken.None));

        Assert.Equal("token-1", response.Token);
        Assert.True(IsZeroed(svid.KeyPkcs8));
        Assert.True(later.NeedsReattestation);
        Assert.Contains("no SVID", later.Message, StringComparison.Ordinal);
    }

    private static bool IsZeroed(byte[] key) => key.All(b => b == 0);
}
