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
/// The upstream root whose key is held by <c>Ca:Upstream:KeyManager</c>: created by
/// <c>identity-issuer upstream init</c>, stored in the datastore (every replica finds it) and published
/// in the trust bundle. Its key signs only the issuer's X.509 CA certificates (<see cref="SignIntermediateAsync"/>),
/// never an SVID.
/// </summary>
internal sealed partial class UpstreamRootAuthority
{
    private readonly UpstreamRootOptions _options;
    private readonly IDataStore _store;
    private readonly UpstreamKeyManager _keys;
    private readonly TrustDomain _trustDomain;
    private readonly TimeProvider _time;
    private readonly ILogger<UpstreamRootAuthority> _logger;

    public UpstreamRootAuthority(IOptions<CaOptions> options, IOptions<IssuerOptions> issuer, IDataStore store, UpstreamKeyManager keys, TimeProvider time, ILogger<UpstreamRootAuthority> logger)
    {
        _options = options.Value.Upstream;
        _store = store;
        _keys = keys;
        _trustDomain = TrustDomain.Parse(issuer.Value.TrustDomain);
        _time = time;
        _logger = logger;
    }

    /// <summary>True when <c>Ca:Upstream:KeyManager</c> is set.</summary>
    public bool IsConfigured => _options.IsConfigured && _keys.KeyManager is not null;

    /// <summary>The upstream key manager.</summary>
    public IKeyManager KeyManager => _keys.KeyManager ?? throw NotConfigured();

    /// <summary>Every stored root, oldest first.</summary>
    public Task<IReadOnlyList<UpstreamRoot>> ListAsync(CancellationToken cancellationToken) => _store.ListUpstreamRootsAsync(cancellationToken);

    /// <summary>The current root, or null when <c>upstream init</c> has not run.</summary>
    public async Task<UpstreamRoot?> GetCurrentAsync(CancellationToken cancellationToken) =>
        (await _store.ListUpstreamRootsAsync(cancellationToken)).SingleOrDefault(r => r.IsCurrent);

    /// <summary>
    /// The current root, checked: it exists, has not expired, and the upstream key manager holds its
    /// key (looked up, not used). Otherwise a <see cref="CaException"/> saying what to run.
    /// </summary>
    public async Task<UpstreamRoot> RequireCurrentAsync(CancellationToken cancellationToken)
    {
        var root = await GetCurrentAsync(cancellationToken)
            ?? throw new CaException($"{UpstreamRootOptions.KeyManagerSectionPath} is set but the datastore holds no upstream root; run 'identity-issuer upstream init' with this configuration first");
        if (root.NotAfter <= _time.GetUtcNow())
        {
            throw new CaException($"the upstream root {root.Id} expired at {root.NotAfter:O}; run 'identity-issuer upstream init --force' to create a new one");
        }

        _ = await GetSignerAsync(root, cancellationToken);
        return root;
    }

    /// <summary>
    /// Signs an X.509 CA certificate with the root's key: the certificate becomes an intermediate under
    /// the root. This is the only use of the root key. The caller caps <paramref name="notAfter"/> at the root's.
    /// </summary>
    public async Task<X509Certificate2> SignIntermediateAsync(
        CertificateRequest request, UpstreamRoot root, DateTimeOffset notBefore, DateTimeOffset notAfter, byte[] serialNumber, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(root);
        var signer = await GetSignerAsync(root, cancellationToken);
        using var rootCertificate = X509CertificateLoader.LoadCertificate(root.Certificate);
        var certificate = request.Create(rootCertificate.SubjectName, new KeyManagerSignatureGenerator(signer, cancellationToken), notBefore, notAfter, serialNumber);
        LogIntermediateSigned(_logger, root.Id, certificate.SerialNumber, notAfter);
        return certificate;
    }

    /// <summary>
    /// Creates a root: a key in the upstream key manager and a self-signed CA certificate, published in
    /// the trust bundle before it is stored as current (a published root that signs nothing is harmless).
    /// Refuses when a current root exists unless <paramref name="replace"/>; a replaced root stays in
    /// the bundle (what it signed keeps validating) until it expires, and its key is kept.
    /// </summary>
    public async Task<UpstreamRoot> InitAsync(bool replace, CancellationToken cancellationToken)
    {
        var keys = KeyManager;
        var existing = await _store.ListUpstreamRootsAsync(cancellationToken);
        if (existing.SingleOrDefault(r => r.IsCurrent) is { } current && !replace)
        {
            throw new CaException($"an upstream root already exists ({current.Id}, key '{current.KeyId}', valid until {current.NotAfter:O}); pass --force to replace it");
        }

        var now = _time.GetUtcNow();
        // Never overwrite a key a stored root names; an orphan key left by an interrupted init may be.
        var keyId = existing.Any(r => r.KeyId == _options.KeyId) ? $"{_options.KeyId}-{now.ToUnixTimeSeconds()}" : _options.KeyId;
        var keyType = KeyTypes.Parse(_options.KeyType);
        var signer = await keys.GenerateKeyAsync(keyId, keyType, cancellationToken);

        var subject = new X500DistinguishedName(_options.Subject);
        var request = new CertificateRequest(subject, signer.PublicKey, KeyTypes.DefaultHash(keyType));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var ski = new X509SubjectKeyIdentifierExtension(signer.PublicKey, false);
        request.CertificateExtensions.Add(ski);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(ski));
        request.CertificateExtensions.Add(X509Extensions.SubjectAltName(_trustDomain.IdString, [], critical: false));
        var notBefore = now.AddSeconds(-10);
        var notAfter = now + _options.Ttl;
        using var certificate = request.Create(subject, new KeyManagerSignatureGenerator(signer, cancellationToken), notBefore, notAfter, X509Extensions.NewSerialNumber());

        var root = new UpstreamRoot
        {
            Id = ski.SubjectKeyIdentifier!.ToLowerInvariant(),
            KeyManager = keys.Name,
            KeyId = keyId,
            Certificate = certificate.RawData,
            NotBefore = notBefore,
            NotAfter = notAfter,
            CreatedAt = now,
            IsCurrent = true,
        };
        await _store.AppendBundleAsync(_trustDomain.Name, true, [certificate.RawData], [], cancellationToken);
        if (!await _store.AddUpstreamRootAsync(root, replace, cancellationToken))
        {
            throw new CaException("another 'upstream init' stored an upstream root first; run 'identity-issuer upstream show'");
        }

        LogRootCreated(_logger, root.Id, keys.Name, keyId, notAfter);
        return root;
    }

    private async Task<IKeySigner> GetSignerAsync(UpstreamRoot root, CancellationToken cancellationToken)
    {
        var signer = await KeyManager.GetKeyAsync(root.KeyId, cancellationToken)
            ?? throw new CaException($"the upstream key manager ({UpstreamRootOptions.KeyManagerSectionPath}, {KeyManager.Name}) has no key '{root.KeyId}' for upstream root {root.Id}; check {UpstreamRootOptions.KeyManagerSectionPath}, or run 'identity-issuer upstream init --force' to create a new root");
        using var certificate = X509CertificateLoader.LoadCertificate(root.Certificate);
        if (!signer.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(certificate.PublicKey.ExportSubjectPublicKeyInfo()))
        {
            throw new CaException($"key '{root.KeyId}' in the upstream key manager does not match upstream root {root.Id}");
        }

        return signer;
    }

    private static CaException NotConfigured() =>
        new($"{UpstreamRootOptions.KeyManagerSectionPath} is not set: configure the key manager that holds the upstream root key first (see docs/configuration.md)");

    [LoggerMessage(EventId = 140, Level = LogLevel.Information, Message = "Created upstream root {RootId} with key {KeyId} in key manager {KeyManager}, valid until {NotAfter:O}")]
    private static partial void LogRootCreated(ILogger logger, string rootId, string keyManager, string keyId, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 141, Level = LogLevel.Information, Message = "Upstream root {RootId} signed X.509 CA certificate {Serial}, valid until {NotAfter:O}")]
    private static partial void LogIntermediateSigned(ILogger logger, string rootId, string serial, DateTimeOffset notAfter);
}
