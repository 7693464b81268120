namespace IdentityIssuer.Issuer.Datastore.Entities;

/// <summary>Row of <c>upstream_roots</c>: a root CA whose key is held by the upstream key manager.</summary>
internal sealed class UpstreamRootEntity
{
    /// <summary>The value of <see cref="Current"/> on the current root; every other row has null.</summary>
    public const int CurrentValue = 1;

    public string Id { get; set; } = string.Empty;

    public string KeyManager { get; set; } = string.Empty;

    public string KeyId { get; set; } = string.Empty;

    public byte[] Certificate { get; set; } = [];

    public long NotBefore { get; set; }

    public long NotAfter { get; set; }

    public long CreatedAt { get; set; }

    /// <summary><see cref="CurrentValue"/> or null; a unique index lets at most one row be current.</summary>
    public int? Current { get; set; }
}
