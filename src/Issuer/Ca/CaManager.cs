using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.Configuration;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.KeyManagement;
using IdentityIssuer.Spiffe;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Issuer.Ca;

/// <summary>
/// Owns the active X.509 CA and JWT key. On first start it creates both (self-signed, or under the
/// configured upstream CA), records them in the CA journal and publishes them in the trust bundle
/// before anything is signed; on later starts it resumes them from the journal and the key manager.
/// </summary>
internal sealed partial class CaManager
{
    private const string X509Slot = "A";
    private const string JwtSlot = "A";

    private readonly IDataStore _store;
    private readonly IKeyManager _keys;
    private readonly CaOptions _options;
    private readonly TrustDomain _trustDomain;
    private readonly TimeProvider _time;
    private readonly ILogger<CaManager> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile X509Authority? _x509;
    private volatile JwtSigningAuthority? _jwt;

    public CaManager(IDataStore store, IKeyManager keys, IOptions<CaOptions> options, IOptions<IssuerOptions> issuer, TimeProvider time, ILogger<CaManager> logger)
    {
        _store = store;
        _keys = keys;
        _options = options.Value;
        _trustDomain = TrustDomain.Parse(issuer.Value.TrustDomain);
        _time = time;
        _logger = logger;
    }

    /// <summary>The trust domain this CA serves.</summary>
    public TrustDomain TrustDomain => _trustDomain;

    /// <summary>True once both authorities are loaded.</summary>
    public bool IsReady => _x509 is not null && _jwt is not null;

    /// <summary>The X.509 CA that signs new SVIDs.</summary>
    public X509Authority ActiveX509 => _x509 ?? throw new CaException("the CA is not initialized yet");

    /// <summary>The key that signs new JWT-SVIDs.</summary>
    public JwtSigningAuthority ActiveJwt => _jwt ?? throw new CaException("the JWT signing key is not initialized yet");

    /// <summary>Loads or creates both authorities. Safe to call more than once.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            _x509 = await LoadX509Async(cancellationToken) ?? await CreateX509Async(cancellationToken);
            _jwt = await LoadJwtAsync(cancellationToken) ?? await CreateJwtAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<X509Authority?> LoadX509Async(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var authorities = await _store.ListAuthoritiesAsync(AuthorityKind.X509, cancellationToken);
        var active = authorities.LastOrDefault(a => a.Status == AuthorityStatus.Active);
        if (active is null)
        {
            return null;
        }

        var reason = await UsableAsync(active, now, cancellationToken);
        if (reason is not null)
        {
            LogAuthorityReplaced(_logger, "x509", active.Id, reason);
            await _store.UpsertAuthorityAsync(active with { Status = AuthorityStatus.Old }, cancellationToken);
            return null;
        }

        var signer = (await _keys.GetKeyAsync(active.KeyId, cancellationToken))!;
        var certificate = X509CertificateLoader.LoadCertificate(active.PublicData);
        var above = active.UpstreamChain.Length == 0 ? [] : Spiffe.X509.DerCertificates.Split(active.UpstreamChain);
        LogAuthorityResumed(_logger, "x509", active.Id, active.NotAfter);
        return new X509Authority(active, certificate, signer, above);
    }

    private async Task<JwtSigningAuthority?> LoadJwtAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var authorities = await _store.ListAuthoritiesAsync(AuthorityKind.Jwt, cancellationToken);
        var active = authorities.LastOrDefault(a => a.Status == AuthorityStatus.Active);
        if (active is null)
        {
            return null;
        }

        var reason = await UsableAsync(active, now, cancellationToken);
        if (reason is not null)
        {
            LogAuthorityReplaced(_logger, "jwt", active.Id, reason);
            await _store.UpsertAuthorityAsync(active with { Status = AuthorityStatus.Old }, cancellationToken);
            return null;
        }

        var signer = (await _keys.GetKeyAsync(active.KeyId, cancellationToken))!;
        LogAuthorityResumed(_logger, "jwt", active.Id, active.NotAfter);
        return new JwtSigningAuthority(active, signer);
    }

    /// <summary>Null when the journal's authority can still sign; otherwise why not.</summary>
    private async Task<string?> UsableAsync(CaAuthority authority, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (authority.NotAfter <= now)
        {
            return "it has expired";
        }

        var signer = await _keys.GetKeyAsync(authority.KeyId, cancellationToken);
        if (signer is null)
        {
            return $"the key manager has no key '{authority.KeyId}'";
        }

        var publicKey = signer.PublicKey.ExportSubjectPublicKeyInfo();
        var recorded = authority.Kind == AuthorityKind.X509
            ? X509CertificateLoader.LoadCertificate(authority.PublicData).PublicKey.ExportSubjectPublicKeyInfo()
            : authority.PublicData;
        return publicKey.AsSpan().SequenceEqual(recorded) ? null : $"key '{authority.KeyId}' no longer matches the journal";
    }

    private async Task<X509Authority> CreateX509Async(CancellationToken cancellationToken)
    {
        KeyTypes.TryParse(_options.KeyType, out var keyType);
        var now = _time.GetUtcNow();
        var keyId = $"x509-ca-{X509Slot}-{now.ToUnixTimeSeconds()}";
        var signer = await _keys.GenerateKeyAsync(keyId, keyType, cancellationToken);
        var notBefore = now.AddSeconds(-10);
        var notAfter = now + _options.Ttl;

        var subject = X509Extensions.NameWith(_options.Subject, serialNumber: Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));
        var request = new CertificateRequest(subject, signer.PublicKey, KeyTypes.DefaultHash(keyType));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var ski = new X509SubjectKeyIdentifierExtension(signer.PublicKey, false);
        request.CertificateExtensions.Add(ski);
        request.CertificateExtensions.Add(X509Extensions.SubjectAltName(_trustDomain.IdString, [], critical: false));

        X509Certificate2 certificate;
        IReadOnlyList<X509Certificate2> above;
        IReadOnlyList<X509Certificate2> roots;
        if (_options.HasUpstream)
        {
            using var upstream = UpstreamAuthority.Load(_options);
            if (notAfter > upstream.Certificate.NotAfter.ToUniversalTime())
            {
                notAfter = upstream.Certificate.NotAfter.ToUniversalTime();
            }

            if (notAfter <= now)
            {
                throw new CaException($"Ca:UpstreamCertificateFile '{_options.UpstreamCertificateFile}': the upstream CA expired at {upstream.Certificate.NotAfter.ToUniversalTime():O}");
            }

            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(upstream.Certificate, true, false));
            certificate = request.Create(upstream.Certificate.SubjectName, upstream.CreateGenerator(), notBefore, notAfter, X509Extensions.NewSerialNumber());
            above = upstream.ChainAbove;
            roots = upstream.Roots;
        }
        else
        {
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(ski));
            var generator = new KeyManagerSignatureGenerator(signer);
            certificate = request.Create(subject, generator, notBefore, notAfter, X509Extensions.NewSerialNumber());
            above = [];
            roots = [certificate];
        }

        var record = new CaAuthority
        {
            Id = ski.SubjectKeyIdentifier!.ToLowerInvariant(),
            Kind = AuthorityKind.X509,
            Slot = X509Slot,
            Status = AuthorityStatus.Active,
            KeyId = keyId,
            PublicData = certificate.RawData,
            UpstreamChain = Spiffe.X509.DerCertificates.Concat(above),
            NotBefore = notBefore,
            NotAfter = notAfter,
            CreatedAt = now,
        };

        // Publish before signing anything: every verifier must trust the CA before it sees an SVID from it.
        await _store.AppendBundleAsync(_trustDomain.Name, true, [.. roots.Select(r => r.RawData)], [], cancellationToken);
        await _store.UpsertAuthorityAsync(record, cancellationToken);
        LogAuthorityCreated(_logger, "x509", record.Id, keyId, notAfter);
        return new X509Authority(record, X509CertificateLoader.LoadCertificate(certificate.RawData), signer, above);
    }

    private async Task<JwtSigningAuthority> CreateJwtAsync(CancellationToken cancellationToken)
    {
        KeyTypes.TryParse(_options.JwtKeyType, out var keyType);
        var now = _time.GetUtcNow();
        var keyId = $"jwt-{JwtSlot}-{now.ToUnixTimeSeconds()}";
        var signer = await _keys.GenerateKeyAsync(keyId, keyType, cancellationToken);
        var kid = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24));
        var spki = signer.PublicKey.ExportSubjectPublicKeyInfo();
        var notAfter = now + _options.Ttl;
        var record = new CaAuthority
        {
            Id = kid,
            Kind = AuthorityKind.Jwt,
            Slot = JwtSlot,
            Status = AuthorityStatus.Active,
            KeyId = keyId,
            PublicData = spki,
            NotBefore = now,
            NotAfter = notAfter,
            CreatedAt = now,
        };
        await _store.AppendBundleAsync(_trustDomain.Name, true, [], [new BundleJwtKey(kid, spki, notAfter)], cancellationToken);
        await _store.UpsertAuthorityAsync(record, cancellationToken);
        LogAuthorityCreated(_logger, "jwt", kid, keyId, notAfter);
        return new JwtSigningAuthority(record, signer);
    }


    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Created {Kind} authority {AuthorityId} with key {KeyId}, valid until {NotAfter:O}")]
    private static partial void LogAuthorityCreated(ILogger logger, string kind, string authorityId, string keyId, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Resumed {Kind} authority {AuthorityId}, valid until {NotAfter:O}")]
    private static partial void LogAuthorityResumed(ILogger logger, string kind, string authorityId, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Replacing {Kind} authority {AuthorityId}: {Reason}")]
    private static partial void LogAuthorityReplaced(ILogger logger, string kind, string authorityId, string reason);
}
