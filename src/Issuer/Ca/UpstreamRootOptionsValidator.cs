using IdentityIssuer.Issuer.KeyManagement;

namespace IdentityIssuer.Issuer.Ca;

/// <summary>Checks the <c>Ca:Upstream</c> section as part of the <c>Ca</c> section, naming every setting.</summary>
internal static class UpstreamRootOptionsValidator
{
    /// <summary>Adds one error per problem in <see cref="CaOptions.Upstream"/>.</summary>
    public static void Validate(CaOptions options, List<string> errors)
    {
        var upstream = options.Upstream ?? new UpstreamRootOptions();
        if (upstream.KeyManager is not { } keyManager)
        {
            if (upstream.KeyId != UpstreamRootOptions.DefaultKeyId || upstream.KeyType != "ec-p256"
                || upstream.Subject != UpstreamRootOptions.DefaultSubject || upstream.Ttl != UpstreamRootOptions.DefaultTtl)
            {
                errors.Add($"{UpstreamRootOptions.SectionPath} settings are set but {UpstreamRootOptions.KeyManagerSectionPath}:Type is not; set it to use an upstream root");
            }

            return;
        }

        var path = UpstreamRootOptions.KeyManagerSectionPath;
        if (options.HasUpstream || options.UpstreamBundleFile.Length > 0)
        {
            errors.Add($"{path} and Ca:UpstreamCertificateFile/Ca:UpstreamKeyFile/Ca:UpstreamBundleFile are mutually exclusive: the upstream CA is either a key-manager-held root or PEM files; remove one");
        }

        KeyManagerOptionsValidator.Validate(keyManager, path, errors);
        if (string.Equals(keyManager.Type?.Trim(), KeyManagerOptions.MemoryType, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{path}:Type '{keyManager.Type}' cannot hold an upstream root: the key would be lost when 'identity-issuer upstream init' exits; use '{KeyManagerOptions.DiskType}' or an HSM/KMS key manager");
        }

        if (!KeyIds.IsValid(upstream.KeyId))
        {
            errors.Add($"{UpstreamRootOptions.SectionPath}:KeyId '{upstream.KeyId}' is invalid: {KeyIds.Rule}");
        }
        else if (upstream.KeyId.Length > KeyIds.MaxLength - 11)
        {
            // Room for the "-<unix seconds>" suffix a replacement root's key gets.
            errors.Add($"{UpstreamRootOptions.SectionPath}:KeyId must be at most {KeyIds.MaxLength - 11} characters");
        }

        if (!KeyTypes.TryParse(upstream.KeyType, out _))
        {
            errors.Add($"{UpstreamRootOptions.SectionPath}:KeyType must be one of {string.Join(", ", KeyTypes.Names)} (got '{upstream.KeyType}')");
        }

        try
        {
            _ = new System.Security.Cryptography.X509Certificates.X500DistinguishedName(upstream.Subject);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            errors.Add($"{UpstreamRootOptions.SectionPath}:Subject is not a valid X.500 name ('{upstream.Subject}'): {ex.Message}");
        }

        if (upstream.Ttl <= options.Ttl)
        {
            errors.Add($"{UpstreamRootOptions.SectionPath}:Ttl ({upstream.Ttl}) must be longer than Ca:Ttl ({options.Ttl}): the root must outlive the intermediates it signs");
        }
    }
}
