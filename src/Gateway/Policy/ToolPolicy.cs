using IdentityIssuer.Spiffe;

namespace IdentityIssuer.Gateway.Policy;

/// <summary>
/// A validated policy: the tools with their risk tiers and the rules that allow calls. Default deny:
/// a call is allowed only when one rule matches caller, tool, action and target; a target with a
/// <c>.</c> or <c>..</c> segment matches no rule. Immutable, so a hot
/// reload swaps the whole policy at once.
/// </summary>
public sealed class ToolPolicy
{
    internal ToolPolicy(IReadOnlyDictionary<string, RiskTier> tools, IReadOnlyList<PolicyRule> rules)
    {
        Tools = tools;
        Rules = rules;
    }

    /// <summary>Tool name → risk tier.</summary>
    public IReadOnlyDictionary<string, RiskTier> Tools { get; }

    internal IReadOnlyList<PolicyRule> Rules { get; }

    /// <summary>Decides one call; the first rule that matches allows it.</summary>
    public PolicyDecision Authorize(SpiffeId caller, string tool, string action, string target)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!Tools.TryGetValue(tool, out var risk))
        {
            return PolicyDecision.Deny(RiskTier.Unspecified, $"unknown tool '{tool}'");
        }

        if (HasDotSegment(target))
        {
            // docs/../secret would match docs/** while naming what the upstream resolves as secret.
            return PolicyDecision.Deny(risk, $"target '{target}' has a '.' or '..' segment; such a target matches no rule");
        }

        foreach (var rule in Rules)
        {
            if (rule.Matches(caller, tool, action, target))
            {
                return PolicyDecision.Allow(risk, rule.Name);
            }
        }

        return PolicyDecision.Deny(risk, $"no rule allows {caller} {tool}:{action} on '{target}'");
    }

    /// <summary>True when a <c>/</c>-separated segment of <paramref name="target"/> is <c>.</c> or <c>..</c>.</summary>
    internal static bool HasDotSegment(string target)
    {
        foreach (var segment in target.Split('/'))
        {
            if (segment is "." or "..")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The tools <paramref name="caller"/> may call with <paramref name="action"/> on some target (for MCP tools/list).</summary>
    public IReadOnlySet<string> CallableTools(SpiffeId caller, string action)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var callable = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in Rules.Where(r => r.Caller.IsMatch(caller) && r.Actions.Any(a => a.IsMatch(action))))
        {
            callable.UnionWith(Tools.Keys.Where(rule.CoversTool));
        }

        return callable;
    }
}

/// <summary>One rule: callers × tools × actions × targets.</summary>
internal sealed class PolicyRule(string name, SpiffeIdPattern caller, IReadOnlyList<string> tools, IReadOnlyList<Glob> actions, IReadOnlyList<Glob> targets)
{
    public string Name { get; } = name;

    public SpiffeIdPattern Caller { get; } = caller;

    /// <summary>Tool names; <c>*</c> means every tool of the policy.</summary>
    public IReadOnlyList<string> ToolNames { get; } = tools;

    public IReadOnlyList<Glob> Actions { get; } = actions;

    public IReadOnlyList<Glob> Targets { get; } = targets;

    public bool CoversTool(string tool) => ToolNames.Any(t => t == "*" || string.Equals(t, tool, StringComparison.Ordinal));

    public bool Matches(SpiffeId caller, string tool, string action, string target) =>
        Caller.IsMatch(caller)
        && CoversTool(tool)
        && Actions.Any(a => a.IsMatch(action))
        && Targets.Any(t => t.IsMatch(target));
}
