using IdentityIssuer.Issuer.KeyManagement;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityIssuer.Issuer.Tests.KeyManagement;

/// <summary>One factory and one validator build a key manager from any section; every error names the full path.</summary>
public sealed class KeyManagerSectionTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "key-manager-section-tests-" + Guid.NewGuid().ToString("N"));

    [Theory]
    [InlineData("KeyManager")]
    [InlineData("Ca:Upstream:KeyManager")]
    public void Validate_WithUnknownType_NamesTheSettingUnderTheSection(string section)
    {
        var errors = Validate(section, new() { [$"{section}:Type"] = "foo" });

        Assert.Equal([$"{section}:Type must be 'memory', 'disk', 'pkcs11', 'aws-kms' or 'azure-key-vault' (got 'foo')"], errors);
    }

    [Theory]
    [InlineData("KeyManager")]
    [InlineData("Ca:Upstream:KeyManager")]
    public void Validate_WithBadDiskSettings_NamesEachSettingUnderTheSection(string section)
    {
        var errors = Validate(section, new()
        {
            [$"{section}:Disk:Directory"] = "bad\0path",
            [$"{section}:Disk:EncryptionKey"] = "short",
        });

        Assert.Equal([$"{section}:Disk:Directory is not a valid path", $"{section}:Disk:EncryptionKey must be 32 bytes in base64"], errors);
    }

    [Fact]
    public void Validate_UpstreamSection_IgnoresTheIssuersEncryptionKeyVariable()
    {
        // The variable belongs to the issuer's own KeyManager; another section is configured only by its own keys.
        var options = Bind("Ca:Upstream:KeyManager", []);
        KeyManagementServiceCollectionExtensions.ApplyDefaults(options, "Ca:Upstream:KeyManager", _directory, getEnvironmentVariable: null);
        var errors = new List<string>();

        KeyManagerOptionsValidator.Validate(options, "Ca:Upstream:KeyManager", errors);

        Assert.Empty(errors);
        Assert.Null(options.Disk.EncryptionKey);
    }

    [Fact]
    public async Task Create_FromTwoSections_BuildsTwoSeparateManagers()
    {
        var issuerKeys = Path.Combine(_directory, "keys");
        var upstreamKeys = Path.Combine(_directory, "upstream-keys");
        using var services = new ServiceCollection().AddLogging().BuildServiceProvider();
        var issuerOptions = Bind("KeyManager", new() { ["KeyManager:Disk:Directory"] = issuerKeys });
        var upstreamOptions = Bind("Ca:Upstream:KeyManager", new() { ["Ca:Upstream:KeyManager:Disk:Directory"] = upstreamKeys });
        KeyManagementServiceCollectionExtensions.ApplyDefaults(issuerOptions, "KeyManager", issuerKeys, null);
        KeyManagementServiceCollectionExtensions.ApplyDefaults(upstreamOptions, "Ca:Upstream:KeyManager", upstreamKeys, null);

        using var issuer = Assert.IsType<DiskKeyManager>(KeyManagementServiceCollectionExtensions.Create(issuerOptions, "KeyManager", services));
        using var upstream = Assert.IsType<DiskKeyManager>(KeyManagementServiceCollectionExtensions.Create(upstreamOptions, "Ca:Upstream:KeyManager", services));
        await upstream.GenerateKeyAsync("upstream-root", KeyType.EcP256, CancellationToken.None);

        Assert.Equal(upstreamKeys, upstream.Directory);
        Assert.Null(await issuer.GetKeyAsync("upstream-root", CancellationToken.None));
        Assert.NotNull(await upstream.GetKeyAsync("upstream-root", CancellationToken.None));
    }

    [Fact]
    public void Create_WithTypeMemory_BuildsAMemoryManagerForAnySection()
    {
        using var services = new ServiceCollection().BuildServiceProvider();
        var options = Bind("Ca:Upstream:KeyManager", new() { ["Ca:Upstream:KeyManager:Type"] = "memory" });

        Assert.IsType<MemoryKeyManager>(KeyManagementServiceCollectionExtensions.Create(options, "Ca:Upstream:KeyManager", services));
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private List<string> Validate(string section, Dictionary<string, string?> settings)
    {
        var options = Bind(section, settings);
        KeyManagementServiceCollectionExtensions.ApplyDefaults(options, section, _directory, null);
        var errors = new List<string>();
        KeyManagerOptionsValidator.Validate(options, section, errors);
        return errors;
    }

    private static KeyManagerOptions Bind(string section, Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(section).Get<KeyManagerOptions>() ?? new KeyManagerOptions();
}
