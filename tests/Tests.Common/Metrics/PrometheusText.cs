using System.Globalization;
using System.Text.RegularExpressions;

namespace IdentityIssuer.Tests.Common.Metrics;

/// <summary>One sample line of the Prometheus text format.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// A strict reader of the Prometheus text exposition format (0.0.4), for the checks a scraper makes:
/// every line is a HELP, a TYPE or a sample; a family has at most one HELP and one TYPE, given before its
/// samples; a sample's name is its family's (counters end in <c>_total</c>; a histogram's are <c>_bucket</c> with <c>le</c>,
/// <c>_sum</c> and <c>_count</c>); labels are quoted and
/// escaped; values are numbers. Anything else throws <see cref="FormatException"/> naming the line.
/// </summary>
public static partial class PrometheusText
{
    /// <summary>Parses and checks the whole text; returns its samples.</summary>
    public static IReadOnlyList<PrometheusSample> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            throw new FormatException("the text does not end with a line feed");
        }

        var samples = new List<PrometheusSample>();
        var help = new HashSet<string>(StringComparer.Ordinal);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var sampled = new HashSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var number = 0;
        foreach (var line in text.Split('\n')[..^1])
        {
            number++;
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var name = FamilyName(line, "# HELP ".Length, number);
                Check(help.Add(name) && !sampled.Contains(name), number, line, "a second HELP, or HELP after the samples");
            }
            else if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var match = TypeLine().Match(line);
                Check(match.Success, number, line, "a TYPE line is '# TYPE <name> <counter|gauge|histogram|summary|untyped>'");
                var name = match.Groups[1].Value;
                Check(!types.ContainsKey(name) && !sampled.Contains(name), number, line, "a second TYPE, or TYPE after the samples");
                types[name] = match.Groups[2].Value;
            }
            else if (line.StartsWith('#') || line.Length == 0)
            {
                Check(false, number, line, "only HELP and TYPE comments and no blank lines are expected");
            }
            else
            {
                var sample = ParseSample(line, number);
                var family = HistogramFamily(sample.Name, types) ?? sample.Name;
                Check(types.TryGetValue(family, out var type), number, line, "a sample needs a TYPE line for its family first");
                if (type == "counter")
                {
                    Check(sample.Name.EndsWith("_total", StringComparison.Ordinal), number, line, "a counter's samples end in _total");
                }

                if (type == "histogram")
                {
                    Check(sample.Name != family, number, line, "a histogram's samples end in _bucket, _sum or _count");
                    Check(!sample.Name.EndsWith("_bucket", StringComparison.Ordinal) || sample.Labels.ContainsKey("le"), number, line, "a histogram bucket has an le label");
                }

                var key = sample.Name + "{" + string.Join(",", sample.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value)) + "}";
                Check(seen.Add(key), number, line, "the same series twice");
                sampled.Add(family);
                samples.Add(sample);
            }
        }

        return samples;
    }

    /// <summary>The value of the one sample with this name and these labels (and any others); throws when there is not exactly one.</summary>
    public static double Value(IReadOnlyList<PrometheusSample> samples, string name, params (string Label, string Value)[] labels)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var matching = samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Label, out var v) && v == l.Value)).ToList();
        return matching.Count == 1
            ? matching[0].Value
            : throw new InvalidOperationException($"{matching.Count} samples of {name} with {string.Join(",", labels)}");
    }

    /// <summary>The histogram family a <c>_bucket</c>, <c>_sum</c> or <c>_count</c> sample belongs to; null when it belongs to none.</summary>
    private static string? HistogramFamily(string name, Dictionary<string, string> types)
    {
        foreach (var suffix in (string[])["_bucket", "_sum", "_count"])
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) && types.GetValueOrDefault(name[..^suffix.Length]) == "histogram")
            {
                return name[..^suffix.Length];
            }
        }

        return null;
    }

    private static string FamilyName(string line, int start, int number)
    {
        var end = line.IndexOf(' ', start);
        var name = end < 0 ? line[start..] : line[start..end];
        Check(MetricName().IsMatch(name), number, line, "not a valid metric name");
        return name;
    }

    private static PrometheusSample ParseSample(string line, int number)
    {
        var match = SampleLine().Match(line);
        Check(match.Success, number, line, "a sample is 'name{label=\"value\",...} number'");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match label in LabelPair().Matches(match.Groups[2].Value))
        {
            Check(labels.TryAdd(label.Groups[1].Value, Unescape(label.Groups[2].Value)), number, line, "a label given twice");
        }

        var value = match.Groups[3].Value;
        var parsed = value switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw new FormatException($"line {number}: '{line}': value is not a number"),
        };
        return new PrometheusSample(match.Groups[1].Value, labels, parsed);
    }

    private static string Unescape(string value) =>
        value.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);

    private static void Check(bool condition, int number, string line, string problem)
    {
        if (!condition)
        {
            throw new FormatException($"line {number}: '{line}': {problem}");
        }
    }

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex("""^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*)?\})? (\S+)( -?[0-9]+)?$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex(""""([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"""")]
    private static partial Regex LabelPair();
}
