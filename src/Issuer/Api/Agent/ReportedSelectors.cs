using IdentityIssuer.Attestation.Selectors;
using IdentityIssuer.Issuer.Datastore;

namespace IdentityIssuer.Issuer.Api.Agent;

/// <summary>
/// The workload selectors an agent reports with a sign request, checked at the trust boundary before
/// they reach the issuance record: each must parse as <c>type:value</c>, and there may be at most
/// <see cref="IssuanceLimits.MaxWorkloadSelectors"/> of them, <see cref="IssuanceLimits.MaxWorkloadSelectorChars"/>
/// characters in all. They explain an SVID; they never authorize one (the entry does).
/// </summary>
internal static class ReportedSelectors
{
    /// <summary>The canonical (sorted, unique) list, or null when none was reported; a 400 naming <paramref name="field"/> otherwise.</summary>
    public static IReadOnlyList<string>? Read(IReadOnlyList<string>? selectors, string field)
    {
        if (selectors is null)
        {
            return null;
        }

        if (selectors.Count > IssuanceLimits.MaxWorkloadSelectors)
        {
            throw AgentApiException.BadRequest($"{field} holds {selectors.Count} selectors; at most {IssuanceLimits.MaxWorkloadSelectors} are accepted");
        }

        var parsed = new List<Selector>(selectors.Count);
        var chars = 0;
        for (var i = 0; i < selectors.Count; i++)
        {
            if (!Selector.TryParse(selectors[i], out var selector, out var error))
            {
                throw AgentApiException.BadRequest($"{field}[{i}]: {error}");
            }

            chars += selectors[i].Length;
            parsed.Add(selector);
        }

        if (chars > IssuanceLimits.MaxWorkloadSelectorChars)
        {
            throw AgentApiException.BadRequest($"{field} is {chars} characters long; at most {IssuanceLimits.MaxWorkloadSelectorChars} are accepted");
        }

        return [.. SelectorSet.Normalize(parsed).Select(s => s.ToString())];
    }
}
