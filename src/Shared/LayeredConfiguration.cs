using Microsoft.Extensions.Configuration;

namespace IdentityIssuer.Shared;

/// <summary>
/// Compiled into each service (linked source): configuration from a JSON file, then environment
/// variables with the service's prefix, then trailing <c>--Section:Key=value</c> arguments. Only what
/// the operator wrote (file and arguments) is checked for unknown keys: the environment also holds
/// variables with the prefix that are not settings (sockets, key encryption keys).
/// </summary>
internal static class LayeredConfiguration
{
    /// <summary>Builds the configuration, refusing sections other than <paramref name="knownSections"/>; <paramref name="fail"/> makes the service's own exception from a message.</summary>
    public static IConfigurationRoot Load(
        string? configFile,
        IReadOnlyList<string> overrides,
        string environmentPrefix,
        IReadOnlyCollection<string> knownSections,
        Func<string, Exception?, Exception> fail) =>
        Load(
            configFile,
            overrides,
            environmentPrefix,
            written =>
            {
                var unknown = written.GetChildren().Select(s => s.Key).Where(k => !knownSections.Contains(k, StringComparer.OrdinalIgnoreCase)).ToList();
                if (unknown.Count > 0)
                {
                    throw fail($"unknown configuration section(s): {string.Join(", ", unknown)}; known: {string.Join(", ", knownSections)}", null);
                }
            },
            fail);

    /// <summary>Builds the configuration; <paramref name="checkWritten"/> sees only what the operator wrote and throws on what it refuses.</summary>
    public static IConfigurationRoot Load(
        string? configFile,
        IReadOnlyList<string> overrides,
        string environmentPrefix,
        Action<IConfiguration> checkWritten,
        Func<string, Exception?, Exception> fail)
    {
        var builder = new ConfigurationBuilder();
        var written = new ConfigurationBuilder();
        if (!string.IsNullOrEmpty(configFile))
        {
            var full = Path.GetFullPath(configFile);
            if (!File.Exists(full))
            {
                throw fail($"configuration file '{configFile}' does not exist", null);
            }

            builder.AddJsonFile(full, optional: false, reloadOnChange: false);
            written.AddJsonFile(full, optional: false, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables(environmentPrefix);
        builder.AddCommandLine([.. overrides]);
        written.AddCommandLine([.. overrides]);
        try
        {
            checkWritten(written.Build());
            return builder.Build();
        }
        catch (InvalidDataException ex)
        {
            throw fail($"configuration file '{configFile}' is not valid JSON: {ex.InnerException?.Message ?? ex.Message}", ex);
        }
        catch (FormatException ex)
        {
            throw fail($"configuration could not be read: {ex.Message}", ex);
        }
    }
}
