using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.KeyManagement;

namespace IdentityIssuer.Issuer.Ca;

/// <summary>
/// Creating authorities. The order of writes is the crash-consistency argument: the key is generated
/// first (an orphan key is harmless), then the authority is appended to the trust bundle (an extra
/// trusted authority that never signs is harmless), and only then is the journal row written. A row
/// therefore never names an authority that verifiers do not trust.
/// </summary>
internal sealed partial class CaManager
{
    private async Task<X509Authority> CreateX509Async(string slot, AuthorityStatus status, CancellationToken cancellationToken)
    {
        KeyTypes.TryParse(_options.KeyType, out var keyType);
        var now = _time.GetUtcNow();
        var keyId = NewKeyId("x509-ca", slot, now);
        var signer = await _keys.GenerateKeyAsync(keyId, keyType, cancellationToken);
        var notBefore = now.AddSeconds(-10);
        var notAfter = now + _options.Ttl;

        var root = _upstreamRoot is null ? null : await _upstreamRoot.RequireCurrentAsync(cancellationToken);
        var subject = X509Extensions.NameWith(_options.Subject, serialNumber: Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));
        var request = new CertificateRequest(subject, signer.PublicKey, root is null ? KeyTypes.DefaultHash(keyType) : RootHash(root));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var ski = new X509SubjectKeyIdentifierExtension(signer.PublicKey, false);
        request.CertificateExtensions.Add(ski);
        request.CertificateExtensions.Add(X509Extensions.SubjectAltName(_trustDomain.IdString, [], critical: false));

        X509Certificate2 certificate;
        IReadOnlyList<X509Certificate2> above;
        IReadOnlyList<X509Certificate2> roots;
        if (root is not null)
        {
            using var rootCertificate = X509CertificateLoader.LoadCertificate(root.Certificate);
            if (notAfter > root.NotAfter)
            {
                notAfter = root.NotAfter;
            }

            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(rootCertificate, true, false));
            certificate = await _upstreamRoot!.SignIntermediateAsync(request, root, notBefore, notAfter, X509Extensions.NewSerialNumber(), cancellationToken);
            above = [];
            roots = [X509CertificateLoader.LoadCertificate(root.Certificate)];
        }
        else if (_options.HasUpstream)
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
            Slot = slot,
            Status = status,
            KeyId = keyId,
            PublicData = certificate.RawData,
            UpstreamChain = Spiffe.X509.DerCertificates.Concat(above),
            NotBefore = notBefore,
            NotAfter = notAfter,
            CreatedAt = now,
            Replica = _options.ReplicaName,
        };

        // Publish before signing anything: every verifier must trust the CA before it sees an SVID from it.
        await _store.AppendBundleAsync(_trustDomain.Name, true, [.. roots.Select(r => r.RawData)], [], cancellationToken);
        await _store.UpsertAuthorityAsync(record, cancellationToken);
        LogAuthorityCreated(_logger, "x509", record.Id, keyId, status, notAfter);
        return new X509Authority(record, X509CertificateLoader.LoadCertificate(certificate.RawData), signer, above);
    }

    private async Task<JwtSigningAuthority> CreateJwtAsync(string slot, AuthorityStatus status, CancellationToken cancellationToken)
    {
        KeyTypes.TryParse(_options.JwtKeyType, out var keyType);
        var now = _time.GetUtcNow();
        var keyId = NewKeyId("jwt", slot, now);
        var signer = await _keys.GenerateKeyAsync(keyId, keyType, cancellationToken);
        var kid = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24));
        var spki = signer.PublicKey.ExportSubjectPublicKeyInfo();
        var notAfter = now + _options.Ttl;
        var record = new CaAuthority
        {
            Id = kid,
            Kind = AuthorityKind.Jwt,
            Slot = slot,
            Status = status,
            KeyId = keyId,
            PublicData = spki,
            NotBefore = now,
            NotAfter = notAfter,
            CreatedAt = now,
            Replica = _options.ReplicaName,
        };
        await _store.AppendBundleAsync(_trustDomain.Name, true, [], [new BundleJwtKey(kid, spki, notAfter)], cancellationToken);
        await _store.UpsertAuthorityAsync(record, cancellationToken);
        LogAuthorityCreated(_logger, "jwt", kid, keyId, status, notAfter);
        return new JwtSigningAuthority(record, signer);
    }

    /// <summary>The hash an upstream root signs with, by its key type (SHA-384 for P-384, else SHA-256).</summary>
    private static HashAlgorithmName RootHash(UpstreamRoot root)
    {
        using var certificate = X509CertificateLoader.LoadCertificate(root.Certificate);
        return KeyTypes.TryParse(X509Extensions.DescribeKey(certificate.PublicKey), out var rootKeyType) ? KeyTypes.DefaultHash(rootKeyType) : HashAlgorithmName.SHA256;
    }

    /// <summary>A key id that never reuses an existing one: slot, creation second and a random suffix.</summary>
    private static string NewKeyId(string prefix, string slot, DateTimeOffset now) =>
        $"{prefix}-{slot}-{now.ToUnixTimeSeconds()}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
}
