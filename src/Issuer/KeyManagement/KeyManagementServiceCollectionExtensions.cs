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
            .PostConfigure(options => ApplyDefaults(options, dataDirectory, getEnvironmentVariable))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KeyManagerOptions>, KeyManagerOptionsValidator>());
        services.TryAddSingleton<IKeyManager>(CreateKeyManager);
        return services;
    }

    private static void ApplyDefaults(KeyManagerOptions options, string dataDirectory, Func<string, string?> getEnvironmentVariable)
    {
        options.Disk ??= new DiskKeyManagerOptions();
        if (string.IsNullOrWhiteSpace(options.Disk.Directory))
        {
            options.Disk.Directory = Path.Combine(dataDirectory, "keys");
        }

        if (string.IsNullOrEmpty(options.Disk.EncryptionKey)
            && getEnvironmentVariable(DiskKeyManagerOptions.EncryptionKeyEnvironmentVariable) is { Length: > 0 } fromEnvironment)
        {
            options.Disk.EncryptionKey = fromEnvironment;
            options.Disk.EncryptionKeySource = DiskKeyManagerOptions.EncryptionKeyEnvironmentVariable;
        }
    }

    private static IKeyManager CreateKeyManager(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<KeyManagerOptions>>().Value;
        if (string.Equals(options.Type.Trim(), KeyManagerOptions.MemoryType, StringComparison.OrdinalIgnoreCase))
        {
            return new MemoryKeyManager();
        }

        if (string.Equals(options.Type.Trim(), AzureKeyVaultKeyManagerOptions.TypeName, StringComparison.OrdinalIgnoreCase))
        {
            return AzureKeyVaultKeyManager.Create(options.AzureKeyVault, KeyManagerOptions.SectionName, services);
        }

        var disk = options.Disk;
        var encryptionKey = string.IsNullOrEmpty(disk.EncryptionKey)
            ? null
            : KeyManagerOptionsValidator.DecodeEncryptionKey(disk.EncryptionKey)
                ?? throw new OptionsValidationException(KeyManagerOptions.SectionName, typeof(KeyManagerOptions),
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
