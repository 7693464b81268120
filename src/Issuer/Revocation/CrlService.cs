using System.Numerics;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.KeyManagement;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Issuer.Revocation;

/// <summary>
/// Signs the CRLs of this replica's X.509 authorities and stores them for every replica to hand out.
/// An authority gets a new CRL (number one higher) when it has none, when a revocation of something it
/// signed is newer than its CRL, or when half of the CRL's validity (<see cref="CaOptions.CrlTtl"/>) has
/// passed. Every authority that is still in the bundle and unexpired has a CRL, empty or not, so a
/// verifier can tell "nothing revoked" from "no CRL". Other replicas' authorities are left to them.
/// </summary>
internal sealed partial class CrlService : IDisposable
{
    private readonly IDataStore _store;
    private readonly IKeyManager _keys;
    private readonly CaManager _ca;
    private readonly CaOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<CrlService> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public CrlService(IDataStore store, IKeyManager keys, CaManager ca, IOptions<CaOptions> options, TimeProvider time, ILogger<CrlService> logger)
    {
        _store = store;
        _keys = keys;
        _ca = ca;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Raised after this replica stored a new CRL.</summary>
    public event EventHandler? CrlsChanged;

    /// <summary>Signs and stores whatever CRL is due; returns how many were signed.</summary>
    public async Task<int> RefreshAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = _time.GetUtcNow();
            var own = (await _store.ListAuthoritiesAsync(AuthorityKind.X509, cancellationToken))
                .Where(a => a.Replica == _ca.ReplicaName && a.Status != AuthorityStatus.Revoked && a.NotAfter > now)
                .ToList();
            if (own.Count == 0)
            {
                return 0;
            }

            var stored = (await _store.ListCrlsAsync(cancellationToken)).ToDictionary(c => c.AuthorityId, StringComparer.Ordinal);
            var revoked = (await _store.ListRevokedSvidsAsync(null, cancellationToken))
                .GroupBy(r => r.AuthorityId, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
            var signed = 0;
            foreach (var authority in own)
            {
                var entries = revoked.GetValueOrDefault(authority.Id) ?? [];
                var revision = entries.Count == 0 ? 0 : entries.Max(e => e.Revision);
                stored.TryGetValue(authority.Id, out var current);
                if (current is not null
                    && current.RevocationRevision >= revision
                    && now < current.ThisUpdate + ((current.NextUpdate - current.ThisUpdate) / 2))
                {
                    continue;
                }

                var signer = await _keys.GetKeyAsync(authority.KeyId, cancellationToken);
                if (signer is null)
                {
                    LogKeyMissing(_logger, authority.Id, authority.KeyId);
                    continue;
                }

                var live = entries.Where(e => e.NotAfter > now).ToList();
                var crl = Sign(authority, signer, live, (current?.CrlNumber ?? 0) + 1, revision, now, cancellationToken);
                if (await _store.SaveCrlAsync(crl, cancellationToken))
                {
                    signed++;
                    LogCrlSigned(_logger, authority.Id, crl.CrlNumber, live.Count, crl.NextUpdate);
                }
            }

            if (signed > 0)
            {
                CrlsChanged?.Invoke(this, EventArgs.Empty);
            }

            return signed;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private StoredCrl Sign(CaAuthority authority, IKeySigner signer, IReadOnlyList<RevokedSvid> entries, long number, long revision, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var certificate = X509CertificateLoader.LoadCertificate(authority.PublicData);
        var builder = new CertificateRevocationListBuilder();
        foreach (var entry in entries)
        {
            builder.AddEntry(Convert.FromHexString(entry.Serial), entry.RevokedAt);
        }

        var ski = certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()
            ?? throw new CaException($"x509 authority {authority.Id} has no subject key identifier");
        var nextUpdate = now + _options.CrlTtl;
        var der = builder.Build(
            certificate.SubjectName,
            new KeyManagerSignatureGenerator(signer, cancellationToken),
            new BigInteger(number),
            nextUpdate,
            KeyTypes.DefaultHash(signer.KeyType),
            X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(ski),
            now);
        return new StoredCrl
        {
            AuthorityId = authority.Id,
            CrlNumber = number,
            Der = der,
            ThisUpdate = now,
            NextUpdate = nextUpdate,
            RevocationRevision = revision,
        };
    }

    [LoggerMessage(EventId = 730, Level = LogLevel.Information, Message = "Signed CRL {CrlNumber} of x509 authority {AuthorityId}: {Count} revoked, next update {NextUpdate:O}")]
    private static partial void LogCrlSigned(ILogger logger, string authorityId, long crlNumber, int count, DateTimeOffset nextUpdate);

    [LoggerMessage(EventId = 731, Level = LogLevel.Warning, Message = "Cannot sign the CRL of x509 authority {AuthorityId}: the key manager has no key '{KeyId}'")]
    private static partial void LogKeyMissing(ILogger logger, string authorityId, string keyId);
}
