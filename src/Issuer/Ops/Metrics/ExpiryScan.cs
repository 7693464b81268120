using IdentityIssuer.Issuer.Datastore;

namespace IdentityIssuer.Issuer.Ops.Metrics;

/// <summary>What one expiry scan read, at <see cref="ScannedAt"/>: the CA journal of every replica, the stored CRLs and the datastore counts.</summary>
internal sealed record ExpiryScan(
    DateTimeOffset ScannedAt,
    IReadOnlyList<CaAuthority> Authorities,
    IReadOnlyList<StoredCrl> Crls,
    DatastoreStatistics Statistics);
