using IdentityIssuer.Attestation;
using IdentityIssuer.Attestation.Selectors;
using IdentityIssuer.Issuer.Api.Admin;
using IdentityIssuer.Issuer.Api.Admin.Contracts;
using IdentityIssuer.Issuer.Api.Agent;
using IdentityIssuer.Issuer.Datastore;

namespace IdentityIssuer.Issuer.Registration;

/// <summary>
/// <c>entry simulate</c> and <c>entry create|update|delete --dry-run</c>: answers what the agent API and
/// the agent would do, by running their own code (<see cref="AgentEntryAuthorizer.SimulateAsync"/>, and
/// <see cref="WorkloadMatching"/>, the agent's Workload API matching), and writes nothing.
/// </summary>
internal sealed class EntrySimulator
{
    private const int PageSize = 1000;

    /// <summary>What a new entry is called in a dry run, before the store would give it an id.</summary>
    public const string NewEntryId = "(new entry)";

    private readonly IDataStore _store;
    private readonly AgentEntryAuthorizer _authorizer;
    private readonly EntryService _entries;
    private readonly TimeProvider _time;

    public EntrySimulator(IDataStore store, AgentEntryAuthorizer authorizer, EntryService entries, TimeProvider time)
    {
        _store = store;
        _authorizer = authorizer;
        _entries = entries;
        _time = time;
    }

    /// <summary>The SPIFFE IDs a workload with these selectors under this agent would get.</summary>
    public async Task<EntrySimulationView> SimulateAsync(EntrySimulateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new List<FieldError>();
        if (string.IsNullOrEmpty(request.AgentId))
        {
            errors.Add(new("agentId", "is required: the agent the workload runs under"));
        }

        var selectors = new HashSet<Selector>();
        var given = request.Selectors ?? [];
        if (given.Count == 0)
        {
            errors.Add(new("selectors", "give at least one selector the workload has (type:value)"));
        }
        else if (given.Count > EntryService.MaxSelectors * 4)
        {
            errors.Add(new("selectors", $"at most {EntryService.MaxSelectors * 4} selectors"));
        }
        else
        {
            for (var i = 0; i < given.Count; i++)
            {
                if (Selector.TryParse(given[i], out var selector, out var error))
                {
                    selectors.Add(selector);
                }
                else
                {
                    errors.Add(new($"selectors[{i}]", error));
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new EntryValidationException(errors);
        }

        var node = await _store.GetAttestedNodeAsync(request.AgentId!, cancellationToken)
            ?? throw new NotFoundException($"no attested agent '{InputEcho.Of(request.AgentId)}' (agent list shows the attested ones)");
        IReadOnlyList<RegistrationEntry> matches = [];
        var authorized = 0;
        if (!node.Banned)
        {
            var set = await _authorizer.SimulateAsync(node.SpiffeId, node.Selectors, null, cancellationToken);
            authorized = set.Entries.Count;

            // The order the agent holds them in does not matter to the match; sort for a stable answer.
            var candidates = set.Entries.Values.OrderBy(e => e.SpiffeId, StringComparer.Ordinal).ThenBy(e => e.Id, StringComparer.Ordinal);
            matches = WorkloadMatching.Match(candidates, selectors, e => new WorkloadMatchKey(e.Id, e.Selectors, e.Hint, e.CreatedAt));
        }

        return new EntrySimulationView(
            node.SpiffeId,
            node.Banned,
            node.Selectors,
            [.. SelectorSet.Normalize(selectors).Select(s => s.ToString())],
            authorized,
            [.. matches.Select(AdminEndpoints.ToView)]);
    }

    /// <summary>What creating this entry would change; nothing is stored.</summary>
    public async Task<EntryDryRunView> CreateAsync(EntryInput input, CancellationToken cancellationToken)
    {
        var entry = await _entries.ValidateAsync(input, string.Empty, cancellationToken) with { Id = NewEntryId, CreatedAt = _time.GetUtcNow() };
        return await ImpactAsync("create", entry, new EntryChange(null, entry), cancellationToken);
    }

    /// <summary>What replacing the entry would change; nothing is stored.</summary>
    public async Task<EntryDryRunView> UpdateAsync(string id, EntryInput input, CancellationToken cancellationToken)
    {
        var current = await _store.GetEntryAsync(id, cancellationToken) ?? throw new NotFoundException($"no entry with id '{InputEcho.Of(id)}'");
        var entry = await _entries.ValidateAsync(input, id, cancellationToken) with { CreatedAt = current.CreatedAt, RevisionNumber = current.RevisionNumber };
        return await ImpactAsync("update", entry, new EntryChange(id, entry), cancellationToken);
    }

    /// <summary>What deleting the entry would change; nothing is stored.</summary>
    public async Task<EntryDryRunView> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        var current = await _store.GetEntryAsync(id, cancellationToken) ?? throw new NotFoundException($"no entry with id '{InputEcho.Of(id)}'");
        return await ImpactAsync("delete", current, new EntryChange(id, null), cancellationToken);
    }

    /// <summary>Every attested agent (banned ones get nothing either way) whose authorized set the change alters.</summary>
    private async Task<EntryDryRunView> ImpactAsync(string action, RegistrationEntry entry, EntryChange change, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var impacts = new List<EntryImpactView>();
        var checkedAgents = 0;
        string? token = null;
        do
        {
            var page = await _store.ListAttestedNodesAsync(PageSize, token, cancellationToken);
            foreach (var node in page.Items.Where(n => !n.Banned))
            {
                checkedAgents++;
                var before = (await _authorizer.SimulateAsync(node.SpiffeId, node.Selectors, null, cancellationToken)).Entries;
                var after = (await _authorizer.SimulateAsync(node.SpiffeId, node.Selectors, change, cancellationToken)).Entries;
                var lost = before.Values.Where(e => !after.ContainsKey(e.Id)).ToList();
                var gained = after.Values.Where(e => !before.ContainsKey(e.Id)).ToList();
                var changed = after.Values.Where(e => before.TryGetValue(e.Id, out var old) && !ReferenceEquals(old, e) && string.Equals(e.Id, change.RemovedId, StringComparison.Ordinal)).ToList();
                if (lost.Count + gained.Count + changed.Count == 0)
                {
                    continue;
                }

                var svids = 0;
                foreach (var affected in lost.Concat(changed))
                {
                    svids += await CountUnexpiredAsync(node.SpiffeId, affected.Id, now, cancellationToken);
                }

                impacts.Add(new EntryImpactView(node.SpiffeId, Refs(gained), Refs(lost), Refs(changed), before.Count, after.Count, svids));
            }

            token = page.NextPageToken;
        }
        while (token is not null);

        return new EntryDryRunView(action, AdminEndpoints.ToView(entry), checkedAgents, impacts, Stored: false);
    }

    private async Task<int> CountUnexpiredAsync(string agentId, string entryId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var count = 0;
        string? token = null;
        do
        {
            var page = await _store.ListIssuanceRecordsAsync(
                new IssuanceFilter { Caller = agentId, EntryId = entryId, ExpiresAtOrAfter = now, PageSize = PageSize, PageToken = token },
                cancellationToken);
            count += page.Items.Count;
            token = page.NextPageToken;
        }
        while (token is not null);

        return count;
    }

    private static List<EntryRefView> Refs(IEnumerable<RegistrationEntry> entries) =>
        [.. entries.OrderBy(e => e.SpiffeId, StringComparer.Ordinal).ThenBy(e => e.Id, StringComparer.Ordinal).Select(e => new EntryRefView(e.Id, e.SpiffeId))];
}
