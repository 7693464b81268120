using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Agent.Cache;
using IdentityIssuer.Agent.Configuration;
using IdentityIssuer.Agent.Issuer;
using IdentityIssuer.Agent.Sinks;
using IdentityIssuer.Attestation.AgentApi;
using IdentityIssuer.Attestation.Node;
using IdentityIssuer.Attestation.Selectors;
using IdentityIssuer.Spiffe;
using IdentityIssuer.Spiffe.Bundles;
using IdentityIssuer.Spiffe.X509;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Agent.Sync;

/// <summary>
/// The agent's main loop: attest (or resume a saved SVID), renew the agent SVID at half-life with
/// ±10% jitter, re-attest by itself when the issuer no longer accepts it, sync entries every
/// <see cref="AgentOptions.SyncInterval"/> with backoff on failure, mint workload SVIDs from keys made
/// here, and publish snapshots to the Workload API and the file sinks.
/// </summary>
internal sealed partial class AgentService : BackgroundService
{
    private const int SignBatchSize = 200;
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly IssuerClient _issuer;
    private readonly AgentStateStore _state;
    private readonly IdentityCache _cache;
    private readonly INodeAttestorClient _attestor;
    private readonly FileSinkWriter _sinks;
    private readonly AgentOptions _options;
    private readonly TrustDomain _trustDomain;
    private readonly TimeProvider _time;
    private readonly ILogger<AgentService> _logger;
    private readonly Dictionary<string, EntryState> _entries = new(StringComparer.Ordinal);
    private readonly double _jitter = (Random.Shared.NextDouble() * 0.2) - 0.1;
    private AgentSvid? _svid;
    private SpiffeBundle? _bundle;
    private long _revision;
    private bool _published;

    public AgentService(IssuerClient issuer, AgentStateStore state, IdentityCache cache, INodeAttestorClient attestor, FileSinkWriter sinks, IOptions<AgentOptions> options, TimeProvider time, ILogger<AgentService> logger)
    {
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
                delay = _options.SyncInterval;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (IssuerCallException ex) when (ex.NeedsReattestation && _svid is not null && ex.Data.Contains(AuthFailure))
            {
                LogReattesting(_logger, _svid.Id.ToString(), ex.Message);
                ForgetSvid();
                delay = TimeSpan.FromMilliseconds(200);
            }
            catch (IssuerCallException ex) when (_svid is null)
            {
                delay = Next(delay);
                LogAttestationFailed(_logger, _attestor.Name, ex.Message, delay);
            }
            catch (Exception ex)
            {
                delay = Next(delay);
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

    private const string AuthFailure = "agent-auth";

    private TimeSpan Next(TimeSpan delay)
    {
        var doubled = delay * 2;
        return doubled > MaxBackoff ? MaxBackoff : doubled;
    }

    private void LoadBootstrapBundle()
    {
        var saved = _state.LoadBundle();
        if (saved is not null)
        {
            UseBundle(SpiffeBundle.Parse(_trustDomain, saved), persist: false);
            return;
        }

        if (_options.TrustBundleFile.Length > 0)
        {
            var roots = DerCertificates.ParsePem(File.ReadAllText(_options.TrustBundleFile));
            _issuer.UseBundle(new X509Bundle(_trustDomain, roots));
        }
    }

    private async Task EnsureSvidAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_svid is null)
        {
            var saved = LoadSavedSvid();
            if (saved is not null && saved.NotAfter > now && saved.Id.IsMemberOf(_trustDomain))
            {
                _svid = saved;
                _issuer.UseSvid(saved);
                LogResumed(_logger, saved.Id.ToString(), saved.NotAfter);
            }
            else
            {
                saved?.Dispose();
                await AttestAsync(cancellationToken);
                return;
            }
        }

        if (_svid.NotAfter <= now)
        {
            LogReattesting(_logger, _svid.Id.ToString(), "the agent SVID expired");
            ForgetSvid();
            await AttestAsync(cancellationToken);
            return;
        }

        if (_svid.ShouldRenew(now, _jitter))
        {
            await RenewAsync(cancellationToken);
        }
    }

    private AgentSvid? LoadSavedSvid()
    {
        try
        {
            return _state.LoadSvid();
        }
        catch (AgentStateException ex)
        {
            LogSavedStateUnusable(_logger, ex.Message);
            return null;
        }
    }

    private async Task AttestAsync(CancellationToken cancellationToken)
    {
        ChallengeResponse? challenge = null;
        if (_attestor.NeedsChallenge)
        {
            challenge = await _issuer.ChallengeAsync(_attestor.Name, cancellationToken);
        }

        var payload = await _attestor.BuildPayloadAsync(challenge, cancellationToken);
        var (key, csr) = WorkloadKeys.Create("ec-p256");
        var response = await _issuer.AttestAsync(new AttestRequest(_attestor.Name, payload, Convert.ToBase64String(csr)), cancellationToken);
        var svid = AgentSvid.Create([.. response.SvidChain.Select(c => X509CertificateLoader.LoadCertificate(Convert.FromBase64String(c)))], key);
        UseBundle(_issuer.ParseBundle(response.Bundle), persist: true);
        _state.SaveSvid(svid);
        _svid = svid;
        _issuer.UseSvid(svid);
        LogAttested(_logger, _attestor.Name, svid.Id.ToString(), svid.NotAfter);
    }

    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        var (key, csr) = WorkloadKeys.Create("ec-p256");
        RenewResponse response;
        try
        {
            response = await _issuer.RenewAsync(new RenewRequest(Convert.ToBase64String(csr)), cancellationToken);
        }
        catch (IssuerCallException ex) when (ex.NeedsReattestation)
        {
            ex.Data[AuthFailure] = true;
            throw;
        }

        var svid = AgentSvid.Create([.. response.SvidChain.Select(c => X509CertificateLoader.LoadCertificate(Convert.FromBase64String(c)))], key);
        _state.SaveSvid(svid);
        var previous = _svid;
        _svid = svid;
        _issuer.UseSvid(svid);
        previous?.Dispose();
        LogRenewed(_logger, svid.Id.ToString(), svid.NotAfter);
    }

    private void ForgetSvid()
    {
        _svid?.Dispose();
        _svid = null;
        _state.DeleteSvid();
    }

    private void UseBundle(SpiffeBundle bundle, bool persist)
    {
        _bundle = bundle;
        _issuer.UseBundle(bundle.ToX509Bundle());
        if (persist)
        {
            _state.SaveBundle(System.Text.Encoding.UTF8.GetBytes(bundle.ToJson()));
        }
    }

    private async Task SyncOnceAsync(CancellationToken cancellationToken)
    {
        var changed = !_published;
        string? token = null;
        SyncResponse page;
        do
        {
            try
            {
                page = await _issuer.SyncAsync(_revision, token, cancellationToken);
            }
            catch (IssuerCallException ex) when (ex.NeedsReattestation)
            {
                ex.Data[AuthFailure] = true;
                throw;
            }

            foreach (var entry in page.Entries)
            {
                if (!_entries.TryGetValue(entry.Id, out var known) || known.Entry.RevisionNumber != entry.RevisionNumber)
                {
                    _entries[entry.Id] = new EntryState(entry, known?.Svid, known?.MintedForRevision ?? -1, known?.RenewAt ?? DateTimeOffset.MinValue, known?.SignedBy);
                }
            }

            token = page.NextPageToken;
        }
        while (token is not null);

        if (page.AuthorizedEntryIds is { } authorized)
        {
            var keep = authorized.ToHashSet(StringComparer.Ordinal);
            foreach (var gone in _entries.Keys.Where(id => !keep.Contains(id)).ToList())
            {
                _entries.Remove(gone);
                changed = true;
                LogEntryDropped(_logger, gone);
            }

            _cache.ForgetJwts(id => !keep.Contains(id));
        }

        _revision = page.Revision;
        if (_bundle is null || _bundle.Sequence != page.BundleSequence)
        {
            UseBundle(_issuer.ParseBundle(page.Bundle), persist: true);
            changed = true;
        }

        changed |= await MintDueAsync(cancellationToken);
        LastSync = _time.GetUtcNow();
        if (changed)
        {
            Publish();
        }
    }

    private async Task<bool> MintDueAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var due = _entries.Values
            .Where(s => s.Svid is null || s.MintedForRevision != s.Entry.RevisionNumber || now >= s.RenewAt)
            .Select(s => s.Entry)
            .ToList();
        if (due.Count == 0)
        {
            return false;
        }

        foreach (var chunk in due.Chunk(SignBatchSize))
        {
            var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            var items = new List<SignX509Item>(chunk.Length);
            foreach (var entry in chunk)
            {
                var (key, csr) = WorkloadKeys.Create(_options.WorkloadKeyType);
                keys[entry.Id] = key;
                items.Add(new SignX509Item(entry.Id, Convert.ToBase64String(csr)));
            }

            var response = await _issuer.SignAsync(new SignX509Request(items), cancellationToken);
            foreach (var signed in response.Svids)
            {
                if (!_entries.TryGetValue(signed.EntryId, out var state))
                {
                    continue;
                }

                var chain = signed.Chain.Select(Convert.FromBase64String).ToList();
                using var leaf = X509CertificateLoader.LoadCertificate(chain[0]);
                var notBefore = new DateTimeOffset(leaf.NotBefore.ToUniversalTime());
                var notAfter = new DateTimeOffset(leaf.NotAfter.ToUniversalTime());
                var svid = new WorkloadX509Svid
                {
                    EntryId = signed.EntryId,
                    SpiffeId = SpiffeId.Parse(signed.SpiffeId),
                    Selectors = [.. state.Entry.Selectors.Select(Selector.Parse)],
                    ChainDer = [.. chain.SelectMany(c => c)],
                    PrivateKeyPkcs8 = keys[signed.EntryId],
                    Hint = state.Entry.Hint,
                    EntryCreatedAt = state.Entry.CreatedAt,
                    NotAfter = notAfter,
                };
                _entries[signed.EntryId] = state with
                {
                    Svid = svid,
                    MintedForRevision = state.Entry.RevisionNumber,
                    RenewAt = notBefore + ((notAfter - notBefore) / 2),
                };
                LogSvidMinted(_logger, signed.SpiffeId, signed.EntryId, notAfter);
            }
        }

        return true;
    }

    /// <summary>
    /// Fails closed while the issuer is unreachable: an SVID that has expired is taken out of the
    /// snapshot (and so out of every Workload API stream) instead of being served past its NotAfter.
    /// </summary>
    private void DropExpiredSvids()
    {
        if (!_published)
        {
            return;
        }

        var now = _time.GetUtcNow();
        var expired = _entries.Where(e => e.Value.Svid is { } svid && svid.NotAfter <= now).Select(e => e.Key).ToList();
        if (expired.Count == 0)
        {
            return;
        }

        foreach (var id in expired)
        {
            _entries[id] = _entries[id] with { Svid = null };
            LogSvidExpired(_logger, id);
        }

        Publish();
    }

    private void Publish()
    {
        var bundle = _bundle!;
        var x509 = bundle.X509Authorities.SelectMany(c => c.RawData).ToArray();
        var jwks = System.Text.Encoding.UTF8.GetBytes(bundle.ToJwtJwks());
        var svids = _entries.Values.Where(s => s.Svid is not null).Select(s => s.Svid!).OrderBy(s => s.EntryCreatedAt).ToList();
        var snapshot = _cache.Publish(version => new IdentitySnapshot
        {
            Version = version,
            TrustDomain = _trustDomain,
            Svids = svids,
            X509Bundles = new Dictionary<string, byte[]>(StringComparer.Ordinal) { [_trustDomain.IdString] = x509 },
            JwtBundles = new Dictionary<string, byte[]>(StringComparer.Ordinal) { [_trustDomain.IdString] = jwks },
        });
        _published = true;
        _sinks.Write(snapshot);
    }

    public override void Dispose()
    {
        _svid?.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Attested with {Attestor} as {AgentId}; SVID valid until {NotAfter:O}")]
    private static partial void LogAttested(ILogger logger, string attestor, string agentId, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Resumed saved agent SVID {AgentId}, valid until {NotAfter:O}")]
    private static partial void LogResumed(ILogger logger, string agentId, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "Renewed agent SVID {AgentId}, valid until {NotAfter:O}")]
    private static partial void LogRenewed(ILogger logger, string agentId, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Attesting again: the issuer no longer accepts {AgentId} ({Reason})")]
    private static partial void LogReattesting(ILogger logger, string agentId, string reason);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Sync failed; retrying in {Delay}: {Reason}")]
    private static partial void LogLoopFailed(ILogger logger, TimeSpan delay, string reason, Exception? exception);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "Saved agent state cannot be used, attesting instead: {Reason}")]
    private static partial void LogSavedStateUnusable(ILogger logger, string reason);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Debug, Message = "Minted workload SVID {SpiffeId} for entry {EntryId}, valid until {NotAfter:O}")]
    private static partial void LogSvidMinted(ILogger logger, string spiffeId, string entryId, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 1109, Level = LogLevel.Warning, Message = "The SVID of entry {EntryId} expired before it could be renewed; it is no longer served")]
    private static partial void LogSvidExpired(ILogger logger, string entryId);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Error, Message = "Attestation with {Attestor} failed: {Reason}; retrying in {Delay}")]
    private static partial void LogAttestationFailed(ILogger logger, string attestor, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Information, Message = "Entry {EntryId} is no longer authorized for this agent; its SVID is dropped")]
    private static partial void LogEntryDropped(ILogger logger, string entryId);
}
