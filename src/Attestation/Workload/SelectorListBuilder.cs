using IdentityIssuer.Attestation.Selectors;

namespace IdentityIssuer.Attestation.Workload;

/// <summary>
/// Collects one attestor's selectors. A value that cannot be a selector (a control character in a
/// label, an over-long value) is left out: no registration entry can name it, so leaving it out can
/// only narrow what the workload matches, never widen it.
/// </summary>
internal sealed class SelectorListBuilder(string type)
{
    private readonly List<Selector> _selectors = [];

    public void Add(string value)
    {
        if (Selector.TryParse($"{type}:{value}", out var selector, out _) && SelectorShapes.Check(selector) is null)
        {
            _selectors.Add(selector);
        }
    }

    public IReadOnlyList<Selector> Build() => SelectorSet.Normalize(_selectors);
}
