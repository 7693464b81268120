namespace IdentityIssuer.Issuer.Datastore;

/// <summary>
/// Counts the expiry scan turns into metrics, as of one instant: SVIDs that have not expired yet but will
/// soon (from the issuance record), attested nodes by state, and revoked SVIDs still recorded.
/// </summary>
public sealed record DatastoreStatistics
{
    /// <summary>Unexpired SVIDs of each kind that expire within the next hour.</summary>
    public required IReadOnlyDictionary<SvidKind, long> SvidsExpiringWithinHour { get; init; }

    /// <summary>Unexpired SVIDs of each kind that expire within the next 24 hours (including the next hour's).</summary>
    public required IReadOnlyDictionary<SvidKind, long> SvidsExpiringWithinDay { get; init; }

    /// <summary>Nodes that are not banned and whose SVID (current, or renewed and not yet used) has not expired.</summary>
    public long ActiveNodes { get; init; }

    /// <summary>Banned nodes, whatever their SVID.</summary>
    public long BannedNodes { get; init; }

    /// <summary>Nodes that are not banned and whose SVIDs (current and any renewed one) have expired (they must attest again).</summary>
    public long ExpiredNodes { get; init; }

    /// <summary>Revoked SVIDs still recorded (revocations are pruned once the SVID expires).</summary>
    public long RevokedSvids { get; init; }
}
