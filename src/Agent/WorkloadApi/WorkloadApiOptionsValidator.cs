using System.Text;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Agent.WorkloadApi;

/// <summary>Checks the <c>WorkloadApi</c> section at start, reporting every problem at once.</summary>
internal sealed class WorkloadApiOptionsValidator : IValidateOptions<WorkloadApiOptions>
{
    /// <summary>sockaddr_un.sun_path holds 108 bytes including the terminating NUL.</summary>
    internal const int MaxSocketPathBytes = 107;

    public ValidateOptionsResult Validate(string? name, WorkloadApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var path = options.SocketPath;
        if (string.IsNullOrWhiteSpace(path))
        {
            errors.Add($"{WorkloadApiOptions.SectionName}:SocketPath is empty; set an absolute socket path");
        }
        else
        {
            if (!Path.IsPathRooted(path))
            {
                errors.Add($"{WorkloadApiOptions.SectionName}:SocketPath '{path}' is not absolute");
            }

            if (Encoding.UTF8.GetByteCount(path) > MaxSocketPathBytes)
            {
                errors.Add($"{WorkloadApiOptions.SectionName}:SocketPath is longer than {MaxSocketPathBytes} bytes, the Unix socket path limit");
            }

            if (path.EndsWith('/'))
            {
                errors.Add($"{WorkloadApiOptions.SectionName}:SocketPath '{path}' names a directory, not a socket file");
            }
        }

        if (options.MaxRequestMessageBytes is < 1024 or > 64 * 1024 * 1024)
        {
            errors.Add($"{WorkloadApiOptions.SectionName}:MaxRequestMessageBytes must be between 1024 and 67108864");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
