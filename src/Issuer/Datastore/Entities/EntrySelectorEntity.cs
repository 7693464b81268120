namespace IdentityIssuer.Issuer.Datastore.Entities;

/// <summary>Row of <c>entry_selectors</c>: one selector of one registration entry.</summary>
internal sealed class EntrySelectorEntity
{
    public string EntryId { get; set; } = string.Empty;

    public string Type { get; set; } = string.Empty;

    public string Value { get; set; } = string.Empty;
}
