using IdentityIssuer.Attestation.AgentApi;
using IdentityIssuer.Attestation.Selectors;
using IdentityIssuer.Issuer.Api.Agent;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Revocation;
using IdentityIssuer.Issuer.Tests.Support;
using IdentityIssuer.Spiffe;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityIssuer.Issuer.Tests.Api.Agent;

/// <summary>
/// A sign request authenticated before an admin bans the agent, whose SVIDs are recorded only after
/// the ban's revocation has looked for them: the interleaving is fixed by running the ban (as the
/// admin endpoint runs it) just before the issuance record is written.
/// </summary>
public sealed class AgentBanRaceTests : IAsyncLifetime
{
    private const string AgentId = "spiffe://example.org/identity-issuer/agent/join_token/00112233445566778899aabbccddeeff";
    private IssuerServices _issuer = null!;

    public async Task InitializeAsync() => _issuer = await IssuerServices.StartAsync(configure: HookedDataStore.Install);

    public async Task DisposeAsync() => await _issuer.DisposeAsync();

    [Fact]
    public async Task SignX509_WhenTheAgentIsBannedBeforeTheSvidsAreRecorded_IsRefusedAndNothingEscapesTheBan()
    {
        var agent = await AttestedAgentAsync();
        var entry = await _issuer.Store.CreateEntryAsync(
            new RegistrationEntry
            {
                SpiffeId = "spiffe://example.org/demo/web",
                ParentId = AgentId,
                Selectors = [Selector.Parse("unix:uid:1")],
                X509SvidTtlSeconds = 600,
                JwtSvidTtlSeconds = 300,
            },
            CancellationToken.None);
        var (csr, key) = Csr.Create();
        key.Dispose();
        HookedDataStore.RunBefore(_issuer.Store, nameof(IDataStore.AddIssuanceRecordsAsync), BanAsync);
        var service = _issuer.Provider.GetRequiredService<AgentSvidService>();

        SignX509Response? signed = null;
        AgentApiException? refused = null;
        try
        {
            signed = await service.SignX509Async(agent, new SignX509Request([new SignX509Item(entry.Id, Convert.ToBase64String(csr))]), CancellationToken.None);
        }
        catch (AgentApiException ex)
        {
            refused = ex;
        }

        var node = await _issuer.Store.GetAttestedNodeAsync(AgentId, CancellationToken.None);
        var recorded = await _issuer.Store.ListIssuanceRecordsAsync(new IssuanceFilter { EntryId = entry.Id }, CancellationToken.None);
        var revoked = (await _issuer.Store.ListRevokedSvidsAsync(null, CancellationToken.None)).Select(r => r.Serial).ToHashSet();
        Assert.True(node!.Banned);
        Assert.All(recorded.Items, r => Assert.Contains(r.Serial, revoked));
        Assert.Null(signed);
        Assert.NotNull(refused);
        Assert.Equal(403, refused.StatusCode);
        Assert.Contains("banned", refused.Message, StringComparison.Ordinal);
        Assert.Empty(recorded.Items);
    }

    /// <summary>What <c>POST /v1/agents/ban</c> does: set the flag, then revoke what the issuance record holds.</summary>
    private async Task BanAsync()
    {
        await _issuer.Store.SetAttestedNodeBannedAsync(AgentId, true, CancellationToken.None);
        try
        {
            await _issuer.Provider.GetRequiredService<SvidRevocationService>().RevokeAsync(
                new SvidSelector(null, null, null, AgentId), "ban:test", "agent banned", CancellationToken.None);
        }
        catch (NotFoundException)
        {
            // Nothing unexpired to revoke, as the endpoint allows.
        }
    }

    /// <summary>An agent as attestation leaves it: its SVID minted and recorded, its node stored, and authenticated.</summary>
    private async Task<AuthenticatedAgent> AttestedAgentAsync()
    {
        var (csr, key) = Csr.Create();
        key.Dispose();
        var minted = await _issuer.X509.MintAsync(
            new X509SvidParams { SpiffeId = SpiffeId.Parse(AgentId), Csr = csr, Caller = "attestation:join_token" },
            CancellationToken.None);
        var node = await _issuer.Store.UpsertAttestedNodeAsync(
            new AttestedNode
            {
                SpiffeId = AgentId,
                AttestationType = "join_token",
                CertificateSerial = minted.Serial,
                CertificateNotAfter = minted.NotAfter,
            },
            CancellationToken.None);
        var bundle = await _issuer.Bundles.GetOwnBundleAsync(CancellationToken.None);
        return new AuthenticatedAgent(SpiffeId.Parse(AgentId), node, bundle);
    }
}
