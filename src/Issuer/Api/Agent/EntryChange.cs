using IdentityIssuer.Attestation.Selectors;
using IdentityIssuer.Issuer.Datastore;

namespace IdentityIssuer.Issuer.Api.Agent;

/// <summary>
/// One entry change laid over the store's entry lookups without writing it (an <c>entry create|update|delete
/// --dry-run</c>): the entry <see cref="RemovedId"/> is left out, and <see cref="Put"/> is added wherever
/// the store would list it. It answers exactly the two lookups <see cref="AgentEntryAuthorizer"/> makes:
/// entries by parent, and node aliases by parent and selector subset.
/// </summary>
internal sealed record EntryChange(string? RemovedId, RegistrationEntry? Put)
{
    /// <summary>The store's answer to <paramref name="filter"/> with this change applied.</summary>
    public async IAsyncEnumerable<RegistrationEntry> Apply(
        EntryFilter filter,
        IAsyncEnumerable<RegistrationEntry> stored,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entry in stored.WithCancellation(cancellationToken))
        {
            if (!string.Equals(entry.Id, RemovedId, StringComparison.Ordinal) && !string.Equals(entry.Id, Put?.Id, StringComparison.Ordinal))
            {
                yield return entry;
            }
        }

        if (Put is not null && Matches(Put, filter))
        {
            yield return Put;
        }
    }

    private static bool Matches(RegistrationEntry entry, EntryFilter filter)
    {
        if (filter.SpiffeId is not null || filter.AfterRevision is not null)
        {
            throw new NotSupportedException("a dry run answers lookups by parent and selectors only");
        }

        if (filter.ParentId is { } parent && !string.Equals(entry.ParentId, parent, StringComparison.Ordinal))
        {
            return false;
        }

        if (filter.Selectors is not { } selectors)
        {
            return true;
        }

        return filter.Match switch
        {
            SelectorMatch.Subset when selectors.Count == 0 => entry.Selectors.Count == 0,
            SelectorMatch.Subset => entry.Selectors.Count > 0 && SelectorSet.IsSubsetOf(entry.Selectors, selectors),
            _ => throw new NotSupportedException("a dry run answers subset selector lookups only"),
        };
    }
}
