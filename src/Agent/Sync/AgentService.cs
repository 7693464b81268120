using IdentityIssuer.Agent.Cache;
using IdentityIssuer.Agent.Configuration;
using IdentityIssuer.Agent.Issuer;
using IdentityIssuer.Agent.Ops;
using IdentityIssuer.Agent.Revocation;
using IdentityIssuer.Agent.Sinks;
using IdentityIssuer.Attestation.Node;
using IdentityIssuer.Spiffe;
using IdentityIssuer.Spiffe.Bundles;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Agent.Sync;

/// <summary>
/// The agent's main loop: attest (or resume a saved SVID), renew the agent SVID at half-life with
/// ±10% jitter, re-attest by itself when the issuer no longer accepts it, sync entries every
/// <see cref="AgentOptions.SyncInterval"/> (retrying every interval while the issuer is unavailable,
/// backing off on other failures), mint workload SVIDs from keys made here, replace what a tainted
/// authority signed or a CRL revokes, and publish snapshots to the Workload API and the file sinks.
/// Split by concern: the agent SVID (<c>.Svid</c>), sync and minting (<c>.Sync</c>), taints and CRLs
/// (<c>.Revocation</c>), log messages (<c>.Log</c>).
/// </summary>
internal sealed partial class AgentService : BackgroundService
{
    private const string AuthFailure = "agent-auth";

    private readonly IssuerClient _issuer;
    private readonly AgentStateStore _state;
    private readonly IdentityCache _cache;
    private readonly INodeAttestorClient _attestor;
    private readonly FileSinkWriter _sinks;
    private readonly AgentOptions _options;
    private readonly TrustDomain _trustDomain;
    private readonly TimeProvider _time;
    private readonly ILogger<AgentService> _logger;
    private readonly AgentMetrics? _metrics;
    private readonly Dictionary<string, EntryState> _entries = new(StringComparer.Ordinal);
    private readonly double _jitter = (Random.Shared.NextDouble() * 0.2) - 0.1;
    // The SVID the issuer client presents; the client owns it (and disposes it once replaced and no
    // call uses it). Only its chain, ID and dates are read here, never its key.
    private AgentSvid? _svid;
    private SpiffeBundle? _bundle;
    private long _revision;
    private bool _published;

    // Something workloads see (an SVID, the bundle, the CRLs) changed since the last publish.
    private bool _dirty;

    public AgentService(IssuerClient issuer, AgentStateStore state, IdentityCache cache, INodeAttestorClient attestor, FileSinkWriter sinks, IOptions<AgentOptions> options, TimeProvider time, ILogger<AgentService> logger, AgentMetrics? metrics = null)
    {
        _metrics = metrics;
        _issuer = issuer;
        _state = state;
        _cache = cache;
        _attestor = attestor;
        _sinks = sinks;
        _options = options.Value;
        _trustDomain = TrustDomain.Parse(_options.TrustDomain);
        _time = time;
        _logger = logger;
    }

    /// <summary>The agent ID, once attested.</summary>
    public SpiffeId? AgentId => _svid?.Id;

    /// <summary>When the agent SVID in use expires; null before attestation.</summary>
    public DateTimeOffset? AgentSvidNotAfter => _svid?.NotAfter;

    /// <summary>When the last sync completed.</summary>
    public DateTimeOffset? LastSync { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LoadBootstrapBundle();
        var delay = _options.SyncInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await EnsureSvidAsync(stoppingToken);
                await SyncOnceAsync(stoppingToken);
                _metrics?.SyncSucceeded(LastSync!.Value);
                delay = _options.SyncInterval;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (IssuerCallException ex) when (ex.NeedsReattestation && _svid is not null && ex.Data.Contains(AuthFailure))
            {
                _metrics?.SyncFailed(ex);
                LogReattesting(_logger, _svid.Id.ToString(), ex.Message);
                ForgetSvid();
                delay = TimeSpan.FromMilliseconds(200);
            }
            catch (IssuerCallException ex) when (_svid is null)
            {
                _metrics?.SyncFailed(ex);
                delay = RetryDelay.Next(delay, _options.SyncInterval, ex.IsUnavailable);
                LogAttestationFailed(_logger, _attestor.Name, ex.Message, delay);
            }
            catch (Exception ex)
            {
                _metrics?.SyncFailed(ex);
                delay = RetryDelay.Next(delay, _options.SyncInterval, ex is IssuerCallException { IsUnavailable: true });
                LogLoopFailed(_logger, delay, ex.Message, ex is IssuerCallException ? null : ex);
            }

            DropExpiredSvids();
            try
            {
                await Task.Delay(delay, _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Publish()
    {
        var bundle = _bundle!;
        var x509 = bundle.X509Authorities.SelectMany(c => c.RawData).ToArray();
        var jwks = System.Text.Encoding.UTF8.GetBytes(bundle.ToJwtJwks());
        var svids = _entries.Values.Where(s => s.Svid is not null).Select(s => s.Svid!).OrderBy(s => s.EntryCreatedAt).ToList();
        var crls = _crls.Ders;
        var snapshot = _cache.Publish(version => new IdentitySnapshot
        {
            Version = version,
            TrustDomain = _trustDomain,
            Svids = svids,
            X509Bundles = new Dictionary<string, byte[]>(StringComparer.Ordinal) { [_trustDomain.IdString] = x509 },
            JwtBundles = new Dictionary<string, byte[]>(StringComparer.Ordinal) { [_trustDomain.IdString] = jwks },
            Crls = crls,
        });
        _published = true;
        _dirty = false;
        _sinks.Write(snapshot);
    }

    public override void Dispose()
    {
        // The issuer client owns the agent SVID; it is disposed once calls under way end.
        _issuer.ForgetSvid();
        base.Dispose();
    }
}
