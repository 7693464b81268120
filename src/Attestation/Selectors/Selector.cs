namespace IdentityIssuer.Attestation.Selectors;

/// <summary>
/// A selector is a fact about a node or a workload, written <c>type:value</c>
/// (for example <c>unix:uid:1000</c>, whose type is <c>unix</c> and value <c>uid:1000</c>).
/// Registration entries name the selectors a caller must have to earn the entry's SPIFFE ID.
/// </summary>
public sealed record Selector : IComparable<Selector>
{
    /// <summary>Longest type accepted; types are short plugin names.</summary>
    public const int MaxTypeLength = 64;

    /// <summary>Longest value accepted; values are paths, ids or labels.</summary>
    public const int MaxValueLength = 1024;

    private Selector(string type, string value)
    {
        Type = type;
        Value = value;
    }

    /// <summary>The attestor that produces this selector, e.g. <c>unix</c>.</summary>
    public string Type { get; }

    /// <summary>The attestor-specific value, e.g. <c>uid:1000</c>.</summary>
    public string Value { get; }

    /// <summary>Builds a selector from its two parts, validating both.</summary>
    public static Selector Create(string type, string value)
    {
        var error = Validate(type, value);
        if (error is not null)
        {
            throw new FormatException(error);
        }

        return new Selector(type, value);
    }

    /// <summary>Parses <c>type:value</c>; the first colon splits type from value.</summary>
    public static Selector Parse(string text)
    {
        if (!TryParse(text, out var selector, out var error))
        {
            throw new FormatException(error);
        }

        return selector;
    }

    /// <summary>Parses <c>type:value</c> without throwing; <paramref name="error"/> names what is wrong.</summary>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Selector? selector, out string error)
    {
        selector = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "selector is empty; expected type:value";
            return false;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            error = $"selector \"{InputEcho.Of(text)}\" has no ':'; expected type:value";
            return false;
        }

        var type = text[..colon];
        var value = text[(colon + 1)..];
        var problem = Validate(type, value);
        if (problem is not null)
        {
            error = $"selector \"{InputEcho.Of(text)}\": {problem}";
            return false;
        }

        selector = new Selector(type, value);
        error = string.Empty;
        return true;
    }

    private static string? Validate(string type, string value)
    {
        if (type.Length == 0)
        {
            return "type is empty";
        }

        if (type.Length > MaxTypeLength)
        {
            return $"type is longer than {MaxTypeLength} characters";
        }

        foreach (var c in type)
        {
            var ok = c is >= 'a' and <= 'z' or >= '0' and <= '9' or '_' or '-';
            if (!ok)
            {
                return $"type \"{InputEcho.Of(type)}\" may contain only a-z, 0-9, '_' and '-'";
            }
        }

        if (value.Length == 0)
        {
            return "value is empty";
        }

        if (value.Length > MaxValueLength)
        {
            return $"value is longer than {MaxValueLength} characters";
        }

        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                return "value contains a control character";
            }
        }

        return null;
    }

    /// <inheritdoc />
    public int CompareTo(Selector? other)
    {
        if (other is null)
        {
            return 1;
        }

        var byType = string.CompareOrdinal(Type, other.Type);
        return byType != 0 ? byType : string.CompareOrdinal(Value, other.Value);
    }

    /// <summary>The canonical text form, <c>type:value</c>.</summary>
    public override string ToString() => $"{Type}:{Value}";
}
