namespace IdentityIssuer.Issuer.Datastore.Entities;

/// <summary>The single row of <c>revision_counter</c>: the last store-wide revision handed out.</summary>
internal sealed class RevisionCounterEntity
{
    /// <summary>The one row's id.</summary>
    public const int SingletonId = 1;

    public int Id { get; set; }

    public long Value { get; set; }
}
