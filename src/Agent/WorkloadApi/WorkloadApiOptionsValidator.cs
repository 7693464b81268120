using System.Text;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Agent.WorkloadApi;

/// <summary>Checks the <c>WorkloadApi</c> section at start, reporting every problem at once.</summary>
internal sealed class WorkloadApiOptionsValidator : IValidateOptions<WorkloadApiOptions>
{
    /// <summary>sockaddr_un.sun_path holds 108 bytes including the terminating NUL.</summary>
    internal const int MaxSocketPathBytes = 107;

    /// <summary>Selectors older than this could hide a changed pod or container for too long.</summary>
    internal static readonly TimeSpan MaxAttestationCacheTtl = TimeSpan.FromMinutes(1);

    /// <summary>Kestrel checks timeouts once a second; a shorter idle timeout would mean nothing.</summary>
    internal static readonly TimeSpan MinIdleConnectionTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Idle connections kept longer than this let a flood hold its places too long.</summary>
    internal static readonly TimeSpan MaxIdleConnectionTimeout = TimeSpan.FromMinutes(10);

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

        if (options.AttestationCacheTtl < TimeSpan.Zero || options.AttestationCacheTtl > MaxAttestationCacheTtl)
        {
            errors.Add($"{WorkloadApiOptions.SectionName}:AttestationCacheTtl must be between 00:00:00 (no cache) and {MaxAttestationCacheTtl:c}");
        }

        if (options.MaxConcurrentAttestations is < 1 or > 1024)
        {
            errors.Add($"{WorkloadApiOptions.SectionName}:MaxConcurrentAttestations must be between 1 and 1024");
        }

        if (options.MaxStreamsPerUid is < 1 or > 1_000_000)
        {
            errors.Add($"{WorkloadApiOptions.SectionName}:MaxStreamsPerUid must be between 1 and 1000000");
        }

        if (options.MaxStreams is < 1 or > 1_000_000)
        {
            errors.Add($"{WorkloadApiOptions.SectionName}:MaxStreams must be between 1 and 1000000");
        }

        if (options.MaxConnectionsPerUid is < 1 or > 1_000_000)
        {
            errors.Add($"{WorkloadApiOptions.SectionName}:MaxConnectionsPerUid must be between 1 and 1000000");
        }

        if (options.MaxConnections is < 1 or > 1_000_000)
        {
            errors.Add($"{WorkloadApiOptions.SectionName}:MaxConnections must be between 1 and 1000000");
        }

        if (options.IdleConnectionTimeout < MinIdleConnectionTimeout || options.IdleConnectionTimeout > MaxIdleConnectionTimeout)
        {
            errors.Add($"{WorkloadApiOptions.SectionName}:IdleConnectionTimeout must be between {MinIdleConnectionTimeout:c} and {MaxIdleConnectionTimeout:c}");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
