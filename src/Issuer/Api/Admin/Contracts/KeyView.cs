namespace IdentityIssuer.Issuer.Api.Admin.Contracts;

/// <summary>
/// One key a key manager holds, as <c>GET /v1/keys</c> reports it. <c>KeyManager</c> is the manager's
/// name (<c>disk</c>, <c>memory</c>, …) and <c>Section</c> the configuration section that set it up
/// (<c>KeyManager</c> or <c>Ca:Upstream:KeyManager</c>). <c>UsedBy</c> is <c>x509</c>, <c>jwt</c>,
/// <c>upstream-root</c> or <c>unused</c>; for a used key <c>AuthorityId</c>, <c>Slot</c> (A/B, none for a root)
/// and <c>Status</c> (the journal status, or <c>current</c>/<c>replaced</c> for a root) say which
/// authority. <c>CreatedAt</c> comes from the CA journal or the root; null for an unused key.
/// </summary>
public sealed record KeyView(
    string KeyId,
    string KeyType,
    string KeyManager,
    string Section,
    string UsedBy,
    string? AuthorityId,
    string? Slot,
    string? Status,
    DateTimeOffset? CreatedAt);

/// <summary>Every key of the issuer's key manager, then every key of the upstream key manager, each by key id.</summary>
public sealed record KeyListView(IReadOnlyList<KeyView> Keys);
