namespace IdentityIssuer.Issuer.Ca;

/// <summary>
/// Why an SVID is being signed, kept in its issuance record so <c>svid show</c> can explain it later:
/// the entry's revision, the asking agent's node attestor and node selectors, and the workload
/// selectors the agent reported (null: not reported).
/// </summary>
internal sealed record SvidIssuanceContext(
    long? EntryRevision,
    string? NodeAttestor,
    IReadOnlyList<string>? NodeSelectors,
    IReadOnlyList<string>? WorkloadSelectors);
