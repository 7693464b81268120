using System.Globalization;
using System.Text.RegularExpressions;

namespace IdentityIssuer.Gateway.Policy;

/// <summary>
/// Reads a policy (JSON or YAML) and reports every problem at once, each naming where it is
/// (<c>rules[2].spiffeId: …</c>; in YAML also its line and column). A policy with any problem is
/// refused as a whole, and so is a key given twice.
/// </summary>
public static partial class PolicyParser
{
    private static readonly string[] TopLevelKeys = ["tools", "rules"];
    private static readonly string[] ToolKeys = ["risk", "description"];
    private static readonly string[] RuleKeys = ["name", "spiffeId", "tools", "actions", "targets"];

    /// <summary>Parses a JSON policy; on failure <paramref name="errors"/> lists every problem.</summary>
    public static bool TryParse(string json, out ToolPolicy? policy, out IReadOnlyList<string> errors) =>
        TryParse(json, PolicyFormat.Json, out policy, out errors);

    /// <summary>Parses a policy in <paramref name="format"/>; on failure <paramref name="errors"/> lists every problem.</summary>
    public static bool TryParse(string text, PolicyFormat format, out ToolPolicy? policy, out IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(text);
        var problems = new List<string>();
        errors = problems;
        policy = null;
        var root = format switch
        {
            PolicyFormat.Json => JsonPolicyReader.Read(text, problems),
            PolicyFormat.Yaml => YamlPolicyReader.Read(text, problems),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "a policy is JSON or YAML"),
        };
        if (root is null)
        {
            return false;
        }

        if (root is not PolicyMap map)
        {
            problems.Add($"{root.Where}the policy must be a {(format == PolicyFormat.Json ? "JSON object" : "YAML mapping")} with \"tools\" and \"rules\"");
            return false;
        }

        CheckKeys(map, TopLevelKeys, string.Empty, problems);
        var declared = map["tools"] is PolicyMap t ? t.Entries.Select(e => e.Key).ToHashSet(StringComparer.Ordinal) : [];
        var tools = ParseTools(map, problems);
        var rules = ParseRules(map, declared, problems);
        if (problems.Count > 0)
        {
            // YAML problems read top to bottom, as an editor shows the file (JSON ones keep their path order).
            errors = [.. problems.OrderBy(Line)];
            return false;
        }

        policy = new ToolPolicy(tools, rules);
        return true;
    }

    private static Dictionary<string, RiskTier> ParseTools(PolicyMap root, List<string> problems)
    {
        var tools = new Dictionary<string, RiskTier>(StringComparer.Ordinal);
        if (root["tools"] is not PolicyMap element)
        {
            problems.Add($"{root.WhereOf("tools")}tools: required, an object of tool name → {{ \"risk\": \"read\" | \"mutate\" | \"high-risk\" }}");
            return tools;
        }

        CheckKeys(element, null, "tools.", problems);
        foreach (var tool in element.Entries)
        {
            var path = "tools." + tool.Key;
            if (!IsToolName(tool.Key))
            {
                problems.Add($"{tool.Where}{path}: a tool name is 1-128 characters of a-z A-Z 0-9 . _ -");
            }

            if (tool.Value is not PolicyMap body)
            {
                problems.Add($"{tool.Value.Where}{path}: must be an object with \"risk\"");
                continue;
            }

            CheckKeys(body, ToolKeys, path + ".", problems);
            var risk = (body["risk"] as PolicyScalar)?.Text;
            if (!RiskTiers.TryParse(risk, out var tier))
            {
                problems.Add($"{body.WhereOf("risk")}{path}.risk: {(risk is null ? "required" : $"'{risk}' is not a risk tier")}; one of read, mutate, high-risk");
                continue;
            }

            tools[tool.Key] = tier;
        }

        return tools;
    }

    private static List<PolicyRule> ParseRules(PolicyMap root, HashSet<string> declared, List<string> problems)
    {
        var rules = new List<PolicyRule>();
        if (root["rules"] is not PolicyList element)
        {
            problems.Add($"{root.WhereOf("rules")}rules: required, an array of rules (an empty array denies everything)");
            return rules;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var index = 0; index < element.Items.Count; index++)
        {
            var path = "rules[" + index.ToString(CultureInfo.InvariantCulture) + "]";
            if (element.Items[index] is not PolicyMap rule)
            {
                problems.Add($"{element.Items[index].Where}{path}: must be an object");
                continue;
            }

            CheckKeys(rule, RuleKeys, path + ".", problems);
            var before = problems.Count;
            var name = RequiredString(rule, "name", path, problems) ?? string.Empty;
            if (name.Length > 0 && !names.Add(name))
            {
                problems.Add($"{rule.WhereOf("name")}{path}.name: '{name}' is used by an earlier rule; rule names are unique (the audit log names them)");
            }

            SpiffeIdPattern? caller = null;
            if (RequiredString(rule, "spiffeId", path, problems) is { } idText && !SpiffeIdPattern.TryParse(idText, out caller, out var idError))
            {
                problems.Add($"{rule.WhereOf("spiffeId")}{path}.spiffeId: {idError}");
            }

            var toolNames = StringList(rule, "tools", path, problems);
            foreach (var tool in toolNames.Where(t => t != "*" && !declared.Contains(t)))
            {
                problems.Add($"{rule.WhereOf("tools")}{path}.tools: '{tool}' is not declared under \"tools\"");
            }

            var actions = StringList(rule, "actions", path, problems).Select(Glob.Compile).ToList();
            var targets = StringList(rule, "targets", path, problems).Select(Glob.Compile).ToList();
            if (problems.Count == before && caller is not null)
            {
                rules.Add(new PolicyRule(name, caller, toolNames, actions, targets));
            }
        }

        return rules;
    }

    private static string? RequiredString(PolicyMap obj, string key, string path, List<string> problems)
    {
        if (obj[key] is PolicyScalar { Text: { Length: > 0 } text })
        {
            return text;
        }

        problems.Add($"{obj.WhereOf(key)}{path}.{key}: required, a non-empty string");
        return null;
    }

    private static List<string> StringList(PolicyMap obj, string key, string path, List<string> problems)
    {
        if (obj[key] is not PolicyList { Items.Count: > 0 } value)
        {
            problems.Add($"{obj.WhereOf(key)}{path}.{key}: required, a non-empty array of strings (\"**\" matches everything)");
            return [];
        }

        var list = new List<string>();
        for (var i = 0; i < value.Items.Count; i++)
        {
            if (value.Items[i] is PolicyScalar { Text: { Length: > 0 } text })
            {
                list.Add(text);
            }
            else
            {
                problems.Add($"{value.Items[i].Where}{path}.{key}[{i.ToString(CultureInfo.InvariantCulture)}]: must be a non-empty string");
            }
        }

        return list;
    }

    /// <summary>Refuses a key given twice (which one would count is a guess) and, when <paramref name="known"/> is set, keys not in it.</summary>
    private static void CheckKeys(PolicyMap obj, string[]? known, string prefix, List<string> problems)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in obj.Entries)
        {
            if (!seen.Add(entry.Key))
            {
                problems.Add($"{entry.Where}{prefix}{entry.Key}: duplicate key; each key may appear once");
            }
            else if (known is not null && !known.Contains(entry.Key, StringComparer.Ordinal))
            {
                problems.Add($"{entry.Where}{prefix}{entry.Key}: unknown key; known: {string.Join(", ", known)}");
            }
        }
    }

    /// <summary>The (line, column) a problem starts with, or (0, 0) when it names none.</summary>
    private static (int Line, int Column) Line(string problem)
    {
        var match = Position().Match(problem);
        return match.Success
            ? (int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture), int.Parse(match.Groups[2].ValueSpan, CultureInfo.InvariantCulture))
            : (0, 0);
    }

    [GeneratedRegex(@"^line ([0-9]{1,9}), column ([0-9]{1,9}): ", RegexOptions.CultureInvariant)]
    private static partial Regex Position();

    private static bool IsToolName(string name) =>
        name.Length is > 0 and <= 128 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}
