namespace IdentityIssuer.Gateway.Policy;

/// <summary>
/// A policy file's content, whatever its format, so that JSON and YAML get the same validation.
/// <see cref="Where"/> prefixes every problem about this node: <c>line 7, column 5: </c> for YAML,
/// empty for JSON (whose problems name their place by path alone).
/// </summary>
internal abstract record PolicyNode(string Where);

/// <summary>An object / mapping; <see cref="Entries"/> keeps duplicate keys so that they can be refused.</summary>
internal sealed record PolicyMap(string Where, IReadOnlyList<PolicyMapEntry> Entries) : PolicyNode(Where)
{
    public PolicyNode? this[string key] => Entries.FirstOrDefault(e => string.Equals(e.Key, key, StringComparison.Ordinal))?.Value;

    /// <summary>Where a problem about <paramref name="key"/>'s value belongs: at the value, or at this map when the key is missing.</summary>
    public string WhereOf(string key) => this[key]?.Where ?? Where;
}

/// <summary>One key of a <see cref="PolicyMap"/>; <see cref="Where"/> is the key's place.</summary>
internal sealed record PolicyMapEntry(string Key, string Where, PolicyNode Value);

/// <summary>An array / sequence.</summary>
internal sealed record PolicyList(string Where, IReadOnlyList<PolicyNode> Items) : PolicyNode(Where);

/// <summary>A scalar; <see cref="Text"/> is null unless it is a string (a number, boolean or null is not).</summary>
internal sealed record PolicyScalar(string Where, string? Text) : PolicyNode(Where);
