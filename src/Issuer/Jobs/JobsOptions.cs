namespace IdentityIssuer.Issuer.Jobs;

/// <summary>The <c>Jobs</c> configuration section: how often the scheduled jobs run and what pruning keeps.</summary>
public sealed class JobsOptions
{
    /// <summary>The section name.</summary>
    public const string SectionName = "Jobs";

    /// <summary>How often the CA rotation check runs (on every replica, for its own authorities).</summary>
    public TimeSpan RotationCheckInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often this replica checks whether a CRL of its authorities is due (a revocation made on another replica, or half its validity passed).</summary>
    public TimeSpan CrlRefreshInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the prune job runs (on one replica at a time).</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often the expiry scan refreshes the expiry metrics (on one replica at a time).</summary>
    public TimeSpan ExpiryScanInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an issuance record is kept after its SVID expired, for audit.</summary>
    public TimeSpan IssuanceRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long a node that is not banned is kept after its SVID expired before it is forgotten.</summary>
    public TimeSpan AttestedNodeRetention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How many of the latest revisions keep their entry-deletion tombstones.</summary>
    public long TombstoneRetentionRevisions { get; set; } = 10_000;

    /// <summary>
    /// How long an expired authority stays: in the trust bundle, as an old or revoked row of the CA journal,
    /// and as a key in its replica's key manager, counted from its expiry.
    /// </summary>
    public TimeSpan AuthorityRetention { get; set; } = TimeSpan.FromDays(1);
}
