using IdentityIssuer.Issuer.Api.Bundle;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Datastore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Issuer.Hosting;

/// <summary>
/// Runs before the listeners open: brings the schema up to date, loads or creates the CA, and mints
/// the server SVID. A failure here stops the process with the reason.
/// </summary>
internal sealed class IssuerStartup : IHostedService
{
    private readonly IDataStore _store;
    private readonly CaManager _ca;
    private readonly ServerSvidProvider _serverSvid;
    private readonly BundleEndpointOptions _bundle;

    public IssuerStartup(IDataStore store, CaManager ca, ServerSvidProvider serverSvid, IOptions<BundleEndpointOptions> bundle)
    {
        _store = store;
        _ca = ca;
        _serverSvid = serverSvid;
        _bundle = bundle.Value;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _store.MigrateAsync(cancellationToken);
        await _ca.InitializeAsync(cancellationToken);
        if (_bundle.Enabled && _bundle.Profile == "https_spiffe")
        {
            await _serverSvid.RenewAsync(cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
