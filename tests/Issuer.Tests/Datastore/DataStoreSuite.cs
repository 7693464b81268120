using IdentityIssuer.Attestation.Selectors;
using IdentityIssuer.Issuer.Datastore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace IdentityIssuer.Issuer.Tests.Datastore;

/// <summary>
/// Behaviour every <see cref="IDataStore"/> provider must show. A subclass supplies the provider and a
/// database shared by its test class; each test works under its own random path prefix so tests do
/// not see each other's rows, and tests that count whole tables take a fresh database of their own.
/// </summary>
public abstract partial class DataStoreSuite : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 22, 10, 0, 0, 123, TimeSpan.Zero);

    private readonly List<ServiceProvider> _providers = [];
    private readonly string _ns = Guid.NewGuid().ToString("N")[..10];
    private IDataStore? _store;

    /// <summary><c>sqlite</c> or <c>postgres</c>.</summary>
    protected abstract string Provider { get; }

    /// <summary>The test class's database.</summary>
    protected abstract string ConnectionString { get; }

    /// <summary>Connection string of a new, empty database.</summary>
    protected abstract Task<string> CreateEmptyDatabaseAsync();

    private protected FakeTimeProvider Clock { get; } = new(Start);

    private protected IDataStore Store => _store ?? throw new InvalidOperationException("not initialized");

    private static CancellationToken Ct => CancellationToken.None;

    public async Task InitializeAsync()
    {
        _store = OpenStore(ConnectionString);
        await _store.MigrateAsync(Ct);
    }

    public async Task DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }
    }

    /// <summary>A store over <paramref name="connectionString"/> with its own service provider and pool, like another replica.</summary>
    private protected IDataStore OpenStore(string connectionString) => BuildServices(connectionString).GetRequiredService<IDataStore>();

    private protected ServiceProvider BuildServices(string connectionString)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Datastore:Provider"] = Provider,
                ["Datastore:ConnectionString"] = connectionString,
            })
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(Clock);
        services.AddLogging();
        services.AddIssuerDatastore(configuration, Path.GetTempPath());
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        _providers.Add(provider);
        return provider;
    }

    private protected async Task<IDataStore> OpenFreshStoreAsync()
    {
        var store = OpenStore(await CreateEmptyDatabaseAsync());
        await store.MigrateAsync(Ct);
        return store;
    }

    private string Id(string path) => $"spiffe://example.org/{_ns}/{path}";

    private static Selector Sel(string text) => Selector.Parse(text);

    private RegistrationEntry NewEntry(string path, string parent, params string[] selectors) => new()
    {
        SpiffeId = Id(path),
        ParentId = Id(parent),
        Selectors = [.. selectors.Select(s => Sel(s.Replace("{ns}", _ns, StringComparison.Ordinal)))],
    };
}
