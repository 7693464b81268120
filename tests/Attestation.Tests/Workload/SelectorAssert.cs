using IdentityIssuer.Attestation.Selectors;

namespace IdentityIssuer.Attestation.Tests.Workload;

internal static class SelectorAssert
{
    /// <summary>Every selector fits a shape registration accepts, has the attestor's type, and the list is sorted and unique.</summary>
    public static void AllFit(string type, IReadOnlyList<Selector> selectors)
    {
        foreach (var selector in selectors)
        {
            Assert.Null(SelectorShapes.Check(selector));
            Assert.Equal(type, selector.Type);
        }

        Assert.Equal(SelectorSet.Normalize(selectors), selectors);
    }

    public static string[] Texts(IReadOnlyList<Selector> selectors) => [.. selectors.Select(s => s.ToString())];
}
