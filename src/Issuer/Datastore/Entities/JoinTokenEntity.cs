namespace IdentityIssuer.Issuer.Datastore.Entities;

/// <summary>Row of <c>join_tokens</c>. Only the token's hash is stored.</summary>
internal sealed class JoinTokenEntity
{
    public string TokenHash { get; set; } = string.Empty;

    public long ExpiresAt { get; set; }

    public long CreatedAt { get; set; }
}
