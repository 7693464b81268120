namespace IdentityIssuer.Attestation.Selectors;

/// <summary>
/// Which registration entries a workload gets, given its selectors: the one rule the agent's Workload API
/// serves by and the issuer's <c>entry simulate</c> predicts with, so the two cannot drift apart.
/// </summary>
public static class WorkloadMatching
{
    /// <summary>
    /// The candidates whose entry selectors are non-empty and all among the caller's, in the given order,
    /// keeping for each non-empty hint only the oldest entry's (created-at, then id; empty hints never collide).
    /// </summary>
    public static IReadOnlyList<T> Match<T>(IEnumerable<T> candidates, IReadOnlySet<Selector> callerSelectors, Func<T, WorkloadMatchKey> key)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(callerSelectors);
        ArgumentNullException.ThrowIfNull(key);
        var matches = candidates
            .Where(c => key(c).Selectors is { Count: > 0 } selectors && SelectorSet.IsSubsetOf(selectors, callerSelectors))
            .ToList();
        return DeduplicateHints(matches, key);
    }

    /// <summary>Keeps the oldest entry's candidate for each non-empty hint; order is otherwise preserved.</summary>
    public static IReadOnlyList<T> DeduplicateHints<T>(IReadOnlyList<T> candidates, Func<T, WorkloadMatchKey> key)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(key);
        var winners = candidates
            .Where(c => key(c).Hint.Length > 0)
            .GroupBy(c => key(c).Hint, StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => g.OrderBy(c => key(c).EntryCreatedAt).ThenBy(c => key(c).EntryId, StringComparer.Ordinal).First(),
                StringComparer.Ordinal);
        return candidates.Where(c => key(c).Hint.Length == 0 || ReferenceEquals(winners[key(c).Hint], c)).ToList();
    }
}

/// <summary>What <see cref="WorkloadMatching"/> reads of one candidate: its entry's id, selectors, hint and creation time.</summary>
public readonly record struct WorkloadMatchKey(string EntryId, IReadOnlyList<Selector> Selectors, string Hint, DateTimeOffset EntryCreatedAt);
