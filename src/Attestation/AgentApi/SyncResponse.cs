namespace IdentityIssuer.Attestation.AgentApi;

/// <summary>
/// One page of the agent's sync. <see cref="Entries"/> are the authorized entries changed after the
/// requested revision. On the last page (<see cref="NextPageToken"/> null), <see cref="AuthorizedEntryIds"/>
/// lists every entry the agent is authorized for now, so it drops any it holds that are not listed, and
/// <see cref="Revision"/> is the store revision to ask from next time. <see cref="Bundle"/> is the
/// trust bundle as SPIFFE bundle JSON with <see cref="BundleSequence"/>.
/// <para>
/// <see cref="TaintedAuthorities"/> (every page) lists the ids of tainted authorities: X.509 CAs by
/// subject key identifier (lowercase hex, as in the authority key identifier of what they signed) and
/// JWT keys by kid. The agent replaces every SVID (its own included) and drops every cached JWT-SVID
/// signed by one of them.
/// </para>
/// <para>
/// <see cref="Crls"/> (last page only) are the current CRLs (base64 DER), one per X.509 authority in the
/// bundle, sent only when <see cref="CrlVersion"/> differs from the <c>crlVersion</c> the agent passed;
/// null means "unchanged, keep yours". The agent hands them to workloads in the Workload API <c>crl</c>
/// fields and replaces any SVID it holds whose serial one of them lists.
/// </para>
/// </summary>
public sealed record SyncResponse(
    IReadOnlyList<AgentEntry> Entries,
    IReadOnlyList<string>? AuthorizedEntryIds,
    long Revision,
    string? NextPageToken,
    string Bundle,
    long BundleSequence,
    IReadOnlyList<string>? TaintedAuthorities = null,
    IReadOnlyList<string>? Crls = null,
    string? CrlVersion = null);
