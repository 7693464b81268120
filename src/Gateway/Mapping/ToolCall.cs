namespace IdentityIssuer.Gateway.Mapping;

/// <summary>What a request asks to do: tool, action and target, as the policy sees it.</summary>
internal sealed record ToolCall(string Tool, string Action, string Target)
{
    public string Required => Tool + ":" + Action;
}
