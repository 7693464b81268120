using IdentityIssuer.Issuer.Api.Agent;
using IdentityIssuer.Issuer.Api.Bundle;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Revocation;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Issuer.Hosting;

/// <summary>
/// Runs before the listeners open: brings the schema up to date, loads or creates the CA, signs any
/// CRL that is due, and mints the server SVID. A failure here stops the process with the reason.
/// </summary>
internal sealed class IssuerStartup : IHostedService
{
    private readonly IDataStore _store;
    private readonly CaManager _ca;
    private readonly ServerSvidProvider _serverSvid;
    private readonly CrlService _crls;
    private readonly BundleEndpointOptions _bundle;
    private readonly AgentApiOptions _agentApi;

    public IssuerStartup(IDataStore store, CaManager ca, ServerSvidProvider serverSvid, CrlService crls, IOptions<BundleEndpointOptions> bundle, IOptions<AgentApiOptions> agentApi)
    {
        _agentApi = agentApi.Value;
        _store = store;
        _ca = ca;
        _serverSvid = serverSvid;
        _crls = crls;
        _bundle = bundle.Value;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _store.MigrateAsync(cancellationToken);
        await _ca.InitializeAsync(cancellationToken);
        await _crls.RefreshAsync(cancellationToken);
        // The agent API always presents the server SVID; the bundle endpoint does unless it uses a web certificate.
        if ((_bundle.Enabled && _bundle.Profile == "https_spiffe") || _agentApi.Enabled)
        {
            await _serverSvid.RenewAsync(cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
