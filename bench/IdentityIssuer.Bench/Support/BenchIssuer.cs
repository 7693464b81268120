using System.Security.Cryptography;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityIssuer.Bench.Support;

/// <summary>Where the benchmark keeps the CA key and the issuance record.</summary>
internal sealed record BenchIssuerSettings
{
    /// <summary><c>memory</c> or <c>disk</c>.</summary>
    public string KeyManager { get; init; } = "memory";

    /// <summary>A PostgreSQL connection string; null for SQLite in the temporary directory.</summary>
    public string? PostgresConnectionString { get; init; }

    /// <summary>Drop issuance records instead of writing them, to time minting alone.</summary>
    public bool DiscardIssuanceRecords { get; init; }
}

/// <summary>
/// The issuer's real services (datastore, key manager, CA, minter) wired as the process wires
/// them, in a temporary directory, without listeners and without log output.
/// </summary>
internal sealed class BenchIssuer : IAsyncDisposable
{
    public const string TrustDomain = "example.org";

    private readonly ServiceProvider _provider;

    private BenchIssuer(ServiceProvider provider, string directory)
    {
        _provider = provider;
        Directory = directory;
    }

    /// <summary>The temporary directory holding the SQLite file and disk keys.</summary>
    public string Directory { get; }

    public IDataStore Store => _provider.GetRequiredService<IDataStore>();

    public CaManager Ca => _provider.GetRequiredService<CaManager>();

    public X509SvidMinter X509 => _provider.GetRequiredService<X509SvidMinter>();

    public static async Task<BenchIssuer> StartAsync(BenchIssuerSettings settings, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(Path.GetTempPath(), "identity-issuer-bench-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var values = new Dictionary<string, string?>
        {
            ["Issuer:TrustDomain"] = TrustDomain,
            ["Issuer:DataDirectory"] = directory,
            ["KeyManager:Type"] = settings.KeyManager,
        };
        if (settings.KeyManager == "disk")
        {
            values["KeyManager:Disk:Directory"] = Path.Combine(directory, "keys");
            values["KeyManager:Disk:EncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        }

        if (settings.PostgresConnectionString is { } postgres)
        {
            values["Datastore:Provider"] = "postgres";
            values["Datastore:ConnectionString"] = postgres;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        if (settings.DiscardIssuanceRecords)
        {
            // Registered first, so AddIssuerServices' TryAdd keeps this store.
            services.AddSingleton<EfDataStore>();
            services.AddSingleton(provider => IssuanceDiscardingStore.Wrap(provider.GetRequiredService<EfDataStore>()));
        }

        services.AddIssuerServices(configuration);
        var built = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        var issuer = new BenchIssuer(built, directory);
        await issuer.Store.MigrateAsync(cancellationToken);
        await issuer.Ca.InitializeAsync(cancellationToken);
        return issuer;
    }

    public async ValueTask DisposeAsync()
    {
        await _provider.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
