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

    /// <summary>The entry's revision the SVID was minted from; null when unknown (admin mint, or recorded before it was kept).</summary>
    public long? EntryRevision { get; init; }

    /// <summary>The node attestor that admitted the asking agent (e.g. <c>join_token</c>); null when no agent asked.</summary>
    public string? NodeAttestor { get; init; }

    /// <summary>The asking agent's node selectors at issuance (<c>type:value</c>); null when no agent asked.</summary>
    public IReadOnlyList<string>? NodeSelectors { get; init; }

    /// <summary>
    /// The selectors the agent reported for the workload it asked for (<c>type:value</c>, at most
    /// <see cref="IssuanceLimits.MaxWorkloadSelectors"/>). Null: not reported (an admin mint, or an agent
    /// that does not send them). Empty: the agent asked ahead of any workload (X509-SVIDs are minted
    /// before a workload first asks for them).
    /// </summary>
    public IReadOnlyList<string>? WorkloadSelectors { get; init; }

    /// <summary>Set by the store when read: when the SVID was revoked, or null. Ignored when adding.</summary>
    public DateTimeOffset? RevokedAt { get; init; }
}

/// <summary>Bounds on what an issuance record keeps from an agent's report.</summary>
public static class IssuanceLimits
{
    /// <summary>Most workload selectors recorded for one SVID; an agent reporting more is refused.</summary>
    public const int MaxWorkloadSelectors = 64;

    /// <summary>Most characters of all workload selectors of one SVID together (<c>type:value</c> texts).</summary>
    public const int MaxWorkloadSelectorChars = 8192;
}

/// <summary>
/// Filter and paging for issuance records; all set parts must hold. The order depends on the filter, so
/// that every page is read through an index: with any of serial, SPIFFE ID, entry, caller or authority,
/// newest first; else with an expiry bound, soonest expiry first; else with <see cref="Revoked"/>, most
/// recently revoked first; else newest first. A page token is valid only for the filter it came from.
/// </summary>
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

    /// <summary>Only SVIDs signed by this authority (X.509: subject key identifier; JWT: key id).</summary>
    public string? SigningAuthority { get; init; }

    /// <summary>Only SVIDs whose NotAfter is at or after this (with <see cref="ExpiresBefore"/>: "expiring within").</summary>
    public DateTimeOffset? ExpiresAtOrAfter { get; init; }

    /// <summary>Only SVIDs whose NotAfter is before this.</summary>
    public DateTimeOffset? ExpiresBefore { get; init; }

    /// <summary>Only revoked X509-SVIDs.</summary>
    public bool Revoked { get; init; }

    /// <summary>Maximum records per page (1..1000); 0 means 100.</summary>
    public int PageSize { get; init; }

    /// <summary>Token from the previous page, or null.</summary>
    public string? PageToken { get; init; }
}
