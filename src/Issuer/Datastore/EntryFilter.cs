using IdentityIssuer.Attestation.Selectors;

namespace IdentityIssuer.Issuer.Datastore;

/// <summary>How <see cref="EntryFilter.Selectors"/> is compared with an entry's selectors.</summary>
public enum SelectorMatch
{
    /// <summary>Not set; rejected when selectors are given.</summary>
    Unspecified = 0,

    /// <summary>The entry's selector set equals the filter's.</summary>
    Exact = 1,

    /// <summary>The entry's selectors are a subset of the filter's (what a caller with these selectors may have).</summary>
    Subset = 2,

    /// <summary>The entry's selectors are a superset of the filter's (entries mentioning all of these).</summary>
    Superset = 3,
}

/// <summary>Filter and paging for <see cref="IDataStore.ListEntriesAsync"/>. All set parts must hold.</summary>
public sealed record EntryFilter
{
    /// <summary>Only entries with this SPIFFE ID.</summary>
    public string? SpiffeId { get; init; }

    /// <summary>Only entries with this parent ID.</summary>
    public string? ParentId { get; init; }

    /// <summary>Only entries whose selectors match these under <see cref="Match"/>.</summary>
    public IReadOnlyList<Selector>? Selectors { get; init; }

    /// <summary>How selectors compare; required when <see cref="Selectors"/> is set.</summary>
    public SelectorMatch Match { get; init; }

    /// <summary>Only entries changed after this revision (for sync).</summary>
    public long? AfterRevision { get; init; }

    /// <summary>Maximum entries per page (1..1000); 0 means 100.</summary>
    public int PageSize { get; init; }

    /// <summary>Token from the previous page, or null for the first page.</summary>
    public string? PageToken { get; init; }
}

/// <summary>One page of results and the token for the next, null on the last page.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextPageToken);
