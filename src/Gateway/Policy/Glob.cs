using System.Text;
using System.Text.RegularExpressions;

namespace IdentityIssuer.Gateway.Policy;

/// <summary>
/// A target or action pattern: <c>*</c> matches any run of characters except <c>/</c>, <c>**</c>
/// matches anything (including <c>/</c> and nothing), <c>?</c> one character except <c>/</c>; every
/// other character matches itself, case-sensitively. The pattern matches the whole value (a trailing
/// newline included). Compiled to a non-backtracking regex, so a hostile target cannot make matching slow.
/// </summary>
internal sealed class Glob
{
    private readonly Regex? _regex;

    private Glob(string pattern, Regex? regex)
    {
        Pattern = pattern;
        _regex = regex;
    }

    public string Pattern { get; }

    /// <summary>True for <c>**</c>, which matches every value.</summary>
    public bool MatchesEverything => Pattern == "**";

    public static Glob Compile(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (pattern == "**")
        {
            return new Glob(pattern, null);
        }

        // \A and \z: the whole value, not up to a trailing newline as $ would allow ("docs\n" is not "docs").
        var regex = new StringBuilder(@"\A");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                regex.Append(".*");
                i++;
            }
            else if (c == '*')
            {
                regex.Append("[^/]*");
            }
            else if (c == '?')
            {
                regex.Append("[^/]");
            }
            else
            {
                regex.Append(Regex.Escape(c.ToString()));
            }
        }

        regex.Append(@"\z");
        return new Glob(pattern, new Regex(regex.ToString(), RegexOptions.CultureInvariant | RegexOptions.NonBacktracking | RegexOptions.Singleline));
    }

    public bool IsMatch(string value) => _regex is null || _regex.IsMatch(value);

    public override string ToString() => Pattern;
}
