using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace IdentityIssuer.Issuer.Ops.Metrics;

/// <summary>
/// Renders the issuer's instruments in the Prometheus text exposition format (version 0.0.4). A
/// <see cref="MeterListener"/> listens to the meters of this container's <see cref="IMeterFactory"/>:
/// counters are summed per label set as they are recorded; observable gauges are collected at each scrape.
/// Counters are exported with the <c>_total</c> suffix. Histograms are not used by the issuer and are not exported.
/// </summary>
internal sealed class PrometheusExporter : IDisposable
{
    /// <summary>The content type of the text format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly IMeterFactory _scope;
    private readonly MeterListener _listener;
    private readonly Lock _lock = new();
    private readonly Dictionary<Instrument, Dictionary<string, double>> _values = [];

    public PrometheusExporter(IMeterFactory meters)
    {
        _scope = meters;
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, _scope) && instrument.Meter.Name == IssuerMetrics.MeterName && IsExported(instrument))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
            MeasurementsCompleted = (instrument, _) =>
            {
                lock (_lock)
                {
                    _values.Remove(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Collects the observable instruments and renders every series, instruments ordered by name.</summary>
    public string Scrape()
    {
        lock (_lock)
        {
            foreach (var instrument in _values.Keys.Where(i => i.IsObservable).ToList())
            {
                _values[instrument].Clear();
            }

            _listener.RecordObservableInstruments();
            var text = new StringBuilder();
            foreach (var (instrument, series) in _values.OrderBy(kv => kv.Key.Name, StringComparer.Ordinal))
            {
                var counter = instrument.GetType().Name is "Counter`1" or "ObservableCounter`1";
                var name = counter ? instrument.Name + "_total" : instrument.Name;
                text.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(instrument.Description ?? instrument.Name)).Append('\n');
                text.Append("# TYPE ").Append(name).Append(' ').Append(counter ? "counter" : "gauge").Append('\n');
                foreach (var (labels, value) in series.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    text.Append(name).Append(labels).Append(' ').Append(FormatValue(value)).Append('\n');
                }
            }

            return text.ToString();
        }
    }

    public void Dispose() => _listener.Dispose();

    private static bool IsExported(Instrument instrument) => instrument.GetType().Name != "Histogram`1";

    /// <summary>Gauges and observations replace the last value; counters and up-down counters add up.</summary>
    private static bool Replaces(Instrument instrument) => instrument.IsObservable || instrument.GetType().Name == "Gauge`1";

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = Labels(tags);
        lock (_lock)
        {
            if (!_values.TryGetValue(instrument, out var series))
            {
                series = new Dictionary<string, double>(StringComparer.Ordinal);
                _values[instrument] = series;
            }

            series[labels] = Replaces(instrument) ? value : series.GetValueOrDefault(labels) + value;
        }
    }

    /// <summary><c>{a="1",b="2"}</c> with labels sorted by name, or empty without labels.</summary>
    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty)
        {
            return string.Empty;
        }

        var sorted = tags.ToArray();
        Array.Sort(sorted, (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var text = new StringBuilder("{");
        for (var i = 0; i < sorted.Length; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            text.Append(sorted[i].Key).Append("=\"").Append(EscapeLabel(Convert.ToString(sorted[i].Value, CultureInfo.InvariantCulture) ?? string.Empty)).Append('"');
        }

        return text.Append('}').ToString();
    }

    private static string EscapeLabel(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string EscapeHelp(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };
}
