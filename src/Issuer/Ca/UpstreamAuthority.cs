using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdentityIssuer.Issuer.Ca;

/// <summary>
/// An upstream CA given as PEM files: it signs this issuer's CA certificate, which then becomes an
/// intermediate. The upstream key stays in this object only while the CA certificate is built.
/// </summary>
internal sealed class UpstreamAuthority : IDisposable
{
    private readonly AsymmetricAlgorithm _key;

    private UpstreamAuthority(X509Certificate2 certificate, IReadOnlyList<X509Certificate2> chainAbove, IReadOnlyList<X509Certificate2> roots, AsymmetricAlgorithm key)
    {
        Certificate = certificate;
        ChainAbove = chainAbove;
        Roots = roots;
        _key = key;
    }

    /// <summary>The upstream CA certificate that signs ours.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Certificates between ours and the roots: the upstream certificate and its intermediates, roots excluded.</summary>
    public IReadOnlyList<X509Certificate2> ChainAbove { get; }

    /// <summary>The roots published in the trust bundle.</summary>
    public IReadOnlyList<X509Certificate2> Roots { get; }

    /// <summary>Loads and checks the upstream files; every problem names the file.</summary>
    public static UpstreamAuthority Load(CaOptions options)
    {
        var certs = ReadCertificates(options.UpstreamCertificateFile);
        var upstream = certs[0];
        var basic = upstream.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
        if (basic is null || !basic.CertificateAuthority)
        {
            throw new CaException($"Ca:UpstreamCertificateFile '{options.UpstreamCertificateFile}': the first certificate is not a CA (basicConstraints cA=true missing)");
        }

        var usage = upstream.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
        if (usage is not null && !usage.KeyUsages.HasFlag(X509KeyUsageFlags.KeyCertSign))
        {
            throw new CaException($"Ca:UpstreamCertificateFile '{options.UpstreamCertificateFile}': the first certificate lacks keyCertSign");
        }

        var key = ReadKey(options.UpstreamKeyFile);
        if (!KeyMatches(upstream, key))
        {
            key.Dispose();
            throw new CaException($"Ca:UpstreamKeyFile '{options.UpstreamKeyFile}' does not hold the private key of the certificate in '{options.UpstreamCertificateFile}'");
        }

        IReadOnlyList<X509Certificate2> roots;
        if (options.UpstreamBundleFile.Length > 0)
        {
            roots = ReadCertificates(options.UpstreamBundleFile);
        }
        else
        {
            var root = certs[^1];
            if (root.SubjectName.RawData.AsSpan().SequenceEqual(root.IssuerName.RawData) is false)
            {
                key.Dispose();
                throw new CaException($"Ca:UpstreamBundleFile is required: the last certificate in '{options.UpstreamCertificateFile}' is not self-signed, so the trust bundle's roots are unknown");
            }

            roots = [root];
        }

        var rootThumbprints = roots.Select(r => r.Thumbprint).ToHashSet(StringComparer.Ordinal);
        var above = certs.Where(c => !rootThumbprints.Contains(c.Thumbprint)).ToList();
        return new UpstreamAuthority(upstream, above, roots, key);
    }

    /// <summary>A signature generator over the upstream key.</summary>
    public X509SignatureGenerator CreateGenerator() => _key switch
    {
        ECDsa ec => X509SignatureGenerator.CreateForECDsa(ec),
        RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
        _ => throw new CaException("upstream key type is not supported"),
    };

    /// <summary>The hash the upstream CA signs with.</summary>
    public HashAlgorithmName Hash => _key is ECDsa { KeySize: > 256 } ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256;

    public void Dispose() => _key.Dispose();

    private static List<X509Certificate2> ReadCertificates(string path)
    {
        try
        {
            var collection = new X509Certificate2Collection();
            collection.ImportFromPemFile(path);
            if (collection.Count == 0)
            {
                throw new CaException($"'{path}' holds no PEM certificate");
            }

            return [.. collection];
        }
        catch (CryptographicException ex)
        {
            throw new CaException($"'{path}' is not a readable PEM certificate file: {ex.Message}", ex);
        }
    }

    private static AsymmetricAlgorithm ReadKey(string path)
    {
        var pem = File.ReadAllText(path);
        var ec = ECDsa.Create();
        try
        {
            ec.ImportFromPem(pem);
            return ec;
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            ec.Dispose();
        }

        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            return rsa;
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            rsa.Dispose();
            throw new CaException($"Ca:UpstreamKeyFile '{path}' holds no unencrypted EC or RSA private key in PEM form", ex);
        }
    }

    private static bool KeyMatches(X509Certificate2 certificate, AsymmetricAlgorithm key)
    {
        var fromCert = certificate.PublicKey.ExportSubjectPublicKeyInfo();
        var fromKey = key switch
        {
            ECDsa ec => ec.ExportSubjectPublicKeyInfo(),
            RSA rsa => rsa.ExportSubjectPublicKeyInfo(),
            _ => [],
        };
        return fromCert.AsSpan().SequenceEqual(fromKey);
    }
}
