using System.Formats.Asn1;
using System.Runtime.ExceptionServices;
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
    private const string EcPublicKeyOid = "1.2.840.10045.2.1";

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
    private readonly Lazy<X500DistinguishedName> _subjectWithoutCommonName;

    public X509SvidMinter(CaManager ca, IDataStore store, IOptions<IssuerOptions> issuer, IOptions<CaOptions> caOptions, TimeProvider time, ILogger<X509SvidMinter> logger)
    {
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

        await _store.AddIssuanceRecordsAsync(records, cancellationToken);
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
        var certificate = X509SvidEncoder.Encode(
            signing.IssuerName, subject, publicKey, extensions, serial, notBefore, notAfter, authority.Generator, authority.Hash);
        var serialHex = Convert.ToHexStringLower(serial);
        var svid = new MintedX509Svid(
            request.SpiffeId,
            certificate,
            [.. signing.ChainAboveDer.Select(c => c.ToArray())],
            serialHex,
            notBefore,
            notAfter);
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
        };
        return (svid, record);
    }

    /// <summary>Verifies the CSR's self-signature (proof the caller holds the key) and returns its key and key type.</summary>
    private static (PublicKey Key, string KeyType) ReadCsr(byte[] csr, int index)
    {
        // Importing a public key into OpenSSL costs more than verifying with it, so an EC request is
        // verified with the one key object that also gives its size; anything else, and any request
        // that does not verify (for its exact error), goes through the framework's own check.
        var fast = TryReadEcCsr(csr);
        var (key, described) = fast ?? ReadCsrWithFrameworkCheck(csr, index);
        if (described is not ("ec-p256" or "ec-p384" or "rsa-2048" or "rsa-3072" or "rsa-4096"))
        {
            throw new CaException($"request {index}: CSR key type {described} is not accepted; use EC P-256, EC P-384 or RSA 2048-4096");
        }

        return (key, described);
    }

    private static (PublicKey Key, string KeyType) ReadCsrWithFrameworkCheck(byte[] csr, int index)
    {
        CertificateRequest parsed;
        try
        {
            // Default load options verify the request's self-signature.
            parsed = CertificateRequest.LoadSigningRequest(csr, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);
        }
        catch (CryptographicException ex)
        {
            throw new CaException($"request {index}: CSR is not a valid PKCS#10 request or its signature does not verify ({ex.Message})", ex);
        }

        return (parsed.PublicKey, X509Extensions.DescribeKey(parsed.PublicKey));
    }

    /// <summary>
    /// For a well-formed request with an EC key signed ECDSA-with-SHA-x, does what the framework's
    /// default load does (one key import, one DER-signature verify) and returns the key and
    /// <c>ec-pN</c>; null when the request is anything else or does not verify.
    /// </summary>
    private static (PublicKey Key, string KeyType)? TryReadEcCsr(byte[] csr)
    {
        PublicKey key;
        try
        {
            // Structure, version and attributes are checked exactly as before, without the signature.
            key = CertificateRequest.LoadSigningRequest(csr, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.SkipSignatureValidation).PublicKey;
        }
        catch (CryptographicException)
        {
            return null;
        }

        if (key.Oid.Value != EcPublicKeyOid || !TrySplitSignedRequest(csr, out var requestInfo, out var hash, out var signature))
        {
            return null;
        }

        try
        {
            using var ecdsa = key.GetECDsaPublicKey();
            if (ecdsa is null || !ecdsa.VerifyData(requestInfo.Span, signature.Span, hash, DSASignatureFormat.Rfc3279DerSequence))
            {
                return null;
            }

            return (key, $"ec-p{ecdsa.KeySize}");
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>
    /// Splits a DER PKCS#10 request (already parsed once) into the signed CertificationRequestInfo,
    /// the hash of an ECDSA-with-SHA-x signature algorithm without parameters, and the signature.
    /// </summary>
    private static bool TrySplitSignedRequest(ReadOnlyMemory<byte> csr, out ReadOnlyMemory<byte> requestInfo, out HashAlgorithmName hash, out ReadOnlyMemory<byte> signature)
    {
        requestInfo = default;
        signature = default;
        hash = default;
        try
        {
            var request = new AsnReader(csr, AsnEncodingRules.DER).ReadSequence();
            requestInfo = request.ReadEncodedValue();
            var algorithm = request.ReadSequence();
            hash = algorithm.ReadObjectIdentifier() switch
            {
                "1.2.840.10045.4.3.2" => HashAlgorithmName.SHA256,
                "1.2.840.10045.4.3.3" => HashAlgorithmName.SHA384,
                "1.2.840.10045.4.3.4" => HashAlgorithmName.SHA512,
                "1.2.840.10045.4.1" => HashAlgorithmName.SHA1,
                _ => default,
            };
            if (hash == default)
            {
                return false;
            }

            // Like the framework: no parameters, or an explicit NULL.
            if (algorithm.HasData)
            {
                algorithm.ReadNull();
                algorithm.ThrowIfNotEmpty();
            }

            if (!request.TryReadPrimitiveBitString(out var unusedBits, out signature) || unusedBits != 0)
            {
                return false;
            }

            return true;
        }
        catch (AsnContentException)
        {
            return false;
        }
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
