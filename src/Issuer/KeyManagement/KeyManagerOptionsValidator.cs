using IdentityIssuer.Issuer.KeyManagement.AzureKeyVault;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>Checks <see cref="KeyManagerOptions"/> at start and reports every problem at once, naming the configuration key.</summary>
internal sealed class KeyManagerOptionsValidator : IValidateOptions<KeyManagerOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, KeyManagerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        Validate(options, KeyManagerOptions.SectionName, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>
    /// Checks a key-manager section found at <paramref name="sectionPath"/> (<c>KeyManager</c>,
    /// <c>Ca:Upstream:KeyManager</c>, …), adding one error per problem, each naming the full setting path.
    /// </summary>
    internal static void Validate(KeyManagerOptions options, string sectionPath, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(sectionPath);
        ArgumentNullException.ThrowIfNull(errors);
        var type = options.Type?.Trim();
        var isDisk = string.Equals(type, KeyManagerOptions.DiskType, StringComparison.OrdinalIgnoreCase);
        var isPkcs11 = string.Equals(type, KeyManagerOptions.Pkcs11Type, StringComparison.OrdinalIgnoreCase);
        var isAwsKms = string.Equals(type, KeyManagerOptions.AwsKmsType, StringComparison.OrdinalIgnoreCase);
        var isAzureKeyVault = string.Equals(type, AzureKeyVaultKeyManagerOptions.TypeName, StringComparison.OrdinalIgnoreCase);
        if (!isDisk && !isPkcs11 && !isAwsKms && !isAzureKeyVault && !string.Equals(type, KeyManagerOptions.MemoryType, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{sectionPath}:Type must be '{KeyManagerOptions.MemoryType}', '{KeyManagerOptions.DiskType}', '{KeyManagerOptions.Pkcs11Type}', '{KeyManagerOptions.AwsKmsType}' or '{AzureKeyVaultKeyManagerOptions.TypeName}' (got '{options.Type}')");
        }

        if (isPkcs11)
        {
            Pkcs11KeyManagerOptions.Validate(options.Pkcs11, sectionPath, errors);
        }

        if (isAwsKms)
        {
            AwsKmsKeyManagerOptions.Validate(options.AwsKms, sectionPath, errors);
        }

        if (isAzureKeyVault)
        {
            AzureKeyVaultKeyManagerOptions.Validate(options.AzureKeyVault, sectionPath, errors);
        }

        if (isDisk)
        {
            var disk = options.Disk ?? new DiskKeyManagerOptions();
            if (string.IsNullOrWhiteSpace(disk.Directory))
            {
                errors.Add($"{sectionPath}:Disk:Directory must not be empty");
            }
            else if (disk.Directory.Contains('\0', StringComparison.Ordinal))
            {
                errors.Add($"{sectionPath}:Disk:Directory is not a valid path");
            }

            if (!string.IsNullOrEmpty(disk.EncryptionKey) && DecodeEncryptionKey(disk.EncryptionKey) is null)
            {
                // Never echo the value: it is a secret.
                errors.Add($"{disk.EncryptionKeySource} must be {DiskKeyFile.EncryptionKeyLength} bytes in base64");
            }
        }
    }

    /// <summary>The 32 key bytes, or null when <paramref name="base64"/> is not 32 bytes in base64.</summary>
    internal static byte[]? DecodeEncryptionKey(string base64)
    {
        var buffer = new byte[(base64.Length / 4 * 3) + 3];
        if (!Convert.TryFromBase64String(base64.Trim(), buffer, out var written) || written != DiskKeyFile.EncryptionKeyLength)
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(buffer);
            return null;
        }

        var key = buffer[..written];
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(buffer);
        return key;
    }
}
