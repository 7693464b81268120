using System.Globalization;
using System.Text.Json;

namespace IdentityIssuer.Gateway.Policy;

/// <summary>
/// Reads a policy file (JSON) and reports every problem at once, each naming where it is
/// (<c>rules[2].spiffeId: …</c>). A policy with any problem is refused as a whole.
/// </summary>
public static class PolicyParser
{
    private static readonly string[] TopLevelKeys = ["tools", "rules"];
    private static readonly string[] ToolKeys = ["risk", "description"];
    private static readonly string[] RuleKeys = ["name", "spiffeId", "tools", "actions", "targets"];

    /// <summary>Parses <paramref name="json"/>; on failure <paramref name="errors"/> lists every problem.</summary>
    public static bool TryParse(string json, out ToolPolicy? policy, out IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(json);
        var problems = new List<string>();
        errors = problems;
        policy = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            problems.Add($"not valid JSON: {ex.Message}");
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problems.Add("the policy must be a JSON object with \"tools\" and \"rules\"");
                return false;
            }

            UnknownKeys(root, TopLevelKeys, string.Empty, problems);
            var declared = root.TryGetProperty("tools", out var t) && t.ValueKind == JsonValueKind.Object
                ? t.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal)
                : [];
            var tools = ParseTools(root, problems);
            var rules = ParseRules(root, declared, problems);
            if (problems.Count > 0)
            {
                return false;
            }

            policy = new ToolPolicy(tools, rules);
            return true;
        }
    }

    private static Dictionary<string, RiskTier> ParseTools(JsonElement root, List<string> problems)
    {
        var tools = new Dictionary<string, RiskTier>(StringComparer.Ordinal);
        if (!root.TryGetProperty("tools", out var element) || element.ValueKind != JsonValueKind.Object)
        {
            problems.Add("tools: required, an object of tool name → { \"risk\": \"read\" | \"mutate\" | \"high-risk\" }");
            return tools;
        }

        foreach (var tool in element.EnumerateObject())
        {
            var path = "tools." + tool.Name;
            if (!IsToolName(tool.Name))
            {
                problems.Add($"{path}: a tool name is 1-128 characters of a-z A-Z 0-9 . _ -");
            }

            if (tool.Value.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{path}: must be an object with \"risk\"");
                continue;
            }

            UnknownKeys(tool.Value, ToolKeys, path + ".", problems);
            var risk = tool.Value.TryGetProperty("risk", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            if (!RiskTiers.TryParse(risk, out var tier))
            {
                problems.Add($"{path}.risk: {(risk is null ? "required" : $"'{risk}' is not a risk tier")}; one of read, mutate, high-risk");
                continue;
            }

            tools[tool.Name] = tier;
        }

        return tools;
    }

    private static List<PolicyRule> ParseRules(JsonElement root, HashSet<string> declared, List<string> problems)
    {
        var rules = new List<PolicyRule>();
        if (!root.TryGetProperty("rules", out var element) || element.ValueKind != JsonValueKind.Array)
        {
            problems.Add("rules: required, an array of rules (an empty array denies everything)");
            return rules;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var rule in element.EnumerateArray())
        {
            var path = "rules[" + index.ToString(CultureInfo.InvariantCulture) + "]";
            index++;
            if (rule.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{path}: must be an object");
                continue;
            }

            UnknownKeys(rule, RuleKeys, path + ".", problems);
            var before = problems.Count;
            var name = RequiredString(rule, "name", path, problems) ?? string.Empty;
            if (name.Length > 0 && !names.Add(name))
            {
                problems.Add($"{path}.name: '{name}' is used by an earlier rule; rule names are unique (the audit log names them)");
            }

            SpiffeIdPattern? caller = null;
            if (RequiredString(rule, "spiffeId", path, problems) is { } idText && !SpiffeIdPattern.TryParse(idText, out caller, out var idError))
            {
                problems.Add($"{path}.spiffeId: {idError}");
            }

            var toolNames = StringList(rule, "tools", path, problems);
            foreach (var tool in toolNames.Where(t => t != "*" && !declared.Contains(t)))
            {
                problems.Add($"{path}.tools: '{tool}' is not declared under \"tools\"");
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

    private static string? RequiredString(JsonElement obj, string key, string path, List<string> problems)
    {
        if (obj.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text)
        {
            return text;
        }

        problems.Add($"{path}.{key}: required, a non-empty string");
        return null;
    }

    private static List<string> StringList(JsonElement obj, string key, string path, List<string> problems)
    {
        if (!obj.TryGetProperty(key, out var value) || value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
        {
            problems.Add($"{path}.{key}: required, a non-empty array of strings (\"**\" matches everything)");
            return [];
        }

        var list = new List<string>();
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || item.GetString() is not { Length: > 0 } text)
            {
                problems.Add($"{path}.{key}[{i.ToString(CultureInfo.InvariantCulture)}]: must be a non-empty string");
            }
            else
            {
                list.Add(text);
            }

            i++;
        }

        return list;
    }

    private static void UnknownKeys(JsonElement obj, string[] known, string prefix, List<string> problems)
    {
        foreach (var property in obj.EnumerateObject().Where(p => !known.Contains(p.Name, StringComparer.Ordinal)))
        {
            problems.Add($"{prefix}{property.Name}: unknown key; known: {string.Join(", ", known)}");
        }
    }

    private static bool IsToolName(string name) =>
        name.Length is > 0 and <= 128 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}
