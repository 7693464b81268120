using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Issuer.Api.Agent;

/// <summary>Validates the <c>AgentApi</c> section at start, naming every bad key at once.</summary>
internal sealed class AgentApiOptionsValidator : IValidateOptions<AgentApiOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentApiOptions options)
    {
        var errors = new List<string>();
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        if (!IPAddress.TryParse(options.Address, out _))
        {
            errors.Add($"AgentApi:Address must be an IP address (got '{options.Address}')");
        }

        if (options.Port is < 1 or > 65535)
        {
            errors.Add($"AgentApi:Port must be between 1 and 65535 (got {options.Port})");
        }

        var perAddress = options.X509Pop?.MaxChallengesPerAddress ?? Attestation.Node.NodeChallengeStore.DefaultMaxPerSource;
        if (perAddress is < 1 or > Attestation.Node.NodeChallengeStore.DefaultCapacity)
        {
            errors.Add($"AgentApi:X509Pop:MaxChallengesPerAddress must be between 1 and {Attestation.Node.NodeChallengeStore.DefaultCapacity} (got {perAddress})");
        }

        var caFile = options.X509Pop?.CaBundleFile ?? string.Empty;
        if (caFile.Length > 0 && LoadProblem(caFile) is { } problem)
        {
            errors.Add($"AgentApi:X509Pop:CaBundleFile {problem}");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Reads the CA bundle file: PEM certificates, every one a CA.</summary>
    public static X509Certificate2Collection LoadCaBundle(string path)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPemFile(path);
        return certificates;
    }

    private static string? LoadProblem(string path)
    {
        if (!File.Exists(path))
        {
            return $"must name an existing PEM file of CA certificates (got '{path}')";
        }

        X509Certificate2Collection certificates;
        try
        {
            certificates = LoadCaBundle(path);
        }
        catch (CryptographicException ex)
        {
            return $"'{path}' is not a readable PEM certificate file: {ex.Message}";
        }

        try
        {
            if (certificates.Count == 0)
            {
                return $"'{path}' holds no PEM certificates";
            }

            foreach (var certificate in certificates)
            {
                if (certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is not { CertificateAuthority: true })
                {
                    return $"'{path}' holds '{certificate.Subject}', which is not a CA certificate (basicConstraints cA=true)";
                }
            }

            return null;
        }
        finally
        {
            foreach (var certificate in certificates)
            {
                certificate.Dispose();
            }
        }
    }
}
