using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.KeyManagement;
using IdentityIssuer.Issuer.Tests.Support;
using IdentityIssuer.Spiffe;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Issuer.Tests.Ca;

/// <summary>An upstream root whose key is in its own key manager: it signs intermediates only, never SVIDs.</summary>
public sealed class UpstreamRootTests : IDisposable
{
    private static readonly SpiffeId Web = SpiffeId.Parse("spiffe://example.org/web");
    private static CancellationToken Ct => CancellationToken.None;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "upstream-root-tests-" + Guid.NewGuid().ToString("N"));
    private readonly CountingKeyManager _rootKeys = new(new MemoryKeyManager());

    private Dictionary<string, string?> Settings => new()
    {
        ["Ca:Upstream:KeyManager:Type"] = "disk",
        ["Ca:Upstream:KeyManager:Disk:Directory"] = Path.Combine(_directory, "upstream-keys"),
    };

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task RootKey_SignsOnlyWhenAnIntermediateIsCreated_NeverForSvids()
    {
        await using var issuer = await StartAsync();
        var root = await issuer.Provider.GetRequiredService<UpstreamRootAuthority>().GetCurrentAsync(Ct);
        // One signature for the root's own certificate, one for the first intermediate.
        Assert.Equal(2, _rootKeys.Signatures);

        for (var i = 0; i < 25; i++)
        {
            await MintAsync(issuer);
            await issuer.Jwt.MintAsync(Web, ["aud"], TimeSpan.FromMinutes(5), null, "test", Ct);
        }

        Assert.Equal(2, _rootKeys.Signatures);

        await issuer.Ca.PrepareAsync(AuthorityKind.X509, Ct);
        Assert.Equal(3, _rootKeys.Signatures);
        await issuer.Ca.ActivateAsync(AuthorityKind.X509, Ct);
        await issuer.Ca.PrepareAsync(AuthorityKind.Jwt, Ct);
        await MintAsync(issuer);
        Assert.Equal(3, _rootKeys.Signatures);
        Assert.NotNull(root);
    }

    [Fact]
    public async Task MintedSvid_ChainsLeafToIntermediateToRoot_AndTheBundleHoldsOnlyTheRoot()
    {
        await using var issuer = await StartAsync();
        var root = (await issuer.Provider.GetRequiredService<UpstreamRootAuthority>().GetCurrentAsync(Ct))!;
        using var rootCertificate = X509CertificateLoader.LoadCertificate(root.Certificate);

        var (leaf, chainAbove) = await MintAsync(issuer);
        var bundle = await issuer.Bundles.GetOwnBundleAsync(Ct);

        Assert.Equal([root.Certificate], bundle.X509Authorities.Select(a => a.RawData));
        var intermediate = Assert.Single(chainAbove);
        Assert.Equal(issuer.Ca.ActiveX509.Certificate.RawData, intermediate.RawData);
        Assert.Equal(rootCertificate.SubjectName.RawData, intermediate.IssuerName.RawData);
        Assert.True(intermediate.NotAfter <= rootCertificate.NotAfter);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.Add(rootCertificate);
        chain.ChainPolicy.ExtraStore.Add(intermediate);
        Assert.True(chain.Build(leaf), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.Equal(3, chain.ChainElements.Count);
    }

    [Fact]
    public async Task Start_WithoutARoot_FailsSayingToRunUpstreamInit()
    {
        var e = await Assert.ThrowsAsync<CaException>(() => IssuerServices.StartAsync(Settings, Path.Combine(_directory, "data"), configure: UseCountingRootKeys));

        Assert.Contains("Ca:Upstream:KeyManager is set but the datastore holds no upstream root", e.Message, StringComparison.Ordinal);
        Assert.Contains("identity-issuer upstream init", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Init_WhenARootExists_RefusesUnlessForced_AndTheReplacementKeepsTheOldKey()
    {
        await using var issuer = await StartAsync();
        var upstream = issuer.Provider.GetRequiredService<UpstreamRootAuthority>();
        var first = (await upstream.GetCurrentAsync(Ct))!;

        var refused = await Assert.ThrowsAsync<CaException>(() => upstream.InitAsync(replace: false, Ct));
        var second = await upstream.InitAsync(replace: true, Ct);
        await issuer.Ca.PrepareAsync(AuthorityKind.X509, Ct);
        var bundle = await issuer.Bundles.GetOwnBundleAsync(Ct);

        Assert.Contains("pass --force to replace it", refused.Message, StringComparison.Ordinal);
        Assert.Equal("upstream-root", first.KeyId);
        Assert.StartsWith("upstream-root-", second.KeyId, StringComparison.Ordinal);
        Assert.NotNull(await _rootKeys.GetKeyAsync(first.KeyId, Ct));
        Assert.Equal(new[] { first.Id, second.Id }.Order(StringComparer.Ordinal), (await upstream.ListAsync(Ct)).Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.Equal(new[] { first.Certificate, second.Certificate }.Select(Convert.ToHexString).Order(StringComparer.Ordinal), bundle.X509Authorities.Select(a => Convert.ToHexString(a.RawData)).Order(StringComparer.Ordinal));
        using var secondCertificate = X509CertificateLoader.LoadCertificate(second.Certificate);
        Assert.Equal(secondCertificate.SubjectName.RawData, issuer.Ca.PreparedX509!.Certificate.IssuerName.RawData);
    }

    [Theory]
    [InlineData("Ca:UpstreamCertificateFile", "/etc/upstream.pem", "Ca:Upstream:KeyManager and Ca:UpstreamCertificateFile/Ca:UpstreamKeyFile/Ca:UpstreamBundleFile are mutually exclusive")]
    [InlineData("Ca:Upstream:KeyManager:Type", "memory", "Ca:Upstream:KeyManager:Type 'memory' cannot hold an upstream root")]
    [InlineData("Ca:Upstream:KeyManager:Type", "vault", "Ca:Upstream:KeyManager:Type must be 'memory', 'disk', 'pkcs11', 'aws-kms' or 'azure-key-vault' (got 'vault')")]
    [InlineData("Ca:Upstream:KeyManager:Disk:EncryptionKey", "short", "Ca:Upstream:KeyManager:Disk:EncryptionKey must be 32 bytes in base64")]
    [InlineData("Ca:Upstream:KeyId", "../root", "Ca:Upstream:KeyId '../root' is invalid")]
    [InlineData("Ca:Upstream:KeyType", "ec-p521", "Ca:Upstream:KeyType must be one of")]
    [InlineData("Ca:Upstream:Ttl", "12:00:00", "Ca:Upstream:Ttl (12:00:00) must be longer than Ca:Ttl (1.00:00:00)")]
    public void Validation_WithABadUpstreamSetting_NamesIt(string key, string value, string expected)
    {
        var settings = Settings;
        settings[key] = value;

        var failures = ValidateCa(settings);

        Assert.Contains(failures, f => f.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Validation_WithUpstreamSettingsButNoKeyManager_SaysToSetTheType()
    {
        var failures = ValidateCa(new() { ["Ca:Upstream:KeyId"] = "root" });

        Assert.Contains("Ca:Upstream settings are set but Ca:Upstream:KeyManager:Type is not; set it to use an upstream root", failures);
    }

    [Fact]
    public async Task UpstreamDiskKeyManager_DefaultsToItsOwnDirectory_SeparateFromTheIssuersKeys()
    {
        var data = Path.Combine(_directory, "data");
        await using var issuer = await IssuerServices.StartAsync(
            new Dictionary<string, string?> { ["Ca:Upstream:KeyManager:Type"] = "disk", ["KeyManager:Type"] = "disk" },
            data,
            beforeCa: services => services.Provider.GetRequiredService<UpstreamRootAuthority>().InitAsync(false, Ct));

        var upstream = Assert.IsType<DiskKeyManager>(issuer.Provider.GetRequiredService<UpstreamRootAuthority>().KeyManager);
        var own = Assert.IsType<DiskKeyManager>(issuer.Provider.GetRequiredService<IKeyManager>());

        Assert.Equal(Path.Combine(data, "upstream-keys"), upstream.Directory);
        Assert.Equal(Path.Combine(data, "keys"), own.Directory);
        Assert.NotNull(await upstream.GetKeyAsync("upstream-root", Ct));
        Assert.Null(await own.GetKeyAsync("upstream-root", Ct));
    }

    private List<string> ValidateCa(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddIssuerServicesForValidation(configuration, _directory);
        using var provider = services.BuildServiceProvider();
        try
        {
            _ = provider.GetRequiredService<IOptions<CaOptions>>().Value;
            return [];
        }
        catch (OptionsValidationException e)
        {
            return [.. e.Failures];
        }
    }

    private async Task<IssuerServices> StartAsync() =>
        await IssuerServices.StartAsync(Settings, Path.Combine(_directory, "data"), configure: UseCountingRootKeys,
            beforeCa: issuer => issuer.Provider.GetRequiredService<UpstreamRootAuthority>().InitAsync(false, Ct));

    private void UseCountingRootKeys(IServiceCollection services)
    {
        services.RemoveAll<UpstreamKeyManager>();
        services.AddSingleton(new UpstreamKeyManager(_rootKeys));
    }

    private static async Task<(X509Certificate2 Leaf, IReadOnlyList<X509Certificate2> ChainAbove)> MintAsync(IssuerServices issuer)
    {
        var (csr, key) = Csr.Create();
        key.Dispose();
        var minted = await issuer.X509.MintAsync(new X509SvidParams { SpiffeId = Web, Csr = csr, Caller = "test" }, Ct);
        return (X509CertificateLoader.LoadCertificate(minted.CertificateDer), [.. minted.ChainAboveDer.Select(d => X509CertificateLoader.LoadCertificate(d))]);
    }
}

internal static class UpstreamRootTestServices
{
    /// <summary>The issuer's services over <paramref name="settings"/>, for reading validated options only.</summary>
    public static IServiceCollection AddIssuerServicesForValidation(this IServiceCollection services, IConfiguration configuration, string directory)
    {
        var values = new Dictionary<string, string?> { ["Issuer:TrustDomain"] = "example.org", ["Issuer:DataDirectory"] = directory };
        var layered = new ConfigurationBuilder().AddInMemoryCollection(values).AddConfiguration(configuration).Build();
        IdentityIssuer.Issuer.Hosting.IssuerHost.AddIssuerServices(services, layered);
        return services;
    }
}
