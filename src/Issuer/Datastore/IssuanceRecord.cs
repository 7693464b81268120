namespace IdentityIssuer.Issuer.Datastore;

/// <summary>What kind of SVID an issuance record describes.</summary>
public enum SvidKind
{
    /// <summary>Not set; rejected.</summary>
    Unspecified = 0,

    /// <summary>An X509-SVID.</summary>
    X509 = 1,

    /// <summary>A JWT-SVID.</summary>
    Jwt = 2,
}

/// <summary>One minted SVID, kept for audit and, later, revocation by serial, ID, entry or agent.</summary>
public sealed record IssuanceRecord
{
    /// <summary>X.509: the serial number (lowercase hex). JWT: the <c>jti</c>.</summary>
    public required string Serial { get; init; }

    /// <summary>X509 or JWT.</summary>
    public required SvidKind Kind { get; init; }

    /// <summary>The SPIFFE ID in the SVID.</summary>
    public required string SpiffeId { get; init; }

    /// <summary>The registration entry that earned it; null when an admin minted it directly.</summary>
    public string? EntryId { get; init; }

    /// <summary>Who asked: an agent's SPIFFE ID, or <c>admin:uid:N</c> for the admin socket.</summary>
    public required string Caller { get; init; }

    /// <summary>Start of validity.</summary>
    public DateTimeOffset NotBefore { get; init; }

    /// <summary>End of validity.</summary>
    public DateTimeOffset NotAfter { get; init; }

    /// <summary>Key algorithm of the SVID's key, e.g. <c>ec-p256</c>.</summary>
    public required string KeyType { get; init; }

    /// <summary>Id of the authority that signed it (see <see cref="CaAuthority.Id"/>).</summary>
    public required string SigningAuthority { get; init; }

    /// <summary>When it was minted.</summary>
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>Filter and paging for issuance records; all set parts must hold.</summary>
public sealed record IssuanceFilter
{
    /// <summary>Only this serial.</summary>
    public string? Serial { get; init; }

    /// <summary>Only this SPIFFE ID.</summary>
    public string? SpiffeId { get; init; }

    /// <summary>Only SVIDs from this entry.</summary>
    public string? EntryId { get; init; }

    /// <summary>Only SVIDs asked for by this caller.</summary>
    public string? Caller { get; init; }

    /// <summary>Maximum records per page (1..1000); 0 means 100.</summary>
    public int PageSize { get; init; }

    /// <summary>Token from the previous page, or null.</summary>
    public string? PageToken { get; init; }
}
