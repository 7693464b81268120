namespace IdentityIssuer.Issuer.Datastore.Entities;

/// <summary>A row of <c>revision_counter</c>: row 1 is the last store-wide entry revision handed out, row 2 the last revocation revision.</summary>
internal sealed class RevisionCounterEntity
{
    /// <summary>The entry revision row's id.</summary>
    public const int SingletonId = 1;

    /// <summary>The revocation revision row's id.</summary>
    public const int RevocationId = 2;

    public int Id { get; set; }

    public long Value { get; set; }
}
