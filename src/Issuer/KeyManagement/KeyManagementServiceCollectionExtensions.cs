using IdentityIssuer.Issuer.KeyManagement.AzureKeyVault;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>Registers the key manager chosen by the <c>KeyManager</c> configuration section.</summary>
public static class KeyManagementServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IKeyManager"/> as a singleton (unless one is registered already) from
    /// the <c>KeyManager</c> section of <paramref name="configuration"/>, validated at start. Disk
    /// keys default to <c>&lt;dataDirectory&gt;/keys</c>.
    /// </summary>
    public static IServiceCollection AddKeyManager(this IServiceCollection services, IConfiguration configuration, string dataDirectory) =>
        AddKeyManager(services, configuration, dataDirectory, Environment.GetEnvironmentVariable);

    /// <summary>As the public overload, reading environment variables through <paramref name="getEnvironmentVariable"/>.</summary>
    internal static IServiceCollection AddKeyManager(
        this IServiceCollection services, IConfiguration configuration, string dataDirectory, Func<string, string?> getEnvironmentVariable)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);

        services.AddOptions<KeyManagerOptions>()
            .Bind(configuration.GetSection(KeyManagerOptions.SectionName))
            .PostConfigure(options => ApplyDefaults(options, KeyManagerOptions.SectionName, Path.Combine(dataDirectory, "keys"), getEnvironmentVariable))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KeyManagerOptions>, KeyManagerOptionsValidator>());
        services.TryAddSingleton<IKeyManager>(provider =>
            Create(provider.GetRequiredService<IOptions<KeyManagerOptions>>().Value, KeyManagerOptions.SectionName, provider));
        return services;
    }

    /// <summary>
    /// Fills in what a key-manager section leaves out: the disk directory (<paramref name="defaultDiskDirectory"/>)
    /// and, when <paramref name="getEnvironmentVariable"/> is given, the disk encryption key from
    /// <see cref="DiskKeyManagerOptions.EncryptionKeyEnvironmentVariable"/>. Records where the encryption
    /// key came from so that errors name <c>&lt;sectionPath&gt;:Disk:EncryptionKey</c> or the variable.
    /// </summary>
    internal static void ApplyDefaults(KeyManagerOptions options, string sectionPath, string defaultDiskDirectory, Func<string, string?>? getEnvironmentVariable)
    {
        options.Disk ??= new DiskKeyManagerOptions();
        options.Disk.EncryptionKeySource = $"{sectionPath}:Disk:EncryptionKey";
        if (string.IsNullOrWhiteSpace(options.Disk.Directory))
        {
            options.Disk.Directory = defaultDiskDirectory;
        }

        if (string.IsNullOrEmpty(options.Disk.EncryptionKey)
            && getEnvironmentVariable?.Invoke(DiskKeyManagerOptions.EncryptionKeyEnvironmentVariable) is { Length: > 0 } fromEnvironment)
        {
            options.Disk.EncryptionKey = fromEnvironment;
            options.Disk.EncryptionKeySource = DiskKeyManagerOptions.EncryptionKeyEnvironmentVariable;
        }
    }

    /// <summary>
    /// Builds the key manager a section describes (validated by <see cref="KeyManagerOptionsValidator.Validate(KeyManagerOptions, string, List{string})"/>
    /// with the same <paramref name="sectionPath"/>): the issuer's <c>KeyManager</c>, or any other
    /// section such as <c>Ca:Upstream:KeyManager</c>. The caller owns the result.
    /// </summary>
    internal static IKeyManager Create(KeyManagerOptions options, string sectionPath, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(sectionPath);
        ArgumentNullException.ThrowIfNull(services);
        if (string.Equals(options.Type.Trim(), KeyManagerOptions.MemoryType, StringComparison.OrdinalIgnoreCase))
        {
            return new MemoryKeyManager();
        }

        if (string.Equals(options.Type.Trim(), KeyManagerOptions.Pkcs11Type, StringComparison.OrdinalIgnoreCase))
        {
            return Pkcs11KeyManager.Create(options.Pkcs11, sectionPath, services);
        }

        if (string.Equals(options.Type.Trim(), KeyManagerOptions.AwsKmsType, StringComparison.OrdinalIgnoreCase))
        {
            return AwsKmsKeyManager.Create(options.AwsKms, sectionPath, services);
        }

        if (string.Equals(options.Type.Trim(), AzureKeyVaultKeyManagerOptions.TypeName, StringComparison.OrdinalIgnoreCase))
        {
            return AzureKeyVaultKeyManager.Create(options.AzureKeyVault, sectionPath, services);
        }

        var disk = options.Disk;
        var encryptionKey = string.IsNullOrEmpty(disk.EncryptionKey)
            ? null
            : KeyManagerOptionsValidator.DecodeEncryptionKey(disk.EncryptionKey)
                ?? throw new OptionsValidationException(sectionPath, typeof(KeyManagerOptions),
                    [$"{disk.EncryptionKeySource} must be {DiskKeyFile.EncryptionKeyLength} bytes in base64"]);
        try
        {
            return new DiskKeyManager(disk.Directory!, encryptionKey, services.GetService<ILogger<DiskKeyManager>>());
        }
        finally
        {
            if (encryptionKey is not null)
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(encryptionKey);
            }
        }
    }
}
