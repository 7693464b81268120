using System.Text.Json;

namespace IdentityIssuer.Attestation.Node;

/// <summary>
/// Strict reading of an attestation payload: it must be a JSON object holding exactly the properties
/// the attestor expects, so a payload meant for another attestor is refused rather than half-read.
/// </summary>
internal static class AttestationPayload
{
    /// <summary>Null when <paramref name="payload"/> is an object whose properties are all in <paramref name="allowed"/>; else what is wrong.</summary>
    public static string? CheckShape(string attestor, JsonElement payload, params string[] allowed)
    {
        if (payload.ValueKind != JsonValueKind.Object)
        {
            return $"{attestor} payload must be a JSON object (got {Describe(payload.ValueKind)})";
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in payload.EnumerateObject())
        {
            if (!allowed.Contains(property.Name, StringComparer.Ordinal))
            {
                return $"{attestor} payload has unexpected property '{InputEcho.Of(property.Name)}'; expected {string.Join(", ", allowed)}";
            }

            if (!seen.Add(property.Name))
            {
                return $"{attestor} payload has property '{InputEcho.Of(property.Name)}' more than once";
            }
        }

        return null;
    }

    /// <summary>The non-empty string property <paramref name="name"/>, or null with <paramref name="error"/> set.</summary>
    public static string? RequiredString(string attestor, JsonElement payload, string name, int maxLength, out string error)
    {
        error = string.Empty;
        if (!payload.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            error = $"{attestor} payload needs a string property '{name}'";
            return null;
        }

        var text = value.GetString();
        if (string.IsNullOrEmpty(text))
        {
            error = $"{attestor} payload property '{name}' is empty";
            return null;
        }

        if (text.Length > maxLength)
        {
            error = $"{attestor} payload property '{name}' is longer than {maxLength} characters";
            return null;
        }

        return text;
    }

    /// <summary>Decodes base64 text, or null when it is not base64.</summary>
    public static byte[]? Base64(string text)
    {
        var buffer = new byte[(text.Length * 3 / 4) + 3];
        return Convert.TryFromBase64String(text, buffer, out var written) ? buffer[..written] : null;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Undefined => "nothing",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
