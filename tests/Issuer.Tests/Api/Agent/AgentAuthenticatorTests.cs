using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.Api.Agent;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Tests.Support;
using IdentityIssuer.Spiffe;
using IdentityIssuer.Tests.Common.Certificates;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityIssuer.Issuer.Tests.Api.Agent;

/// <summary>
/// Which CA may have signed an agent's SVID, under an upstream CA (the bundle holds only the upstream
/// root): every authority of the journal still trusted, of every replica, and nothing else.
/// </summary>
public sealed class AgentAuthenticatorTests : IAsyncLifetime
{
    private const string AgentId = "spiffe://example.org/identity-issuer/agent/join_token/0123456789abcdef0123456789abcdef";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "agent-auth-" + Guid.NewGuid().ToString("N"));
    private readonly X509Certificate2 _upstream = TestCertificates.CreateRootCa(spiffeId: null);
    private Dictionary<string, string?> _settings = [];

    private static CancellationToken Ct => CancellationToken.None;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        var certFile = Path.Combine(_directory, "upstream.crt");
        var keyFile = Path.Combine(_directory, "upstream.key");
        await File.WriteAllTextAsync(certFile, _upstream.ExportCertificatePem());
        using var key = _upstream.GetECDsaPrivateKey()!;
        await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());
        _settings = new() { ["Ca:UpstreamCertificateFile"] = certFile, ["Ca:UpstreamKeyFile"] = keyFile };
    }

    public Task DisposeAsync()
    {
        _upstream.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task UpstreamCa_SvidOfAReplicasRotatedAndTaintedCa_IsAcceptedByTheOtherReplica()
    {
        await using var east = await IssuerServices.StartAsync(Replica("east"), _directory);
        await using var west = await IssuerServices.StartAsync(Replica("west"), _directory, east.Clock);
        using var svid = await MintAgentSvidAsync(east);
        var signedBy = east.Ca.ActiveX509.Id;

        await east.Ca.PrepareAsync(AuthorityKind.X509, Ct);
        await east.Ca.ActivateAsync(AuthorityKind.X509, Ct);
        await west.Ca.PrepareAsync(AuthorityKind.X509, Ct);
        await west.Ca.ActivateAsync(AuthorityKind.X509, Ct);
        await east.Ca.TaintAsync(AuthorityKind.X509, signedBy, Ct);

        Assert.Equal(_upstream.RawData, Assert.Single((await west.Bundles.GetOwnBundleAsync(Ct)).X509Authorities).RawData);
        foreach (var replica in new[] { west, east })
        {
            var agent = await Authenticator(replica).AuthenticateAsync(Request(svid), Ct);
            Assert.Equal(AgentId, agent.AgentId.ToString());
        }
    }

    [Fact]
    public async Task UpstreamCa_SvidOfAnIntermediateOutsideTheJournal_Gets401()
    {
        await using var issuer = await IssuerServices.StartAsync(Replica("primary"), _directory);
        using var stranger = TestCertificates.CreateIntermediateCa(_upstream, "spiffe://example.org");
        using var forged = TestCertificates.CreateLeaf(stranger, AgentId);
        await issuer.Store.UpsertAttestedNodeAsync(Node(forged), Ct);

        var error = await Assert.ThrowsAsync<AgentApiException>(() => Authenticator(issuer).AuthenticateAsync(Request(forged), Ct));

        Assert.Equal(StatusCodes.Status401Unauthorized, error.StatusCode);
        Assert.Contains("is not a valid X509-SVID of trust domain example.org", error.Message, StringComparison.Ordinal);
    }

    private Dictionary<string, string?> Replica(string name) => new(_settings) { ["Ca:ReplicaName"] = name };

    private static AgentAuthenticator Authenticator(IssuerServices issuer) => issuer.Provider.GetRequiredService<AgentAuthenticator>();

    private static async Task<X509Certificate2> MintAgentSvidAsync(IssuerServices issuer)
    {
        var (csr, key) = Csr.Create();
        using (key)
        {
            var minted = await issuer.X509.MintAsync(new X509SvidParams { SpiffeId = SpiffeId.Parse(AgentId), Csr = csr, Caller = "test" }, Ct);
            var svid = X509CertificateLoader.LoadCertificate(minted.CertificateDer);
            await issuer.Store.UpsertAttestedNodeAsync(Node(svid), Ct);
            return svid;
        }
    }

    private static AttestedNode Node(X509Certificate2 svid) => new()
    {
        SpiffeId = AgentId,
        AttestationType = "join_token",
        CertificateSerial = svid.SerialNumber.ToLowerInvariant(),
        CertificateNotAfter = svid.NotAfter,
    };

    /// <summary>A request as the agent API's TLS layer hands it over: the client's leaf only.</summary>
    private static DefaultHttpContext Request(X509Certificate2 leaf)
    {
        var context = new DefaultHttpContext();
        context.Connection.ClientCertificate = leaf;
        return context;
    }
}
