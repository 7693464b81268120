using System.CommandLine;
using System.Text.Json;
using IdentityIssuer.Issuer.Hosting;

namespace IdentityIssuer.Issuer.Cli;

/// <summary>Options shared by the admin commands and the way they run: one place for errors and exit codes.</summary>
internal static class CliCommon
{
    /// <summary>Environment variable naming the admin socket when --socket is not given.</summary>
    public const string SocketVariable = "IDENTITY_ISSUER_ADMIN_SOCKET";

    /// <summary>The admin socket path.</summary>
    public static readonly Option<string> Socket = new("--socket")
    {
        Description = $"Admin socket of the running issuer (default: ${SocketVariable}, else .data/admin.sock)",
        Recursive = true,
    };

    /// <summary>Output format.</summary>
    public static readonly Option<string> Output = new("--output")
    {
        Description = "Output format: text or json",
        DefaultValueFactory = _ => "text",
        Recursive = true,
    };

    static CliCommon()
    {
        AcceptOnly(Output, "text", "json");
    }

    /// <summary>
    /// Restricts a flag to fixed values. The parser's own message ("Argument 'x' not recognized")
    /// does not say which flag was wrong; this one does. The values still show in help.
    /// </summary>
    public static void AcceptOnly(Option<string> option, params string[] values)
    {
        option.AcceptOnlyFromAmong(values);
        option.Validators.Clear();
        option.Validators.Add(result =>
        {
            foreach (var token in result.Tokens.Where(t => !values.Contains(t.Value, StringComparer.Ordinal)))
            {
                result.AddError($"{option.Name}: '{token.Value}' is not one of {string.Join(", ", values)}");
            }
        });
    }

    public static bool IsJson(ParseResult result) => result.GetValue(Output) == "json";

    public static string SocketPath(ParseResult result) =>
        result.GetValue(Socket) is { Length: > 0 } path ? path
        : Environment.GetEnvironmentVariable(SocketVariable) is { Length: > 0 } env ? env
        : Path.Combine(".data", "admin.sock");

    /// <summary>Runs an admin call; prints the issuer's error and returns 1 when it fails.</summary>
    public static async Task<int> RunAsync(ParseResult result, CancellationToken ct, Func<AdminClient, Task<int>> action)
    {
        using var client = new AdminClient(SocketPath(result));
        try
        {
            return await action(client);
        }
        catch (AdminApiException ex)
        {
            return Fail(result, ex.Message, ex.Error?.Errors?.Select(e => $"{e.Field}: {e.Message}"));
        }
        catch (UsageException ex)
        {
            return Fail(result, ex.Message, null);
        }
        catch (IOException ex)
        {
            return Fail(result, ex.Message, null);
        }
        catch (UnauthorizedAccessException ex)
        {
            return Fail(result, ex.Message, null);
        }
    }

    /// <summary>Prints an error (as JSON with --output json) and returns exit code 1.</summary>
    public static int Fail(ParseResult result, string message, IEnumerable<string>? details)
    {
        var list = details?.ToList() ?? [];
        if (IsJson(result))
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new { error = message, errors = list }, AdminClient.Json));
        }
        else
        {
            Console.Error.WriteLine($"Error: {message}");
            if (list.Count > 1)
            {
                foreach (var line in list)
                {
                    Console.Error.WriteLine($"  - {line}");
                }
            }
        }

        return 1;
    }

    /// <summary>Prints a result object as JSON.</summary>
    public static void PrintJson(object value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, AdminClient.Json));

    /// <summary>Parses a duration flag or throws a usage error naming it.</summary>
    public static long Seconds(ParseResult result, Option<string> option)
    {
        var text = result.GetValue(option);
        if (text is null)
        {
            return 0;
        }

        return Durations.TryParse(text, out var value)
            ? (long)value.TotalSeconds
            : throw new UsageException($"{option.Name}: '{text}' is not a duration (use 90, 90s, 15m, 1h or 2d)");
    }

    /// <summary>Turns a startup failure into a one-line message and exit code 1.</summary>
    public static int StartupFailure(Exception ex)
    {
        var message = ex switch
        {
            Microsoft.Extensions.Options.OptionsValidationException o => "invalid configuration: " + string.Join("; ", o.Failures),
            ConfigurationException c => c.Message,
            _ => WithCauses(ex),
        };
        Console.Error.WriteLine($"Error: {message}");
        return 1;
    }

    /// <summary>
    /// The message and the inner messages it does not already contain: an outer message alone can
    /// hide the cause ("likely due to a transient failure" says nothing about which server refused).
    /// </summary>
    private static string WithCauses(Exception ex)
    {
        var message = ex.Message;
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (!message.Contains(inner.Message, StringComparison.OrdinalIgnoreCase))
            {
                message = $"{message.TrimEnd('.', ' ')}: {inner.Message}";
            }
        }

        return message;
    }
}

/// <summary>A flag value the CLI cannot use; the message names the flag.</summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message)
        : base(message)
    {
    }
}
