namespace IdentityIssuer.Issuer.Api.Admin.Contracts;

/// <summary>One page of entries and the token for the next page (null on the last).</summary>
public sealed record EntryListView(IReadOnlyList<EntryView> Entries, string? NextPageToken);
