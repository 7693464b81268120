using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace IdentityIssuer.Shared;

/// <summary>
/// Compiled into each service (linked source): console logging, one line per event with a UTC
/// timestamp, framework chatter quieted; the <c>Logging</c> section overrides any of it, and
/// <c>Logging:Console:FormatterName</c> <c>json</c> gives structured JSON lines.
/// </summary>
internal static class ConsoleLogging
{
    /// <summary>Adds the console logger; <paramref name="quietCategories"/> log warnings and above only.</summary>
    public static void AddServiceConsoleLogging(this IServiceCollection services, IConfiguration configuration, params string[] quietCategories)
    {
        services.AddLogging(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Information);
            logging.AddFilter("Microsoft", LogLevel.Warning);
            logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
            foreach (var category in quietCategories)
            {
                logging.AddFilter(category, LogLevel.Warning);
            }

            logging.AddConfiguration(configuration.GetSection("Logging"));
            logging.AddConsole();
        });

        // Without a formatter name the console logger falls back to its legacy options and ignores the
        // formatter settings below; "simple" is the default, and Logging:Console:FormatterName still wins.
        services.PostConfigure<ConsoleLoggerOptions>(o => o.FormatterName ??= ConsoleFormatterNames.Simple);
        services.Configure<SimpleConsoleFormatterOptions>(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        });
        services.Configure<JsonConsoleFormatterOptions>(o =>
        {
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            o.UseUtcTimestamp = true;
        });
    }
}
