namespace IdentityIssuer.Issuer.Api.Admin.Contracts;

/// <summary>One page of the issuance record and the token for the next page (null on the last).</summary>
public sealed record SvidListView(IReadOnlyList<SvidRecordView> Svids, string? NextPageToken);

/// <summary>
/// One issued SVID as the issuance record holds it. <see cref="Kind"/> is <c>x509</c> or <c>jwt</c>;
/// <see cref="Serial"/> is the X.509 serial (lowercase hex) or the JWT <c>jti</c>; <see cref="Caller"/>
/// is the agent that asked or <c>admin:uid:N</c>; <see cref="RevokedAt"/> is null unless revoked.
/// </summary>
public sealed record SvidRecordView(
    string Serial,
    string Kind,
    string SpiffeId,
    string? EntryId,
    string Caller,
    string AuthorityId,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    DateTimeOffset IssuedAt,
    DateTimeOffset? RevokedAt);

/// <summary>
/// Why an SVID exists: the record, the entry that earned it (as it is now, and the revision it was
/// minted from), the agent that asked (node attestor and node selectors at issuance, and its state
/// now), the workload selectors the agent reported, the signing authority and the revocation status.
/// </summary>
public sealed record SvidExplanationView(
    SvidRecordView Svid,
    string KeyType,
    SvidEntryExplanation? Entry,
    SvidAgentExplanation? Agent,
    SvidWorkloadExplanation Workload,
    SvidAuthorityExplanation Authority,
    SvidRevocationExplanation Revocation);

/// <summary>
/// The entry: <see cref="Exists"/> false when it has been deleted since (then only its id is known);
/// <see cref="RevisionAtIssuance"/> null when the record predates keeping it.
/// </summary>
public sealed record SvidEntryExplanation(
    string Id,
    bool Exists,
    string? SpiffeId,
    string? ParentId,
    IReadOnlyList<string> Selectors,
    long? RevisionAtIssuance,
    long? CurrentRevision);

/// <summary>
/// The agent that asked: the node attestor and node selectors recorded at issuance (null when not
/// recorded), and whether it is still attested and whether it is banned now.
/// </summary>
public sealed record SvidAgentExplanation(
    string Id,
    string? NodeAttestor,
    IReadOnlyList<string>? NodeSelectors,
    bool AttestedNow,
    bool BannedNow);

/// <summary>
/// The workload selectors the agent reported with its sign request. <see cref="Status"/>:
/// <c>reported</c> (see <see cref="Selectors"/>), <c>none-yet</c> (signed ahead of any workload asking),
/// <c>not-reported</c> (an agent that does not report them, or a record from before they were kept),
/// or <c>not-applicable</c> (no workload: an admin mint or the agent's own SVID).
/// </summary>
public sealed record SvidWorkloadExplanation(string Status, IReadOnlyList<string> Selectors);

/// <summary>The signing authority: <see cref="Known"/> false when the journal no longer holds it (pruned).</summary>
public sealed record SvidAuthorityExplanation(string Id, string Kind, bool Known, string? Replica, string? Slot, string? Status);

/// <summary>
/// Revocation: when, by whom and why; <see cref="CrlNumber"/> is the number of the authority's stored
/// CRL that lists it, or null when no stored CRL lists it yet (the next one will).
/// </summary>
public sealed record SvidRevocationExplanation(
    bool Revoked,
    DateTimeOffset? RevokedAt,
    string? RevokedBy,
    string? Reason,
    string? CrlAuthorityId,
    long? CrlNumber);
