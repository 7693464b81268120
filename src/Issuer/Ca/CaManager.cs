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
/// Owns the X.509 CA and JWT key in two slots each (A/B): the active authority signs, the prepared
/// one in the other slot is already in the trust bundle and takes over at activation. On first start
/// it creates the active pair (self-signed, or under the configured upstream CA), records it in the
/// CA journal and publishes it in the trust bundle before anything is signed; on later starts it
/// resumes active and prepared authorities from the journal and the key manager. Rotation lives in
/// CaManager.Rotation.cs, creation in CaManager.Create.cs.
/// </summary>
internal sealed partial class CaManager
{
    private const string FirstSlot = "A";

    private readonly IDataStore _store;
    private readonly IKeyManager _keys;
    private readonly CaOptions _options;
    private readonly TrustDomain _trustDomain;
    private readonly TimeProvider _time;
    private readonly ILogger<CaManager> _logger;
    private readonly UpstreamRootAuthority? _upstreamRoot;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile X509Authority? _x509;
    private volatile JwtSigningAuthority? _jwt;
    private volatile X509Authority? _preparedX509;
    private volatile JwtSigningAuthority? _preparedJwt;

    public CaManager(IDataStore store, IKeyManager keys, IOptions<CaOptions> options, IOptions<IssuerOptions> issuer, TimeProvider time, ILogger<CaManager> logger, UpstreamRootAuthority? upstreamRoot = null)
    {
        _upstreamRoot = upstreamRoot is { IsConfigured: true } ? upstreamRoot : null;
        _store = store;
        _keys = keys;
        _options = options.Value;
        _trustDomain = TrustDomain.Parse(issuer.Value.TrustDomain);
        _time = time;
        _logger = logger;
    }

    /// <summary>This replica's name in the CA journal.</summary>
    public string ReplicaName => _options.ReplicaName;

    /// <summary>The trust domain this CA serves.</summary>
    public TrustDomain TrustDomain => _trustDomain;

    /// <summary>True once both authorities are loaded.</summary>
    public bool IsReady => _x509 is not null && _jwt is not null;

    /// <summary>The X.509 CA that signs new SVIDs.</summary>
    public X509Authority ActiveX509 => _x509 ?? throw new CaException("the CA is not initialized yet");

    /// <summary>The key that signs new JWT-SVIDs.</summary>
    public JwtSigningAuthority ActiveJwt => _jwt ?? throw new CaException("the JWT signing key is not initialized yet");

    /// <summary>Loads or creates both authorities and resumes prepared ones. Safe to call more than once.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_upstreamRoot is not null)
            {
                // Refuse to start without the root rather than fall back to a self-signed CA.
                await _upstreamRoot.RequireCurrentAsync(cancellationToken);
            }

            var (x509, preparedX509) = await ResumeAsync(AuthorityKind.X509, cancellationToken);
            _x509 = x509 is null ? await CreateX509Async(FirstSlot, AuthorityStatus.Active, cancellationToken) : await MaterializeX509Async(x509, cancellationToken);
            _preparedX509 = preparedX509 is null ? null : await MaterializeX509Async(preparedX509, cancellationToken);

            var (jwt, preparedJwt) = await ResumeAsync(AuthorityKind.Jwt, cancellationToken);
            _jwt = jwt is null ? await CreateJwtAsync(FirstSlot, AuthorityStatus.Active, cancellationToken) : await MaterializeJwtAsync(jwt, cancellationToken);
            _preparedJwt = preparedJwt is null ? null : await MaterializeJwtAsync(preparedJwt, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Reads the journal for one kind and settles it: the newest usable Active row stays active and any
    /// other Active row (left by an activation interrupted between its two writes, or unusable) becomes
    /// Old; the newest usable Prepared row that is in the bundle stays prepared and every other Prepared
    /// row becomes Old. With no usable active authority but a usable prepared one, the prepared one is
    /// activated: it is already trusted. Discarded rows stay in the bundle; they expire there.
    /// </summary>
    private async Task<(CaAuthority? Active, CaAuthority? Prepared)> ResumeAsync(AuthorityKind kind, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var name = KindName(kind);
        // Only this replica's rows: another replica's authorities are trusted here but never touched.
        var rows = (await _store.ListAuthoritiesAsync(kind, cancellationToken)).Where(r => r.Replica == _options.ReplicaName).ToList();
        var bundle = await _store.GetBundleAsync(_trustDomain.Name, cancellationToken);

        CaAuthority? active = null;
        foreach (var row in Newest(rows, AuthorityStatus.Active))
        {
            var reason = active is not null
                ? $"authority {active.Id} superseded it"
                : await UsableAsync(row, now, cancellationToken);
            if (reason is null)
            {
                active = row;
                continue;
            }

            LogAuthorityReplaced(_logger, name, row.Id, reason);
            await _store.UpsertAuthorityAsync(row with { Status = AuthorityStatus.Old }, cancellationToken);
        }

        CaAuthority? prepared = null;
        foreach (var row in Newest(rows, AuthorityStatus.Prepared))
        {
            var reason = prepared is not null
                ? $"authority {prepared.Id} superseded it"
                : await UsableAsync(row, now, cancellationToken) ?? (InBundle(row, bundle) ? null : "it is not in the trust bundle");
            if (reason is null)
            {
                prepared = row;
                continue;
            }

            LogPreparedDiscarded(_logger, name, row.Id, reason);
            await _store.UpsertAuthorityAsync(row with { Status = AuthorityStatus.Old }, cancellationToken);
        }

        if (active is null && prepared is not null)
        {
            active = await _store.UpsertAuthorityAsync(prepared with { Status = AuthorityStatus.Active }, cancellationToken);
            LogAuthorityActivated(_logger, name, active.Id, null);
            prepared = null;
        }

        if (active is not null)
        {
            LogAuthorityResumed(_logger, name, active.Id, active.NotAfter);
        }

        if (prepared is not null)
        {
            LogAuthorityResumed(_logger, name, prepared.Id, prepared.NotAfter);
        }

        return (active, prepared);
    }

    /// <summary>Rows with a status, newest first (creation time, then expiry).</summary>
    private static IEnumerable<CaAuthority> Newest(IReadOnlyList<CaAuthority> rows, AuthorityStatus status) =>
        rows.Where(r => r.Status == status).OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.NotAfter).ToList();

    private async Task<X509Authority> MaterializeX509Async(CaAuthority row, CancellationToken cancellationToken)
    {
        var signer = await _keys.GetKeyAsync(row.KeyId, cancellationToken) ?? throw new CaException($"the key manager has no key '{row.KeyId}'");
        var certificate = X509CertificateLoader.LoadCertificate(row.PublicData);
        var above = row.UpstreamChain.Length == 0 ? [] : Spiffe.X509.DerCertificates.Split(row.UpstreamChain);
        return new X509Authority(row, certificate, signer, above);
    }

    private async Task<JwtSigningAuthority> MaterializeJwtAsync(CaAuthority row, CancellationToken cancellationToken)
    {
        var signer = await _keys.GetKeyAsync(row.KeyId, cancellationToken) ?? throw new CaException($"the key manager has no key '{row.KeyId}'");
        return new JwtSigningAuthority(row, signer);
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

    /// <summary>
    /// True when verifiers holding <paramref name="bundle"/> already trust what the authority signs:
    /// the JWT key (same kid and public key) is published, or the CA certificate chains to a published
    /// root (itself when self-signed, the upstream roots otherwise).
    /// </summary>
    private static bool InBundle(CaAuthority authority, TrustBundle? bundle)
    {
        if (bundle is null)
        {
            return false;
        }

        if (authority.Kind == AuthorityKind.Jwt)
        {
            return bundle.JwtKeys.Any(k => k.KeyId == authority.Id && k.SubjectPublicKeyInfo.AsSpan().SequenceEqual(authority.PublicData));
        }

        if (bundle.X509Authorities.Any(der => der.AsSpan().SequenceEqual(authority.PublicData)))
        {
            return true;
        }

        using var certificate = X509CertificateLoader.LoadCertificate(authority.PublicData);
        var above = authority.UpstreamChain.Length == 0 ? [] : Spiffe.X509.DerCertificates.Split(authority.UpstreamChain);
        var roots = bundle.X509Authorities.Select(X509CertificateLoader.LoadCertificate).ToList();
        try
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots.ToArray());
            chain.ChainPolicy.ExtraStore.AddRange(above.ToArray());
            return chain.Build(certificate);
        }
        finally
        {
            foreach (var root in roots)
            {
                root.Dispose();
            }

            foreach (var certificateAbove in above)
            {
                certificateAbove.Dispose();
            }
        }
    }

    private static string KindName(AuthorityKind kind) => kind == AuthorityKind.X509 ? "x509" : "jwt";

    private static string OtherSlot(string slot) => slot == "A" ? "B" : "A";

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Created {Kind} authority {AuthorityId} with key {KeyId} as {Status}, valid until {NotAfter:O}")]
    private static partial void LogAuthorityCreated(ILogger logger, string kind, string authorityId, string keyId, AuthorityStatus status, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Resumed {Kind} authority {AuthorityId}, valid until {NotAfter:O}")]
    private static partial void LogAuthorityResumed(ILogger logger, string kind, string authorityId, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Replacing {Kind} authority {AuthorityId}: {Reason}")]
    private static partial void LogAuthorityReplaced(ILogger logger, string kind, string authorityId, string reason);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "Prepared {Kind} authority {AuthorityId} in slot {Slot}, valid until {NotAfter:O}; it is in the trust bundle and not signing yet")]
    private static partial void LogAuthorityPrepared(ILogger logger, string kind, string authorityId, string slot, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Activated {Kind} authority {AuthorityId}; previous authority {PreviousId} is now old")]
    private static partial void LogAuthorityActivated(ILogger logger, string kind, string authorityId, string? previousId);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "Discarding prepared {Kind} authority {AuthorityId}: {Reason}")]
    private static partial void LogPreparedDiscarded(ILogger logger, string kind, string authorityId, string reason);
}
