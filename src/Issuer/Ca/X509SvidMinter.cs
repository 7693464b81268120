using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.Configuration;
using IdentityIssuer.Issuer.Datastore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Issuer.Ca;

/// <summary>
/// Mints X509-SVIDs from CSRs: verify the CSR, build the leaf profile of the X509-SVID standard,
/// sign through the key manager, and record every SVID in the issuance record (one write per batch).
/// </summary>
internal sealed partial class X509SvidMinter
{
    private static readonly OidCollection ServerAndClientAuth = [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")];

    private readonly CaManager _ca;
    private readonly IDataStore _store;
    private readonly IssuerOptions _issuer;
    private readonly CaOptions _caOptions;
    private readonly TimeProvider _time;
    private readonly ILogger<X509SvidMinter> _logger;

    public X509SvidMinter(CaManager ca, IDataStore store, IOptions<IssuerOptions> issuer, IOptions<CaOptions> caOptions, TimeProvider time, ILogger<X509SvidMinter> logger)
    {
        _ca = ca;
        _store = store;
        _issuer = issuer.Value;
        _caOptions = caOptions.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Mints one SVID.</summary>
    public async Task<MintedX509Svid> MintAsync(X509SvidParams request, CancellationToken cancellationToken)
        => (await MintBatchAsync([request], cancellationToken))[0];

    /// <summary>
    /// Mints a batch, all or nothing: a bad CSR anywhere fails the whole batch with a
    /// <see cref="CaException"/> naming its index, and nothing is recorded.
    /// </summary>
    public async Task<IReadOnlyList<MintedX509Svid>> MintBatchAsync(IReadOnlyList<X509SvidParams> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return [];
        }

        var authority = _ca.ActiveX509;
        var now = _time.GetUtcNow();
        var results = new MintedX509Svid[batch.Count];
        var records = new IssuanceRecord[batch.Count];
        if (batch.Count == 1)
        {
            (results[0], records[0]) = MintOne(batch[0], 0, authority, now);
        }
        else
        {
            var options = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount };
            Parallel.For(0, batch.Count, options, i => (results[i], records[i]) = MintOne(batch[i], i, authority, now));
        }

        await _store.AddIssuanceRecordsAsync(records, cancellationToken);
        foreach (var minted in results)
        {
            LogMinted(_logger, minted.SpiffeId.ToString(), minted.Serial, minted.NotAfter, authority.Id);
        }

        return results;
    }

    private (MintedX509Svid Svid, IssuanceRecord Record) MintOne(X509SvidParams request, int index, X509Authority authority, DateTimeOffset now)
    {
        var publicKey = ReadCsr(request.Csr, index);
        if (!request.SpiffeId.IsMemberOf(_ca.TrustDomain) || request.SpiffeId.IsRoot)
        {
            throw new CaException($"request {index}: SPIFFE ID {request.SpiffeId} must be in trust domain {_ca.TrustDomain} and have a path");
        }

        var ttl = request.Ttl == TimeSpan.Zero ? _issuer.DefaultX509SvidTtl : request.Ttl;
        if (ttl < SvidTtlLimits.Minimum || ttl > _issuer.MaxX509SvidTtl)
        {
            throw new CaException($"request {index}: ttl {ttl} is outside {SvidTtlLimits.Minimum}..{_issuer.MaxX509SvidTtl}");
        }

        var notBefore = now.AddSeconds(-10);
        var notAfter = now + ttl;
        var caNotAfter = authority.Certificate.NotAfter.ToUniversalTime();
        if (notAfter > caNotAfter)
        {
            notAfter = caNotAfter;
        }

        var subject = X509Extensions.NameWith(_caOptions.SvidSubject, commonName: request.DnsNames.Count > 0 ? request.DnsNames[0] : null);
        var builder = new CertificateRequest(subject, publicKey, authority.Hash);
        builder.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        builder.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyAgreement, true));
        builder.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(ServerAndClientAuth, false));
        builder.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(publicKey, false));
        builder.CertificateExtensions.Add(authority.AuthorityKeyIdentifier);
        builder.CertificateExtensions.Add(X509Extensions.SubjectAltName(request.SpiffeId.ToString(), request.DnsNames, critical: false));

        var serial = X509Extensions.NewSerialNumber();
        using var certificate = builder.Create(authority.Certificate.SubjectName, authority.Generator, notBefore, notAfter, serial);
        var serialHex = Convert.ToHexStringLower(serial);
        var svid = new MintedX509Svid(
            request.SpiffeId,
            certificate.RawData,
            [authority.Certificate.RawData, .. authority.ChainAbove.Select(c => c.RawData)],
            serialHex,
            notBefore,
            notAfter);
        var record = new IssuanceRecord
        {
            Serial = serialHex,
            Kind = SvidKind.X509,
            SpiffeId = request.SpiffeId.ToString(),
            EntryId = request.EntryId,
            Caller = request.Caller,
            NotBefore = notBefore,
            NotAfter = notAfter,
            KeyType = X509Extensions.DescribeKey(publicKey),
            SigningAuthority = authority.Id,
            CreatedAt = now,
        };
        return (svid, record);
    }

    /// <summary>Reads and checks a CSR as minting would (signature, key type), so a caller can refuse it before spending single-use evidence.</summary>
    internal static PublicKey ReadCsr(byte[] csr, int index)
    {
        CertificateRequest parsed;
        try
        {
            // Default load options verify the request's self-signature: proof the caller holds the key.
            parsed = CertificateRequest.LoadSigningRequest(csr, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);
        }
        catch (CryptographicException ex)
        {
            throw new CaException($"request {index}: CSR is not a valid PKCS#10 request or its signature does not verify ({ex.Message})", ex);
        }

        var key = parsed.PublicKey;
        var described = X509Extensions.DescribeKey(key);
        if (described is not ("ec-p256" or "ec-p384" or "rsa-2048" or "rsa-3072" or "rsa-4096"))
        {
            throw new CaException($"request {index}: CSR key type {described} is not accepted; use EC P-256, EC P-384 or RSA 2048-4096");
        }

        return key;
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Debug, Message = "Minted X509-SVID {SpiffeId} serial {Serial} until {NotAfter:O} by {AuthorityId}")]
    private static partial void LogMinted(ILogger logger, string spiffeId, string serial, DateTimeOffset notAfter, string authorityId);
}
