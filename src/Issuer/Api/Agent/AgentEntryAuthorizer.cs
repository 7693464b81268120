using System.Collections.Concurrent;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Registration;

namespace IdentityIssuer.Issuer.Api.Agent;

/// <summary>
/// Works out which entries an agent is authorized for: entries parented to the agent ID or to the ID
/// of a node alias that matches the node (a node-alias entry is parented to the issuer's server ID and
/// its selectors are a subset of the node's), and, transitively, entries parented to the SPIFFE ID of
/// any authorized entry. A node-alias entry itself is never authorized: it gives the node an extra
/// parent ID, not a workload SVID to sign (as in SPIRE). Expired entries are left out (and so are their
/// descendants; an expired alias gives no parent). Every lookup is an indexed query by parent or by selector
/// subset; a parent is expanded once, so a cycle of entries ends. The result is cached per agent
/// and reused while the store revision, the node's selectors and every entry's expiry allow, so a
/// poll with nothing changed costs one revision read.
/// </summary>
internal sealed class AgentEntryAuthorizer
{
    private const int LookupPageSize = 1000;

    private readonly ConcurrentDictionary<string, Cached> _cache = new(StringComparer.Ordinal);
    private readonly IDataStore _store;
    private readonly CaManager _ca;
    private readonly TimeProvider _time;

    public AgentEntryAuthorizer(IDataStore store, CaManager ca, TimeProvider time)
    {
        _store = store;
        _ca = ca;
        _time = time;
    }

    public async Task<AuthorizedEntrySet> GetAsync(AuthenticatedAgent agent, CancellationToken cancellationToken)
    {
        var agentId = agent.AgentId.ToString();
        var selectorsKey = string.Join('\n', agent.Node.Selectors.Order(StringComparer.Ordinal));
        var revision = await _store.GetCurrentRevisionAsync(cancellationToken);
        var now = _time.GetUtcNow();
        if (_cache.TryGetValue(agentId, out var cached)
            && cached.Set.Revision == revision
            && cached.SelectorsKey == selectorsKey
            && now < cached.ValidUntil)
        {
            return cached.Set;
        }

        var (set, validUntil) = await ComputeAsync(agentId, agent.Node.Selectors, revision, now, ListAllAsync, cancellationToken);
        _cache[agentId] = new Cached(set, selectorsKey, validUntil);
        return set;
    }

    /// <summary>Forgets an agent's cached set (after it re-attests with possibly other selectors).</summary>
    public void Forget(string agentId) => _cache.TryRemove(agentId, out _);

    /// <summary>
    /// The set an agent with these node selectors is authorized for, computed afresh (never cached) by
    /// the same code as <see cref="GetAsync"/>, from the store as it is or, with <paramref name="change"/>,
    /// as it would be after that change (a dry run: nothing is written).
    /// </summary>
    public async Task<AuthorizedEntrySet> SimulateAsync(string agentId, IReadOnlyList<string> nodeSelectors, EntryChange? change, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentId);
        ArgumentNullException.ThrowIfNull(nodeSelectors);
        var revision = await _store.GetCurrentRevisionAsync(cancellationToken);
        var (set, _) = await ComputeAsync(
            agentId,
            nodeSelectors,
            revision,
            _time.GetUtcNow(),
            change is null ? ListAllAsync : (filter, ct) => change.Apply(filter, ListAllAsync(filter, ct), ct),
            cancellationToken);
        return set;
    }

    /// <summary>The set, and until when it holds: the first expiry of an entry in it or of an alias it came through.</summary>
    private async Task<(AuthorizedEntrySet Set, DateTimeOffset ValidUntil)> ComputeAsync(
        string agentId,
        IReadOnlyList<string> nodeSelectors,
        long revision,
        DateTimeOffset now,
        Func<EntryFilter, CancellationToken, IAsyncEnumerable<RegistrationEntry>> listAll,
        CancellationToken cancellationToken)
    {
        var validUntil = DateTimeOffset.MaxValue;
        var entries = new Dictionary<string, RegistrationEntry>(StringComparer.Ordinal);
        var expanded = new HashSet<string>(StringComparer.Ordinal);
        var parents = new Queue<string>();
        parents.Enqueue(agentId);

        var serverId = ReservedIds.Server(_ca.TrustDomain).ToString();
        var selectors = nodeSelectors
            .Select(s => Attestation.Selectors.Selector.TryParse(s, out var parsed, out _) ? parsed : null)
            .OfType<Attestation.Selectors.Selector>()
            .ToList();
        if (selectors.Count > 0)
        {
            var aliases = new EntryFilter
            {
                ParentId = serverId,
                Selectors = selectors,
                Match = SelectorMatch.Subset,
            };
            await foreach (var alias in listAll(aliases, cancellationToken))
            {
                if (!Expired(alias))
                {
                    Until(alias);
                    parents.Enqueue(alias.SpiffeId);
                }
            }
        }

        while (parents.TryDequeue(out var parent))
        {
            if (!expanded.Add(parent))
            {
                continue;
            }

            await foreach (var child in listAll(new EntryFilter { ParentId = parent }, cancellationToken))
            {
                Admit(child);
            }
        }

        return (new AuthorizedEntrySet(revision, entries), validUntil);

        bool Expired(RegistrationEntry entry) => entry.ExpiresAt is { } expiresAt && expiresAt <= now;

        void Until(RegistrationEntry entry)
        {
            if (entry.ExpiresAt is { } expiresAt && expiresAt < validUntil)
            {
                validUntil = expiresAt;
            }
        }

        void Admit(RegistrationEntry entry)
        {
            // An entry under the server ID is a node alias (or the server's own): never a workload of this agent.
            if (Expired(entry) || string.Equals(entry.ParentId, serverId, StringComparison.Ordinal))
            {
                return;
            }

            if (entries.TryAdd(entry.Id, entry))
            {
                Until(entry);
                parents.Enqueue(entry.SpiffeId);
            }
        }
    }

    private async IAsyncEnumerable<RegistrationEntry> ListAllAsync(EntryFilter filter, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? pageToken = null;
        do
        {
            var page = await _store.ListEntriesAsync(filter with { PageSize = LookupPageSize, PageToken = pageToken }, cancellationToken);
            foreach (var entry in page.Items)
            {
                yield return entry;
            }

            pageToken = page.NextPageToken;
        }
        while (pageToken is not null);
    }

    private sealed record Cached(AuthorizedEntrySet Set, string SelectorsKey, DateTimeOffset ValidUntil);
}
