namespace IdentityIssuer.Issuer.Jobs;

/// <summary>The <c>Jobs</c> configuration section: how often the scheduled jobs run and what pruning keeps.</summary>
public sealed class JobsOptions
{
    /// <summary>The section name.</summary>
    public const string SectionName = "Jobs";

    /// <summary>How often the CA rotation check runs.</summary>
    public TimeSpan RotationCheckInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often this replica checks whether a CRL of its authorities is due (a revocation made on another replica, or half its validity passed).</summary>
    public TimeSpan CrlRefreshInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the prune job runs.</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long an issuance record is kept after its SVID expired, for audit.</summary>
    public TimeSpan IssuanceRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long a node that is not banned is kept after its SVID expired before it is forgotten.</summary>
    public TimeSpan AttestedNodeRetention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How many of the latest revisions keep their entry-deletion tombstones.</summary>
    public long TombstoneRetentionRevisions { get; set; } = 10_000;
}
