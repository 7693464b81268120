namespace IdentityIssuer.Gateway.Policy;

/// <summary>The policy's answer for one call. Fails closed: only <see cref="Allow"/> sets <see cref="IsAllowed"/>.</summary>
public sealed class PolicyDecision
{
    private PolicyDecision(bool isAllowed, RiskTier risk, string rule, string reason)
    {
        IsAllowed = isAllowed;
        Risk = risk;
        Rule = rule;
        Reason = reason;
    }

    public bool IsAllowed { get; }

    /// <summary>The tool's tier; <see cref="RiskTier.Unspecified"/> for an unknown tool.</summary>
    public RiskTier Risk { get; }

    /// <summary>The name of the rule that allowed the call; empty on a denial.</summary>
    public string Rule { get; }

    /// <summary>Why the call was denied; empty when allowed.</summary>
    public string Reason { get; }

    internal static PolicyDecision Allow(RiskTier risk, string rule) => new(true, risk, rule, string.Empty);

    internal static PolicyDecision Deny(RiskTier risk, string reason) => new(false, risk, string.Empty, reason);
}
