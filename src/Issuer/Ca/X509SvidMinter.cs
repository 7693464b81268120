using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.Configuration;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Ops.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Issuer.Ca;

/// <summary>
/// Mints X509-SVIDs from CSRs: verify the CSR, build the leaf profile of the X509-SVID standard,
/// sign through the key manager, and record every SVID in the issuance record (one write per batch).
/// </summary>
internal sealed partial class X509SvidMinter
{
    // The leaf profile's fixed extensions; the encoder only reads them, so all threads share them.
    private static readonly X509Extension NotACa = new X509BasicConstraintsExtension(false, false, 0, true);
    private static readonly X509Extension LeafKeyUsage = new X509KeyUsageExtension(
        X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyAgreement, true);
    private static readonly X509Extension ServerAndClientAuth = new X509EnhancedKeyUsageExtension(
        [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false);

    private readonly CaManager _ca;
    private readonly IDataStore _store;
    private readonly IssuerOptions _issuer;
    private readonly CaOptions _caOptions;
    private readonly TimeProvider _time;
    private readonly ILogger<X509SvidMinter> _logger;
    private readonly IssuerMetrics? _metrics;
    private readonly Lazy<X500DistinguishedName> _subjectWithoutCommonName;

    /// <param name="metrics">Counts and times what is minted; null where no metrics are registered (the migrate command).</param>
    public X509SvidMinter(CaManager ca, IDataStore store, IOptions<IssuerOptions> issuer, IOptions<CaOptions> caOptions, TimeProvider time, ILogger<X509SvidMinter> logger, IssuerMetrics? metrics = null)
    {
        _metrics = metrics;
        _ca = ca;
        _store = store;
        _issuer = issuer.Value;
        _caOptions = caOptions.Value;
        _time = time;
        _logger = logger;
        _subjectWithoutCommonName = new(() => X509Extensions.NameWith(_caOptions.SvidSubject));
    }

    /// <summary>Mints one SVID.</summary>
    public async Task<MintedX509Svid> MintAsync(X509SvidParams request, CancellationToken cancellationToken)
        => (await MintBatchAsync([request], cancellationToken))[0];

    /// <summary>
    /// Mints a batch, all or nothing: a bad CSR anywhere fails the whole batch with a
    /// <see cref="CaException"/> naming its index, and nothing is recorded.
    /// </summary>
    public async Task<IReadOnlyList<MintedX509Svid>> MintBatchAsync(IReadOnlyList<X509SvidParams> batch, CancellationToken cancellationToken)
        => (await MintBatchAsync(batch, agentId: null, cancellationToken))!;

    /// <summary>
    /// Mints a batch an agent asked for, as <see cref="MintBatchAsync(IReadOnlyList{X509SvidParams}, CancellationToken)"/>,
    /// recording it only while the agent's node exists and is not banned (a ban either lands first or
    /// revokes these SVIDs). Null when the agent was banned or evicted since it authenticated: the
    /// signed certificates are then discarded unrecorded and must not be handed out.
    /// </summary>
    public Task<IReadOnlyList<MintedX509Svid>?> MintForAgentAsync(string agentId, IReadOnlyList<X509SvidParams> batch, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentId);
        return MintBatchAsync(batch, agentId, cancellationToken);
    }

    private async Task<IReadOnlyList<MintedX509Svid>?> MintBatchAsync(IReadOnlyList<X509SvidParams> batch, string? agentId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return [];
        }

        var signing = new SigningContext(_ca.ActiveX509, _time.GetUtcNow());
        var results = new MintedX509Svid[batch.Count];
        var records = new IssuanceRecord[batch.Count];
        if (batch.Count == 1)
        {
            (results[0], records[0]) = MintOne(batch[0], 0, signing);
        }
        else
        {
            // CSR verification and signing are CPU-bound and independent per request: use every core.
            // A rejected request is kept by index so the batch fails with the first one's CaException,
            // not with an AggregateException of whichever requests the loop happened to reach.
            var rejected = new CaException?[batch.Count];
            var options = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount };
            Parallel.For(0, batch.Count, options, i =>
            {
                try
                {
                    (results[i], records[i]) = MintOne(batch[i], i, signing);
                }
                catch (CaException ex)
                {
                    rejected[i] = ex;
                }
            });
            if (Array.Find(rejected, e => e is not null) is { } first)
            {
                ExceptionDispatchInfo.Throw(first);
            }
        }

        if (agentId is null)
        {
            await _store.AddIssuanceRecordsAsync(records, cancellationToken);
        }
        else if (!await _store.AddIssuanceRecordsAsync(records, agentId, cancellationToken))
        {
            return null;
        }

        _metrics?.Minted(SvidKind.X509, results.Length);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            foreach (var minted in results)
            {
                LogMinted(_logger, minted.SpiffeId.ToString(), minted.Serial, minted.NotAfter, signing.Authority.Id);
            }
        }

        return results;
    }

    private (MintedX509Svid Svid, IssuanceRecord Record) MintOne(X509SvidParams request, int index, SigningContext signing)
    {
        var (publicKey, keyType) = ReadCsr(request.Csr, index);
        if (!request.SpiffeId.IsMemberOf(_ca.TrustDomain) || request.SpiffeId.IsRoot)
        {
            throw new CaException($"request {index}: SPIFFE ID {request.SpiffeId} must be in trust domain {_ca.TrustDomain} and have a path");
        }

        var ttl = request.Ttl == TimeSpan.Zero ? _issuer.DefaultX509SvidTtl : request.Ttl;
        if (ttl < SvidTtlLimits.Minimum || ttl > _issuer.MaxX509SvidTtl)
        {
            throw new CaException($"request {index}: ttl {ttl} is outside {SvidTtlLimits.Minimum}..{_issuer.MaxX509SvidTtl}");
        }

        var authority = signing.Authority;
        var now = signing.Now;
        var notBefore = now.AddSeconds(-10);
        var notAfter = now + ttl;
        if (notAfter > signing.CaNotAfter)
        {
            notAfter = signing.CaNotAfter;
        }

        var subject = request.DnsNames.Count > 0
            ? X509Extensions.NameWith(_caOptions.SvidSubject, commonName: request.DnsNames[0])
            : _subjectWithoutCommonName.Value;
        var spiffeId = request.SpiffeId.ToString();
        X509Extension[] extensions =
        [
            NotACa,
            LeafKeyUsage,
            ServerAndClientAuth,
            new X509SubjectKeyIdentifierExtension(publicKey, false),
            authority.AuthorityKeyIdentifier,
            X509Extensions.SubjectAltName(spiffeId, request.DnsNames, critical: false),
        ];

        var serial = X509Extensions.NewSerialNumber();
        var signingStarted = System.Diagnostics.Stopwatch.GetTimestamp();
        var certificate = X509SvidEncoder.Encode(
            signing.IssuerName, subject, publicKey, extensions, serial, notBefore, notAfter, authority.Generator, authority.Hash);
        _metrics?.Signed(SvidKind.X509, System.Diagnostics.Stopwatch.GetElapsedTime(signingStarted));
        var serialHex = Convert.ToHexStringLower(serial);
        var svid = new MintedX509Svid(
            request.SpiffeId,
            certificate,
            [.. signing.ChainAboveDer.Select(c => c.ToArray())],
            serialHex,
            notBefore,
            notAfter,
            authority.Id);
        var record = new IssuanceRecord
        {
            Serial = serialHex,
            Kind = SvidKind.X509,
            SpiffeId = spiffeId,
            EntryId = request.EntryId,
            Caller = request.Caller,
            NotBefore = notBefore,
            NotAfter = notAfter,
            KeyType = keyType,
            SigningAuthority = authority.Id,
            CreatedAt = now,
            EntryRevision = request.Context?.EntryRevision,
            NodeAttestor = request.Context?.NodeAttestor,
            NodeSelectors = request.Context?.NodeSelectors,
            WorkloadSelectors = request.Context?.WorkloadSelectors,
        };
        return (svid, record);
    }

    /// <summary>What every SVID of one batch shares: the authority, the clock reading and the CA's encoded parts.</summary>
    private sealed class SigningContext
    {
        public SigningContext(X509Authority authority, DateTimeOffset now)
        {
            Authority = authority;
            Now = now;
            CaNotAfter = authority.Certificate.NotAfter.ToUniversalTime();
            IssuerName = authority.Certificate.SubjectName;
            ChainAboveDer = [authority.Certificate.RawDataMemory, .. authority.ChainAbove.Select(c => c.RawDataMemory)];
        }

        public X509Authority Authority { get; }

        public DateTimeOffset Now { get; }

        public DateTimeOffset CaNotAfter { get; }

        public X500DistinguishedName IssuerName { get; }

        public ReadOnlyMemory<byte>[] ChainAboveDer { get; }
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Debug, Message = "Minted X509-SVID {SpiffeId} serial {Serial} until {NotAfter:O} by {AuthorityId}")]
    private static partial void LogMinted(ILogger logger, string spiffeId, string serial, DateTimeOffset notAfter, string authorityId);
}
