namespace IdentityIssuer.Gateway.Policy;

/// <summary>The format of a policy file, chosen by its extension.</summary>
public enum PolicyFormat
{
    /// <summary>Never valid: a file whose extension names no format is refused.</summary>
    Unspecified = 0,

    /// <summary><c>.json</c> (comments and trailing commas allowed).</summary>
    Json = 1,

    /// <summary><c>.yaml</c> or <c>.yml</c>: one YAML document; problems name their line and column.</summary>
    Yaml = 2,
}

/// <summary>Maps policy file names to <see cref="PolicyFormat"/>.</summary>
public static class PolicyFormats
{
    /// <summary>The extensions a policy file may have, for messages.</summary>
    public const string AcceptedExtensions = ".yaml, .yml or .json";

    /// <summary>The format <paramref name="path"/>'s extension names (case-insensitive), or <see cref="PolicyFormat.Unspecified"/>.</summary>
    public static PolicyFormat FromPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".json" => PolicyFormat.Json,
            ".yaml" or ".yml" => PolicyFormat.Yaml,
            _ => PolicyFormat.Unspecified,
        };
    }
}
