namespace IdentityIssuer.Issuer.Api.Admin.Contracts;

/// <summary>A selector simulation: which SPIFFE IDs a workload with <see cref="Selectors"/> under agent <see cref="AgentId"/> would get.</summary>
public sealed record EntrySimulateRequest(string? AgentId, IReadOnlyList<string>? Selectors);

/// <summary>
/// The answer of a selector simulation, by the agent API's own authorization and the agent's own
/// matching: the entries the workload would get (<see cref="Matches"/>), out of the
/// <see cref="AuthorizedEntries"/> the agent is authorized for. A banned agent gets none.
/// </summary>
public sealed record EntrySimulationView(
    string AgentId,
    bool Banned,
    IReadOnlyList<string> NodeSelectors,
    IReadOnlyList<string> Selectors,
    int AuthorizedEntries,
    IReadOnlyList<EntryView> Matches);

/// <summary>
/// What an entry change would do, computed and not stored (<see cref="Stored"/> is always false):
/// the entry as it would be (<c>create</c>, <c>update</c>) or as it is (<c>delete</c>), and every
/// attested agent whose authorized entries would change, out of <see cref="AgentsChecked"/>.
/// </summary>
public sealed record EntryDryRunView(
    string Action,
    EntryView Entry,
    int AgentsChecked,
    IReadOnlyList<EntryImpactView> Agents,
    bool Stored);

/// <summary>
/// One agent a change would affect: the entries it would gain, lose, or keep but changed, its entry
/// count before and after, and how many unexpired SVIDs it holds now for the entries lost or changed
/// (what its workloads would see replaced or taken away).
/// </summary>
public sealed record EntryImpactView(
    string AgentId,
    IReadOnlyList<EntryRefView> Gained,
    IReadOnlyList<EntryRefView> Lost,
    IReadOnlyList<EntryRefView> Changed,
    int EntriesBefore,
    int EntriesAfter,
    int CurrentSvids);

/// <summary>An entry named by id and SPIFFE ID.</summary>
public sealed record EntryRefView(string Id, string SpiffeId);
