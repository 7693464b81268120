using System.Security.Cryptography;
using IdentityIssuer.Issuer.KeyManagement;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Issuer.Tests.KeyManagement;

public sealed class KeyManagementServiceCollectionExtensionsTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "key-manager-di-tests-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, string?> _environment = [];

    [Fact]
    public void AddKeyManager_WithoutConfiguration_RegistersDiskManagerUnderDataDirectory()
    {
        using var services = Build([]);

        var manager = Assert.IsType<DiskKeyManager>(services.GetRequiredService<IKeyManager>());

        Assert.Equal(Path.Combine(_dataDirectory, "keys"), manager.Directory);
        Assert.Same(manager, services.GetRequiredService<IKeyManager>());
    }

    [Theory]
    [InlineData("memory")]
    [InlineData("Memory")]
    public void AddKeyManager_WithTypeMemory_RegistersMemoryManager(string type)
    {
        using var services = Build(new() { ["KeyManager:Type"] = type });

        Assert.IsType<MemoryKeyManager>(services.GetRequiredService<IKeyManager>());
    }

    [Fact]
    public async Task AddKeyManager_WithConfiguredDirectoryAndEncryptionKey_UsesBoth()
    {
        var directory = Path.Combine(_dataDirectory, "elsewhere");
        var encryptionKey = RandomNumberGenerator.GetBytes(32);
        using (var services = Build(new()
        {
            ["KeyManager:Disk:Directory"] = directory,
            ["KeyManager:Disk:EncryptionKey"] = Convert.ToBase64String(encryptionKey),
        }))
        {
            await services.GetRequiredService<IKeyManager>().GenerateKeyAsync("ca", KeyType.EcP256, CancellationToken.None);
        }

        Assert.False(File.Exists(Path.Combine(directory, "encryption.key")));
        using var reopened = new DiskKeyManager(directory, encryptionKey);
        Assert.NotNull(await reopened.GetKeyAsync("ca", CancellationToken.None));
    }

    [Fact]
    public async Task AddKeyManager_WithEncryptionKeyInEnvironment_UsesIt()
    {
        var encryptionKey = RandomNumberGenerator.GetBytes(32);
        _environment["IDENTITY_ISSUER_KEY_ENCRYPTION_KEY"] = Convert.ToBase64String(encryptionKey);
        using (var services = Build([]))
        {
            await services.GetRequiredService<IKeyManager>().GenerateKeyAsync("ca", KeyType.EcP256, CancellationToken.None);
        }

        using var reopened = new DiskKeyManager(Path.Combine(_dataDirectory, "keys"), encryptionKey);
        Assert.NotNull(await reopened.GetKeyAsync("ca", CancellationToken.None));
    }

    [Fact]
    public void Validation_WithUnknownType_FailsAtStartNamingTheKey()
    {
        using var services = Build(new() { ["KeyManager:Type"] = "foo" });

        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("KeyManager:Type must be 'memory', 'disk', 'pkcs11', 'aws-kms' or 'azure-key-vault' (got 'foo')", e.Failures);
    }

    [Theory]
    [InlineData("not base64")]
    [InlineData("AAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void Validation_WithBadEncryptionKey_FailsNamingTheKeyButNotTheValue(string value)
    {
        using var services = Build(new() { ["KeyManager:Disk:EncryptionKey"] = value });

        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("KeyManager:Disk:EncryptionKey must be 32 bytes in base64", e.Failures);
        Assert.DoesNotContain(value, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validation_WithBadEncryptionKeyInEnvironment_FailsNamingTheVariable()
    {
        _environment["IDENTITY_ISSUER_KEY_ENCRYPTION_KEY"] = "short";
        using var services = Build([]);

        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("IDENTITY_ISSUER_KEY_ENCRYPTION_KEY must be 32 bytes in base64", e.Failures);
    }

    [Fact]
    public async Task ConfiguredEncryptionKey_TakesPrecedenceOverEnvironment()
    {
        var configured = RandomNumberGenerator.GetBytes(32);
        _environment["IDENTITY_ISSUER_KEY_ENCRYPTION_KEY"] = "not even valid";
        using (var services = Build(new() { ["KeyManager:Disk:EncryptionKey"] = Convert.ToBase64String(configured) }))
        {
            services.GetRequiredService<IStartupValidator>().Validate();
            await services.GetRequiredService<IKeyManager>().GenerateKeyAsync("ca", KeyType.EcP256, CancellationToken.None);
        }

        using var reopened = new DiskKeyManager(Path.Combine(_dataDirectory, "keys"), configured);
        Assert.NotNull(await reopened.GetKeyAsync("ca", CancellationToken.None));
    }

    [Fact]
    public void Validation_ReportsEveryProblemAtOnce()
    {
        using var services = Build(new()
        {
            ["KeyManager:Disk:Directory"] = "bad\0path",
            ["KeyManager:Disk:EncryptionKey"] = "short",
        });

        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Equal(2, e.Failures.Count());
    }

    [Fact]
    public void AddKeyManager_WhenAKeyManagerIsAlreadyRegistered_KeepsIt()
    {
        var existing = new MemoryKeyManager();
        var collection = new ServiceCollection().AddSingleton<IKeyManager>(existing);
        collection.AddKeyManager(new ConfigurationBuilder().Build(), _dataDirectory, _environment.GetValueOrDefault);
        using var services = collection.BuildServiceProvider();

        Assert.Same(existing, services.GetRequiredService<IKeyManager>());
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    private ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection()
            .AddKeyManager(configuration, _dataDirectory, _environment.GetValueOrDefault)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }
}
