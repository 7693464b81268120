using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdentityIssuer.Spiffe.X509;

/// <summary>
/// The X509-SVID certificate profile checks (X509-SVID §4–§5): exactly one URI SAN holding a SPIFFE ID
/// with a non-root path, a non-CA leaf that may sign but not issue, and CA intermediates.
/// Validity dates are not checked here.
/// </summary>
internal static class X509SvidProfile
{
    /// <summary>Checks the chain (leaf first) and returns the leaf's SPIFFE ID.</summary>
    /// <exception cref="X509SvidException">The chain violates the profile.</exception>
    internal static SpiffeId Check(IReadOnlyList<X509Certificate2> chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        if (chain.Count == 0)
        {
            throw new X509SvidException("certificate chain is empty");
        }

        var leaf = chain[0] ?? throw new X509SvidException("leaf certificate is missing");
        var id = ReadId(leaf);
        CheckLeaf(leaf);
        for (var i = 1; i < chain.Count; i++)
        {
            CheckIntermediate(chain[i] ?? throw new X509SvidException($"intermediate certificate {i} is missing"), i);
        }

        return id;
    }

    private static SpiffeId ReadId(X509Certificate2 leaf)
    {
        IReadOnlyList<string> uris;
        try
        {
            uris = UriSanReader.ReadUris(leaf);
        }
        catch (CryptographicException e)
        {
            throw new X509SvidException($"leaf certificate has an unreadable subjectAltName: {e.Message}", e);
        }

        if (uris.Count == 0)
        {
            throw new X509SvidException("certificate has no URI SAN");
        }

        if (uris.Count > 1)
        {
            throw new X509SvidException($"certificate has {uris.Count} URI SANs; an X509-SVID has exactly one");
        }

        if (!SpiffeId.TryParse(uris[0], out var id, out var error))
        {
            throw new X509SvidException($"URI SAN '{uris[0]}' is not a valid SPIFFE ID: {error}");
        }

        if (id.IsRoot)
        {
            throw new X509SvidException($"SPIFFE ID {id} has a root path; a leaf SVID needs a path");
        }

        return id;
    }

    private static void CheckLeaf(X509Certificate2 leaf)
    {
        if (GetExtension<X509BasicConstraintsExtension>(leaf) is { CertificateAuthority: true })
        {
            throw new X509SvidException("leaf certificate is a CA (basicConstraints cA=true)");
        }

        var keyUsage = GetExtension<X509KeyUsageExtension>(leaf);
        if (keyUsage is null)
        {
            throw new X509SvidException("leaf certificate lacks digitalSignature key usage (no key usage extension)");
        }

        var flags = keyUsage.KeyUsages;
        if (flags.HasFlag(X509KeyUsageFlags.KeyCertSign))
        {
            throw new X509SvidException("leaf certificate has keyCertSign key usage");
        }

        if (flags.HasFlag(X509KeyUsageFlags.CrlSign))
        {
            throw new X509SvidException("leaf certificate has cRLSign key usage");
        }

        if (!flags.HasFlag(X509KeyUsageFlags.DigitalSignature))
        {
            throw new X509SvidException("leaf certificate lacks digitalSignature key usage");
        }
    }

    private static void CheckIntermediate(X509Certificate2 certificate, int index)
    {
        if (GetExtension<X509BasicConstraintsExtension>(certificate) is not { CertificateAuthority: true })
        {
            throw new X509SvidException($"intermediate certificate {index} is not a CA (basicConstraints cA=true is required)");
        }

        if (GetExtension<X509KeyUsageExtension>(certificate) is not { } keyUsage ||
            !keyUsage.KeyUsages.HasFlag(X509KeyUsageFlags.KeyCertSign))
        {
            throw new X509SvidException($"intermediate certificate {index} lacks keyCertSign key usage");
        }
    }

    private static T? GetExtension<T>(X509Certificate2 certificate)
        where T : X509Extension =>
        certificate.Extensions.OfType<T>().FirstOrDefault();
}
