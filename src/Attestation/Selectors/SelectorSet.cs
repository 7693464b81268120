namespace IdentityIssuer.Attestation.Selectors;

/// <summary>Set operations used when matching registration entries to callers.</summary>
public static class SelectorSet
{
    /// <summary>Sorted, de-duplicated copy: the canonical order entries are stored and compared in.</summary>
    public static IReadOnlyList<Selector> Normalize(IEnumerable<Selector> selectors)
    {
        ArgumentNullException.ThrowIfNull(selectors);
        var set = new SortedSet<Selector>(selectors);
        return [.. set];
    }

    /// <summary>True when every selector of <paramref name="subset"/> is in <paramref name="superset"/>.</summary>
    public static bool IsSubsetOf(IEnumerable<Selector> subset, IEnumerable<Selector> superset)
    {
        ArgumentNullException.ThrowIfNull(subset);
        ArgumentNullException.ThrowIfNull(superset);
        var super = superset as ISet<Selector> ?? new HashSet<Selector>(superset);
        return subset.All(super.Contains);
    }

    /// <summary>True when both hold the same selectors, in any order.</summary>
    public static bool SetEquals(IEnumerable<Selector> a, IEnumerable<Selector> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return new HashSet<Selector>(a).SetEquals(b);
    }
}
