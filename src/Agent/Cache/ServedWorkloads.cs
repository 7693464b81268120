using System.Collections.Concurrent;
using IdentityIssuer.Attestation.Selectors;

namespace IdentityIssuer.Agent.Cache;

/// <summary>
/// Which workload each entry's SVIDs were last handed to, by its selectors, so the agent can report them
/// with the next sign request for that entry and the issuer can record why it signed (ADR 0011). An
/// X509-SVID is minted before any workload asks and shared by every workload whose selectors match, so
/// the first SVID of an entry reports none (empty), and each renewal reports the workload served last.
/// Held for the entries the agent holds only; at most 64 selectors (8192 characters) per entry, in
/// canonical order, as the issuer accepts.
/// </summary>
internal sealed class ServedWorkloads
{
    /// <summary>Most selectors reported for one entry (the issuer's limit).</summary>
    public const int MaxSelectors = 64;

    /// <summary>Most characters of one entry's reported selectors (the issuer's limit).</summary>
    public const int MaxChars = 8192;

    private readonly ConcurrentDictionary<string, IReadOnlyList<string>> _byEntry = new(StringComparer.Ordinal);

    /// <summary>Notes that a workload with <paramref name="callerSelectors"/> was handed the SVIDs of <paramref name="svids"/>.</summary>
    public void Served(IReadOnlyList<WorkloadX509Svid> svids, IReadOnlySet<Selector> callerSelectors)
    {
        ArgumentNullException.ThrowIfNull(svids);
        ArgumentNullException.ThrowIfNull(callerSelectors);
        if (svids.Count == 0)
        {
            return;
        }

        var report = Bounded(callerSelectors);
        foreach (var svid in svids)
        {
            _byEntry[svid.EntryId] = report;
        }
    }

    /// <summary>The selectors to report for the entry: those of the workload served last, or empty when none has been.</summary>
    public IReadOnlyList<string> For(string entryId) => _byEntry.TryGetValue(entryId, out var report) ? report : [];

    /// <summary>Forgets an entry the agent no longer holds.</summary>
    public void Forget(string entryId) => _byEntry.TryRemove(entryId, out _);

    /// <summary>Canonical order, cut at the issuer's limits.</summary>
    private static IReadOnlyList<string> Bounded(IReadOnlySet<Selector> selectors)
    {
        var report = new List<string>(Math.Min(selectors.Count, MaxSelectors));
        var chars = 0;
        foreach (var selector in SelectorSet.Normalize(selectors))
        {
            var text = selector.ToString();
            if (report.Count == MaxSelectors || chars + text.Length > MaxChars)
            {
                break;
            }

            report.Add(text);
            chars += text.Length;
        }

        return report;
    }
}
