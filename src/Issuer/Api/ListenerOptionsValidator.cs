using System.Net;
using IdentityIssuer.Issuer.Api.Admin;
using IdentityIssuer.Issuer.Api.Bundle;
using IdentityIssuer.Issuer.Ops;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Issuer.Api;

/// <summary>Validates the listener sections at start, naming each bad key.</summary>
internal sealed class ListenerOptionsValidator : IValidateOptions<AdminApiOptions>, IValidateOptions<BundleEndpointOptions>, IValidateOptions<OpsOptions>
{
    public ValidateOptionsResult Validate(string? name, AdminApiOptions options)
    {
        var errors = new List<string>();
        if (!TryParseMode(options.SocketMode, out _))
        {
            errors.Add($"AdminApi:SocketMode must be an octal file mode such as 0600 (got '{options.SocketMode}')");
        }

        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, BundleEndpointOptions options)
    {
        var errors = new List<string>();
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        CheckEndpoint(errors, "BundleEndpoint", options.Address, options.Port, allowZero: false);
        if (options.Profile is not ("https_spiffe" or "https_web"))
        {
            errors.Add($"BundleEndpoint:Profile must be 'https_spiffe' or 'https_web' (got '{options.Profile}')");
        }
        else if (options.Profile == "https_web")
        {
            if (!File.Exists(options.CertificateFile))
            {
                errors.Add($"BundleEndpoint:CertificateFile must name an existing PEM file for profile https_web (got '{options.CertificateFile}')");
            }

            if (!File.Exists(options.KeyFile))
            {
                errors.Add($"BundleEndpoint:KeyFile must name an existing PEM file for profile https_web (got '{options.KeyFile}')");
            }
        }

        if (options.RefreshHint < TimeSpan.FromSeconds(1))
        {
            errors.Add($"BundleEndpoint:RefreshHint must be at least 00:00:01 (got '{options.RefreshHint}')");
        }

        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, OpsOptions options)
    {
        var errors = new List<string>();
        CheckEndpoint(errors, "Ops", options.Address, options.Port, allowZero: true);
        return Result(errors);
    }

    /// <summary>Parses an octal mode like 0600.</summary>
    public static bool TryParseMode(string value, out UnixFileMode mode)
    {
        mode = 0;
        if (string.IsNullOrEmpty(value) || value.Length > 4 || value.Any(c => c is < '0' or > '7'))
        {
            return false;
        }

        mode = (UnixFileMode)Convert.ToInt32(value, 8);
        return true;
    }

    private static void CheckEndpoint(List<string> errors, string section, string address, int port, bool allowZero)
    {
        if (!IPAddress.TryParse(address, out _))
        {
            errors.Add($"{section}:Address must be an IP address (got '{address}')");
        }

        if (port is < 0 or > 65535 || (port == 0 && !allowZero))
        {
            errors.Add($"{section}:Port must be between {(allowZero ? 0 : 1)} and 65535 (got {port})");
        }
    }

    private static ValidateOptionsResult Result(List<string> errors) =>
        errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
}
