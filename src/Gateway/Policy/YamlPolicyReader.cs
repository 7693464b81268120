using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace IdentityIssuer.Gateway.Policy;

/// <summary>
/// Reads a YAML policy (one document) into <see cref="PolicyNode"/>s that name their line and column.
/// Plain scalars follow the YAML 1.2 core schema (<c>null</c>, <c>~</c>, empty, <c>true</c>, numbers are
/// not strings; quote them). Aliases and tags other than <c>!!str</c>, <c>!!map</c>, <c>!!seq</c> are
/// refused: a policy says what it allows in plain sight. Duplicate keys are kept for the validator to refuse.
/// </summary>
internal static partial class YamlPolicyReader
{
    private const int MaxDepth = 64;
    private const string StrTag = "tag:yaml.org,2002:str";
    private const string MapTag = "tag:yaml.org,2002:map";
    private const string SeqTag = "tag:yaml.org,2002:seq";

    /// <summary>The document's root, or null after adding every reason it cannot be read to <paramref name="problems"/>.</summary>
    public static PolicyNode? Read(string yaml, List<string> problems)
    {
        var before = problems.Count;
        var parser = new Parser(new StringReader(yaml.TrimStart('\uFEFF')));
        try
        {
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                problems.Add("the policy is empty; it must be a YAML mapping with \"tools\" and \"rules\"");
                return null;
            }

            parser.Consume<DocumentStart>();
            var root = ReadNode(parser, 0, problems);
            parser.Consume<DocumentEnd>();
            if (parser.Accept<DocumentStart>(out var second))
            {
                problems.Add($"{Where(second.Start)}a second YAML document; the policy is one document");
            }

            return problems.Count == before ? root : null;
        }
        catch (YamlException ex)
        {
            var hint = ex.Message.Contains("alias", StringComparison.OrdinalIgnoreCase) ? " (quote patterns that start with *, such as \"*\" and \"**\")" : string.Empty;
            problems.Add($"{Where(ex.Start)}not valid YAML: {ex.Message}{hint}");
            return null;
        }
    }

    private static PolicyNode ReadNode(IParser parser, int depth, List<string> problems)
    {
        var current = parser.Current ?? throw new InvalidOperationException("the YAML parser has no current event");
        var where = Where(current.Start);
        if (depth > MaxDepth)
        {
            problems.Add($"{where}nested deeper than {MaxDepth.ToString(CultureInfo.InvariantCulture)} levels");
            parser.SkipThisAndNestedEvents();
            return new PolicyScalar(where, null);
        }

        switch (current)
        {
            case AnchorAlias alias:
                problems.Add($"{where}alias *{alias.Value} is not supported in a policy; write the value out (and quote patterns that start with *, such as \"*\" and \"**\")");
                parser.MoveNext();
                return new PolicyScalar(where, null);
            case Scalar scalar:
                CheckTag(scalar.Tag, StrTag, where, problems);
                parser.MoveNext();
                return new PolicyScalar(where, IsString(scalar) ? scalar.Value : null);
            case SequenceStart sequence:
                CheckTag(sequence.Tag, SeqTag, where, problems);
                parser.MoveNext();
                var items = new List<PolicyNode>();
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    items.Add(ReadNode(parser, depth + 1, problems));
                }

                return new PolicyList(where, items);
            case MappingStart mapping:
                CheckTag(mapping.Tag, MapTag, where, problems);
                parser.MoveNext();
                var entries = new List<PolicyMapEntry>();
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    var keyEvent = parser.Current;
                    var key = ReadNode(parser, depth + 1, problems);
                    var value = ReadNode(parser, depth + 1, problems);
                    if (keyEvent is Scalar keyScalar)
                    {
                        entries.Add(new PolicyMapEntry(keyScalar.Value, key.Where, value));
                    }
                    else
                    {
                        problems.Add($"{key.Where}a key must be a name, not a list or mapping");
                    }
                }

                return new PolicyMap(where, entries);
            default:
                throw new YamlException(current.Start, current.End, $"unexpected {current.GetType().Name}");
        }
    }

    private static void CheckTag(TagName tag, string allowed, string where, List<string> problems)
    {
        if (!tag.IsEmpty && !tag.IsNonSpecific && tag.Value != allowed)
        {
            problems.Add($"{where}tag '{tag.Value}' is not supported in a policy");
        }
    }

    /// <summary>Quoted, block and tagged (<c>!!str</c>, <c>!</c>) scalars are strings; a plain one unless the core schema makes it null, a boolean or a number.</summary>
    private static bool IsString(Scalar scalar) =>
        scalar.Style != ScalarStyle.Plain || !scalar.Tag.IsEmpty || !NotAString().IsMatch(scalar.Value);

    private static string Where(Mark mark) =>
        string.Create(CultureInfo.InvariantCulture, $"line {mark.Line}, column {mark.Column}: ");

    [GeneratedRegex(@"^(|~|null|Null|NULL|true|True|TRUE|false|False|FALSE|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$", RegexOptions.CultureInvariant)]
    private static partial Regex NotAString();
}
