using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.KeyManagement;
using IdentityIssuer.Spiffe;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Issuer.Configuration;

/// <summary>Validates the <c>Issuer</c> and <c>Ca</c> sections at start, reporting every problem at once.</summary>
internal sealed class IssuerOptionsValidator : IValidateOptions<IssuerOptions>, IValidateOptions<CaOptions>
{
    public ValidateOptionsResult Validate(string? name, IssuerOptions options)
    {
        var errors = new List<string>();
        if (!TrustDomain.TryParse(options.TrustDomain, out _, out var tdError))
        {
            errors.Add($"Issuer:TrustDomain is not a valid trust domain name: {tdError}");
        }

        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            errors.Add("Issuer:DataDirectory is required");
        }

        CheckTtl(errors, "Issuer:DefaultX509SvidTtl", options.DefaultX509SvidTtl, options.MaxX509SvidTtl);
        CheckTtl(errors, "Issuer:DefaultJwtSvidTtl", options.DefaultJwtSvidTtl, options.MaxJwtSvidTtl);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public ValidateOptionsResult Validate(string? name, CaOptions options)
    {
        var errors = new List<string>();
        if (!KeyTypes.TryParse(options.KeyType, out _))
        {
            errors.Add($"Ca:KeyType must be one of {string.Join(", ", KeyTypes.Names)} (got '{options.KeyType}')");
        }

        if (!KeyTypes.TryParse(options.JwtKeyType, out _))
        {
            errors.Add($"Ca:JwtKeyType must be one of {string.Join(", ", KeyTypes.Names)} (got '{options.JwtKeyType}')");
        }

        if (options.Ttl < TimeSpan.FromMinutes(1))
        {
            errors.Add($"Ca:Ttl must be at least 00:01:00 (got '{options.Ttl}')");
        }

        if (options.ReplicaName.Length is 0 or > 64 || !options.ReplicaName.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            errors.Add($"Ca:ReplicaName '{options.ReplicaName}' must be 1 to 64 letters, digits, '.', '_' or '-'");
        }

        if (options.CrlTtl < TimeSpan.FromMinutes(1))
        {
            errors.Add($"Ca:CrlTtl must be at least 00:01:00 (got {options.CrlTtl})");
        }

        if (!(options.PrepareAt > 0 && options.PrepareAt < options.ActivateAt && options.ActivateAt < 1))
        {
            errors.Add($"Ca:PrepareAt and Ca:ActivateAt must satisfy 0 < Ca:PrepareAt < Ca:ActivateAt < 1 (got Ca:PrepareAt={options.PrepareAt}, Ca:ActivateAt={options.ActivateAt})");
        }

        CheckName(errors, "Ca:Subject", options.Subject);
        CheckName(errors, "Ca:SvidSubject", options.SvidSubject);
        if (options.HasUpstream)
        {
            if (options.UpstreamCertificateFile.Length == 0)
            {
                errors.Add("Ca:UpstreamCertificateFile is required when Ca:UpstreamKeyFile is set");
            }
            else if (!File.Exists(options.UpstreamCertificateFile))
            {
                errors.Add($"Ca:UpstreamCertificateFile '{options.UpstreamCertificateFile}' does not exist");
            }

            if (options.UpstreamKeyFile.Length == 0)
            {
                errors.Add("Ca:UpstreamKeyFile is required when Ca:UpstreamCertificateFile is set");
            }
            else if (!File.Exists(options.UpstreamKeyFile))
            {
                errors.Add($"Ca:UpstreamKeyFile '{options.UpstreamKeyFile}' does not exist");
            }

            if (options.UpstreamBundleFile.Length > 0 && !File.Exists(options.UpstreamBundleFile))
            {
                errors.Add($"Ca:UpstreamBundleFile '{options.UpstreamBundleFile}' does not exist");
            }
        }
        else if (options.UpstreamBundleFile.Length > 0)
        {
            errors.Add("Ca:UpstreamBundleFile is set but Ca:UpstreamCertificateFile and Ca:UpstreamKeyFile are not");
        }

        UpstreamRootOptionsValidator.Validate(options, errors);

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckTtl(List<string> errors, string key, TimeSpan value, TimeSpan max)
    {
        if (value < SvidTtlLimits.Minimum || value > max)
        {
            errors.Add($"{key} must be between {SvidTtlLimits.Minimum} and {max} (got '{value}')");
        }
    }

    private static void CheckName(List<string> errors, string key, string value)
    {
        try
        {
            _ = new System.Security.Cryptography.X509Certificates.X500DistinguishedName(value);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            errors.Add($"{key} is not a valid X.500 name ('{value}'): {ex.Message}");
        }
    }
}
