using System.Globalization;

namespace IdentityIssuer.Issuer.Cli;

/// <summary>Durations on the command line: <c>90</c> (seconds), <c>90s</c>, <c>15m</c>, <c>1h</c>, <c>2d</c>.</summary>
internal static class Durations
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var unit = text[^1];
        var number = char.IsDigit(unit) ? text : text[..^1];
        if (!long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > 10_000_000)
        {
            return false;
        }

        value = unit switch
        {
            's' or >= '0' and <= '9' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            'd' => TimeSpan.FromDays(n),
            _ => TimeSpan.MinValue,
        };
        return value != TimeSpan.MinValue;
    }

    public static string Describe(int seconds) => seconds == 0 ? "default" : $"{seconds}s";
}
