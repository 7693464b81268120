using IdentityIssuer.Spiffe;

namespace IdentityIssuer.Issuer.Ca;

/// <summary>
/// One X509-SVID to mint. The CSR supplies only the public key (its signature is verified); the
/// SPIFFE ID, DNS names and lifetime come from here, i.e. from the entry, never from the CSR.
/// </summary>
internal sealed record X509SvidParams
{
    /// <summary>The SPIFFE ID to put in the single URI SAN.</summary>
    public required SpiffeId SpiffeId { get; init; }

    /// <summary>PKCS#10 certification request, DER.</summary>
    public required byte[] Csr { get; init; }

    /// <summary>Requested lifetime; zero for the issuer default. Always capped at the CA's NotAfter.</summary>
    public TimeSpan Ttl { get; init; }

    /// <summary>DNS SANs, in order; the first also becomes the subject CN.</summary>
    public IReadOnlyList<string> DnsNames { get; init; } = [];

    /// <summary>The entry that earned the SVID, for the issuance record.</summary>
    public string? EntryId { get; init; }

    /// <summary>Who asked, for the issuance record.</summary>
    public required string Caller { get; init; }

    /// <summary>Why, for the issuance record; null when an admin minted it directly.</summary>
    public SvidIssuanceContext? Context { get; init; }
}

/// <summary>A minted X509-SVID and the id of the authority that signed it.</summary>
internal sealed record MintedX509Svid(
    SpiffeId SpiffeId,
    byte[] CertificateDer,
    IReadOnlyList<byte[]> ChainAboveDer,
    string Serial,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    string SigningAuthority);
