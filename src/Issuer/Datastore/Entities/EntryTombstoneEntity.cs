namespace IdentityIssuer.Issuer.Datastore.Entities;

/// <summary>Row of <c>entry_tombstones</c>: a deleted entry and the revision that deleted it, kept for sync.</summary>
internal sealed class EntryTombstoneEntity
{
    public string EntryId { get; set; } = string.Empty;

    public long RevisionNumber { get; set; }
}
