namespace IdentityIssuer.Issuer.Api.Admin.Contracts;

/// <summary>
/// One CA journal row as the admin API reports it. Status is <c>prepared</c>, <c>active</c>, <c>old</c>,
/// <c>tainted</c> or <c>revoked</c>; <c>KeyId</c> is the key manager's id; <c>Upstream</c> is true for an
/// X.509 CA signed by the configured upstream CA; <c>Replica</c> is the issuer replica that owns it.
/// </summary>
public sealed record AuthorityView(
    string Id,
    string Kind,
    string Slot,
    string Status,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    string KeyId,
    bool Upstream,
    string Replica);

/// <summary>The journal rows of one kind, oldest first.</summary>
public sealed record AuthorityListView(IReadOnlyList<AuthorityView> Authorities);
