namespace IdentityIssuer.Gateway.Policy;

/// <summary>How dangerous a tool is. <see cref="HighRisk"/> tools need a human approval per call.</summary>
public enum RiskTier
{
    /// <summary>Never valid: a tool without a tier is a policy error.</summary>
    Unspecified = 0,

    /// <summary><c>read</c>: looks things up, changes nothing.</summary>
    Read = 1,

    /// <summary><c>mutate</c>: changes state the caller is allowed to change.</summary>
    Mutate = 2,

    /// <summary><c>high-risk</c>: each call needs a single-use approval.</summary>
    HighRisk = 3,
}

/// <summary>The policy file's names for <see cref="RiskTier"/>.</summary>
public static class RiskTiers
{
    public static string Name(RiskTier tier) => tier switch
    {
        RiskTier.Read => "read",
        RiskTier.Mutate => "mutate",
        RiskTier.HighRisk => "high-risk",
        _ => "unspecified",
    };

    public static bool TryParse(string? name, out RiskTier tier)
    {
        tier = name switch
        {
            "read" => RiskTier.Read,
            "mutate" => RiskTier.Mutate,
            "high-risk" => RiskTier.HighRisk,
            _ => RiskTier.Unspecified,
        };
        return tier != RiskTier.Unspecified;
    }
}
