namespace IdentityIssuer.Gateway.Mapping;

/// <summary>What a request asks to do: tool, action and target, as the policy sees it.</summary>
internal sealed record ToolCall(string Tool, string Action, string Target)
{
    public string Required => Tool + ":" + Action;

    /// <summary>
    /// Null when the call can be authorized; otherwise why not: a value with a <c>.</c> or <c>..</c>
    /// segment (between <c>/</c> or <c>\</c>, also with <c>;</c> parameters) names another target to
    /// the tool than to the policy's globs (<c>public/**</c> matches <c>public/../secret</c>).
    /// </summary>
    public string? Problem()
    {
        foreach (var (name, value) in new[] { ("tool", Tool), ("action", Action), ("target", Target) })
        {
            if (value.Split('/', '\\').Any(s => s.Split(';', 2)[0] is "." or ".."))
            {
                return $"invalid tool call: {name} '{value}' has a '.' or '..' segment";
            }
        }

        return null;
    }
}
