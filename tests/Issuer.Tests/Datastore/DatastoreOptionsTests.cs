using IdentityIssuer.Issuer.Datastore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Issuer.Tests.Datastore;

public sealed class DatastoreOptionsTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "identity-opts-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public void Options_WithNothingConfigured_DefaultToSqliteInTheDataDirectory()
    {
        var options = Resolve([]);

        Assert.Equal("sqlite", options.Provider);
        Assert.Equal($"Data Source={Path.Combine(_dataDirectory, "issuer.db")}", options.ConnectionString);
    }

    [Fact]
    public void Options_WithUnknownProvider_FailNamingTheKeyAndValue()
    {
        var ex = Assert.Throws<OptionsValidationException>(() => Resolve(new() { ["Datastore:Provider"] = "mysql" }));

        Assert.Contains("Datastore:Provider must be 'sqlite' or 'postgres' (got 'mysql')", ex.Failures);
    }

    [Fact]
    public void Options_ForPostgresWithoutConnectionString_FailNamingTheKey()
    {
        var ex = Assert.Throws<OptionsValidationException>(() => Resolve(new() { ["Datastore:Provider"] = "postgres" }));

        Assert.Contains("Datastore:ConnectionString is required when Datastore:Provider is 'postgres'", ex.Failures);
    }

    [Fact]
    public void Options_WithABadConnectionString_FailNamingTheKey()
    {
        var ex = Assert.Throws<OptionsValidationException>(() => Resolve(new()
        {
            ["Datastore:Provider"] = "postgres",
            ["Datastore:ConnectionString"] = "Host=db;Nonsense Keyword=1",
        }));

        Assert.StartsWith("Datastore:ConnectionString is not a valid postgres connection string", Assert.Single(ex.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public void Options_ProviderIsCaseInsensitive()
    {
        var options = Resolve(new() { ["Datastore:Provider"] = "PostgreS", ["Datastore:ConnectionString"] = "Host=db" });

        Assert.Equal("postgres", options.Provider);
    }

    [Fact]
    public async Task SqliteStore_CreatesTheDataDirectory_AndUsesWal()
    {
        await using var services = Build([]);
        var store = services.GetRequiredService<IDataStore>();

        await store.MigrateAsync(CancellationToken.None);

        Assert.True(File.Exists(Path.Combine(_dataDirectory, "issuer.db")));
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_dataDirectory, "issuer.db")}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    private DatastoreOptions Resolve(Dictionary<string, string?> settings)
    {
        using var services = Build(settings);
        return services.GetRequiredService<IOptions<DatastoreOptions>>().Value;
    }

    private ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddIssuerDatastore(configuration, _dataDirectory);
        return services.BuildServiceProvider();
    }
}
