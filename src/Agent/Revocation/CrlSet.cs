using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

using IdentityIssuer.Spiffe.X509;

namespace IdentityIssuer.Agent.Revocation;

/// <summary>
/// The CRLs the agent trusts: each one matched to the CA that issued it (issuer name and authority key
/// identifier) and verified with that CA's key. A CRL that cannot be read, names no known CA or does not
/// verify is left out, with the reason in <see cref="Rejected"/>; it neither revokes anything nor reaches
/// workloads.
/// </summary>
internal sealed class CrlSet
{
    private readonly Dictionary<string, IReadOnlySet<string>> _revokedByAuthority;

    private CrlSet(IReadOnlyList<byte[]> ders, Dictionary<string, IReadOnlySet<string>> revokedByAuthority, IReadOnlyList<string> rejected)
    {
        Ders = ders;
        _revokedByAuthority = revokedByAuthority;
        Rejected = rejected;
    }

    /// <summary>No CRLs.</summary>
    public static CrlSet Empty { get; } = new([], new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal), []);

    /// <summary>The verified CRLs (DER), in the order received, as workloads get them.</summary>
    public IReadOnlyList<byte[]> Ders { get; }

    /// <summary>Why each left-out CRL was left out (one line each, for the log).</summary>
    public IReadOnlyList<string> Rejected { get; }

    /// <summary>
    /// Reads <paramref name="ders"/> and keeps those issued and signed by one of <paramref name="authorities"/>
    /// (the bundle's CAs and any intermediate CA the agent holds in a chain).
    /// </summary>
    public static CrlSet Build(IReadOnlyList<byte[]> ders, IReadOnlyList<X509Certificate2> authorities)
    {
        ArgumentNullException.ThrowIfNull(ders);
        ArgumentNullException.ThrowIfNull(authorities);
        var kept = new List<byte[]>();
        var revoked = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        var rejected = new List<string>();
        for (var i = 0; i < ders.Count; i++)
        {
            CertificateRevocationList crl;
            try
            {
                crl = CertificateRevocationList.Parse(ders[i]);
            }
            catch (CryptographicException ex)
            {
                rejected.Add($"CRL {i} cannot be read: {ex.Message}");
                continue;
            }

            var keyId = crl.AuthorityKeyId is { } aki ? Convert.ToHexStringLower(aki) : null;
            var named = authorities.Where(crl.NamesIssuer).ToList();
            var signer = named.FirstOrDefault(crl.IsSignedBy);
            if (signer is null)
            {
                rejected.Add(named.Count == 0
                    ? $"CRL {i} of '{crl.Issuer.Name}' (key id {keyId ?? "none"}) names no CA in the trust bundle"
                    : $"CRL {i} of '{crl.Issuer.Name}' (key id {keyId ?? "none"}) does not verify with that CA's key");
                continue;
            }

            kept.Add(ders[i]);
            var authorityId = KeyIdentifiers.AuthorityId(signer) ?? keyId;
            if (authorityId is not null)
            {
                revoked[authorityId] = revoked.TryGetValue(authorityId, out var earlier)
                    ? new HashSet<string>(earlier.Concat(crl.RevokedSerials), StringComparer.Ordinal)
                    : crl.RevokedSerials;
            }
        }

        return new CrlSet(kept, revoked, rejected);
    }

    /// <summary>True when a verified CRL of the CA <paramref name="signedBy"/> (its key id) lists <paramref name="serial"/> (lowercase hex).</summary>
    public bool IsRevoked(string? signedBy, string? serial) =>
        signedBy is not null && serial is not null && _revokedByAuthority.TryGetValue(signedBy, out var serials) && serials.Contains(serial);

    /// <summary>True when both hold the same CRLs, byte for byte.</summary>
    public bool SameAs(CrlSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Ders.Count == other.Ders.Count && Ders.Zip(other.Ders).All(p => p.First.AsSpan().SequenceEqual(p.Second));
    }
}
