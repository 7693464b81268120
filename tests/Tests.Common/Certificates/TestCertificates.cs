using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdentityIssuer.Tests.Common.Certificates;

/// <summary>
/// Builds CA, intermediate and leaf certificates for tests, each with a private key, following the
/// X509-SVID profile by default and letting a test introduce one defect at a time:
/// <code>
/// var root = TestCertificates.CreateRootCa("spiffe://example.org");
/// var leaf = TestCertificates.CreateLeaf(root, "spiffe://example.org/web", s => s.IsCa = true);
/// </code>
/// Issuers are never checked, so a defective CA can still sign (the validator must catch it).
/// </summary>
public static class TestCertificates
{
    public const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";
    public const string SubjectAltNameOid = "2.5.29.17";

    private static int _counter;

    /// <summary>A self-signed root CA (cA=true, keyCertSign|cRLSign) whose URI SAN is <paramref name="spiffeId"/> unless null.</summary>
    public static X509Certificate2 CreateRootCa(string? spiffeId = "spiffe://example.org", Action<TestCertificateSpec>? configure = null)
    {
        var spec = CaSpec($"CN=Test Root CA {Next()}", spiffeId);
        configure?.Invoke(spec);
        return Create(spec, issuer: null);
    }

    /// <summary>An intermediate CA signed by <paramref name="issuer"/>.</summary>
    public static X509Certificate2 CreateIntermediateCa(X509Certificate2 issuer, string? spiffeId = null, Action<TestCertificateSpec>? configure = null)
    {
        var spec = CaSpec($"CN=Test Intermediate CA {Next()}", spiffeId);
        configure?.Invoke(spec);
        return Create(spec, issuer);
    }

    /// <summary>
    /// A leaf X509-SVID signed by <paramref name="issuer"/>, shaped like SPIRE's: cA=false,
    /// digitalSignature|keyEncipherment|keyAgreement, serverAuth+clientAuth, one URI SAN.
    /// </summary>
    public static X509Certificate2 CreateLeaf(X509Certificate2 issuer, string? spiffeId, Action<TestCertificateSpec>? configure = null)
    {
        var spec = LeafSpec(spiffeId);
        configure?.Invoke(spec);
        return Create(spec, issuer);
    }

    public static TestCertificateSpec CaSpec(string subject, string? spiffeId)
    {
        var spec = new TestCertificateSpec
        {
            Subject = subject,
            IsCa = true,
            KeyUsage = X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign,
        };
        if (spiffeId is not null)
        {
            spec.UriSans.Add(spiffeId);
        }

        return spec;
    }

    public static TestCertificateSpec LeafSpec(string? spiffeId)
    {
        var spec = new TestCertificateSpec
        {
            Subject = $"CN=Test Leaf {Next()}, O=SPIRE, C=US",
            IsCa = false,
            KeyUsage = X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyAgreement,
        };
        spec.ExtendedKeyUsages.Add(ServerAuthOid);
        spec.ExtendedKeyUsages.Add(ClientAuthOid);
        if (spiffeId is not null)
        {
            spec.UriSans.Add(spiffeId);
        }

        return spec;
    }

    /// <summary>Builds a certificate from <paramref name="spec"/>, self-signed when <paramref name="issuer"/> is null.</summary>
    public static X509Certificate2 Create(TestCertificateSpec spec, X509Certificate2? issuer = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var key = CreateKey(spec.KeyType);
        var subject = new X500DistinguishedName(spec.Subject);
        var request = key switch
        {
            ECDsa ec => new CertificateRequest(subject, ec, spec.HashAlgorithm),
            RSA rsa => new CertificateRequest(subject, rsa, spec.HashAlgorithm, RSASignaturePadding.Pkcs1),
            _ => throw new InvalidOperationException("unreachable"),
        };

        AddExtensions(request, spec, issuer);

        var issuerName = issuer?.SubjectName ?? subject;
        var generator = issuer is null ? SignatureGenerator(key) : SignatureGenerator(IssuerKey(issuer));
        using var unkeyed = request.Create(issuerName, generator, spec.NotBefore, spec.NotAfter, NewSerial());
        return key switch
        {
            ECDsa ec => AttachEcKey(unkeyed, ec),
            RSA rsa => unkeyed.CopyWithPrivateKey(rsa),
            _ => throw new InvalidOperationException("unreachable"),
        };
    }

    /// <summary>A DER subjectAltName extension with the given URIs (verbatim, IA5String) and DNS names.</summary>
    public static X509Extension SubjectAltName(IEnumerable<string> uris, IEnumerable<string>? dnsNames = null, bool critical = false)
    {
        ArgumentNullException.ThrowIfNull(uris);
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            foreach (var dns in dnsNames ?? [])
            {
                writer.WriteCharacterString(UniversalTagNumber.IA5String, dns, new Asn1Tag(TagClass.ContextSpecific, 2));
            }

            foreach (var uri in uris)
            {
                writer.WriteCharacterString(UniversalTagNumber.IA5String, uri, new Asn1Tag(TagClass.ContextSpecific, 6));
            }
        }

        return new X509Extension(SubjectAltNameOid, writer.Encode(), critical);
    }

    private static void AddExtensions(CertificateRequest request, TestCertificateSpec spec, X509Certificate2? issuer)
    {
        var extensions = request.CertificateExtensions;
        if (spec.IsCa is { } isCa)
        {
            extensions.Add(new X509BasicConstraintsExtension(isCa, spec.PathLength is not null, spec.PathLength ?? 0, spec.BasicConstraintsCritical));
        }

        if (spec.KeyUsage is { } keyUsage)
        {
            extensions.Add(new X509KeyUsageExtension(keyUsage, spec.KeyUsageCritical));
        }

        if (spec.ExtendedKeyUsages.Count > 0)
        {
            var oids = new OidCollection();
            foreach (var oid in spec.ExtendedKeyUsages)
            {
                oids.Add(new Oid(oid));
            }

            extensions.Add(new X509EnhancedKeyUsageExtension(oids, spec.ExtendedKeyUsageCritical));
        }

        if (spec.UriSans.Count > 0 || spec.DnsNames.Count > 0)
        {
            extensions.Add(SubjectAltName(spec.UriSans, spec.DnsNames, spec.SubjectAltNameCritical));
        }

        if (spec.AddKeyIdentifiers)
        {
            var ski = new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false);
            extensions.Add(ski);
            var issuerSki = issuer is null
                ? ski
                : issuer.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault();
            if (issuerSki is not null)
            {
                extensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(issuerSki));
            }
        }

        foreach (var extension in spec.ExtraExtensions)
        {
            extensions.Add(extension);
        }
    }

    // The BCL refuses to pair an ECDSA key with a certificate whose key usage allows only key
    // agreement; such a certificate (a deliberate defect) gets the same key as ECDH instead.
    private static X509Certificate2 AttachEcKey(X509Certificate2 certificate, ECDsa key)
    {
        try
        {
            return certificate.CopyWithPrivateKey(key);
        }
        catch (ArgumentException)
        {
            using var ecdh = ECDiffieHellman.Create(key.ExportParameters(includePrivateParameters: true));
            return certificate.CopyWithPrivateKey(ecdh);
        }
    }

    private static AsymmetricAlgorithm CreateKey(TestKeyType keyType) => keyType switch
    {
        TestKeyType.EcP256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        TestKeyType.EcP384 => ECDsa.Create(ECCurve.NamedCurves.nistP384),
        TestKeyType.EcP521 => ECDsa.Create(ECCurve.NamedCurves.nistP521),
        TestKeyType.Rsa2048 => RSA.Create(2048),
        _ => throw new ArgumentOutOfRangeException(nameof(keyType), keyType, "choose a key type"),
    };

    private static AsymmetricAlgorithm IssuerKey(X509Certificate2 issuer) =>
        (AsymmetricAlgorithm?)issuer.GetECDsaPrivateKey()
        ?? issuer.GetRSAPrivateKey()
        ?? throw new ArgumentException("the issuer certificate has no ECDSA or RSA private key", nameof(issuer));

    private static X509SignatureGenerator SignatureGenerator(AsymmetricAlgorithm key) => key switch
    {
        ECDsa ec => X509SignatureGenerator.CreateForECDsa(ec),
        RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
        _ => throw new ArgumentException("unsupported key", nameof(key)),
    };

    private static byte[] NewSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        serial[0] |= 0x01;
        return serial;
    }

    private static int Next() => Interlocked.Increment(ref _counter);
}
