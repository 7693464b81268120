using System.Diagnostics.CodeAnalysis;
using IdentityIssuer.Spiffe;

namespace IdentityIssuer.Gateway.Policy;

/// <summary>
/// Which callers a rule applies to: one SPIFFE ID exactly, or, with a trailing <c>/*</c>, every ID
/// below a path at a segment boundary: <c>spiffe://example.org/agents/*</c> matches
/// <c>…/agents/a</c> and <c>…/agents/a/b</c>, not <c>…/agents</c> and not <c>…/agents-x</c>.
/// <c>spiffe://example.org/*</c> matches every workload of the trust domain, never another one.
/// </summary>
internal sealed class SpiffeIdPattern
{
    private const string PrefixSuffix = "/*";

    private SpiffeIdPattern(string text, SpiffeId id, bool isPrefix)
    {
        Text = text;
        Id = id;
        IsPrefix = isPrefix;
    }

    public string Text { get; }

    /// <summary>The exact ID, or the ID whose descendants match.</summary>
    public SpiffeId Id { get; }

    public bool IsPrefix { get; }

    public static bool TryParse(string text, [NotNullWhen(true)] out SpiffeIdPattern? pattern, out string error)
    {
        pattern = null;
        var isPrefix = text.EndsWith(PrefixSuffix, StringComparison.Ordinal);
        var idText = isPrefix ? text[..^PrefixSuffix.Length] : text;
        if (!SpiffeId.TryParse(idText, out var id, out var parseError))
        {
            error = $"'{text}' is not a SPIFFE ID or a path prefix ending in /*: {parseError}";
            return false;
        }

        if (!isPrefix && id.IsRoot)
        {
            error = $"'{text}' is a trust domain ID, which no workload has; use '{text}/*' for every workload of the trust domain";
            return false;
        }

        error = string.Empty;
        pattern = new SpiffeIdPattern(text, id, isPrefix);
        return true;
    }

    public bool IsMatch(SpiffeId caller)
    {
        if (!caller.TrustDomain.Equals(Id.TrustDomain))
        {
            return false;
        }

        if (!IsPrefix)
        {
            return string.Equals(caller.Path, Id.Path, StringComparison.Ordinal);
        }

        return caller.Path.Length > Id.Path.Length
            && caller.Path.StartsWith(Id.Path, StringComparison.Ordinal)
            && caller.Path[Id.Path.Length] == '/';
    }

    public override string ToString() => Text;
}
