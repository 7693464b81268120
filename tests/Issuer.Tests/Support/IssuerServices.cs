using System.Text;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Hosting;
using IdentityIssuer.Issuer.Jobs;
using IdentityIssuer.Issuer.Ops.Metrics;
using IdentityIssuer.Issuer.Registration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace IdentityIssuer.Issuer.Tests.Support;

/// <summary>
/// The issuer's real services (datastore, key manager, CA, minters, registration) wired as the
/// process wires them, on a temporary SQLite file and a fake clock, without the listeners.
/// </summary>
internal sealed class IssuerServices : IAsyncDisposable
{
    private readonly bool _ownsDirectory;

    private IssuerServices(ServiceProvider provider, string directory, FakeTimeProvider clock, bool ownsDirectory)
    {
        _ownsDirectory = ownsDirectory;
        Provider = provider;
        Directory = directory;
        Clock = clock;
    }

    public ServiceProvider Provider { get; }

    public string Directory { get; }

    public FakeTimeProvider Clock { get; }

    public IDataStore Store => Provider.GetRequiredService<IDataStore>();

    public CaManager Ca => Provider.GetRequiredService<CaManager>();

    public X509SvidMinter X509 => Provider.GetRequiredService<X509SvidMinter>();

    public JwtSvidMinter Jwt => Provider.GetRequiredService<JwtSvidMinter>();

    public EntryService Entries => Provider.GetRequiredService<EntryService>();

    public TrustBundleService Bundles => Provider.GetRequiredService<TrustBundleService>();

    /// <summary>The Prometheus text the ops listener would serve now: a GET through the real <c>/metrics</c> endpoint.</summary>
    public async Task<string> ScrapeMetricsAsync()
    {
        var pipeline = new ApplicationBuilder(Provider).UseMetricsEndpoint().Build();
        var context = new DefaultHttpContext { RequestServices = Provider };
        context.Request.Method = HttpMethods.Get;
        context.Request.Path = MetricsServiceCollectionExtensions.Path;
        using var body = new MemoryStream();
        context.Response.Body = body;
        await pipeline(context);
        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        return Encoding.UTF8.GetString(body.ToArray());
    }

    /// <summary>A job built as the scheduler builds it, to run once by hand.</summary>
    public TJob Job<TJob>()
        where TJob : IssuerJob => ActivatorUtilities.CreateInstance<TJob>(Provider);

    /// <summary>Starts the services; <paramref name="settings"/> override the defaults (memory keys, SQLite in a temp dir). A given directory is left in place on dispose.</summary>
    /// <param name="configure">Changes to the services after the issuer's own are added (e.g. <see cref="HookedDataStore.Install"/>).</param>
    /// <param name="beforeCa">Runs after the schema is migrated and before the CA starts (e.g. <c>upstream init</c>).</param>
    public static async Task<IssuerServices> StartAsync(IDictionary<string, string?>? settings = null, string? directory = null, FakeTimeProvider? clock = null, Action<IServiceCollection>? configure = null, Func<IssuerServices, Task>? beforeCa = null)
    {
        var owns = directory is null;
        directory ??= Path.Combine(Path.GetTempPath(), "issuer-tests-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var values = new Dictionary<string, string?>
        {
            ["Issuer:TrustDomain"] = "example.org",
            ["Issuer:DataDirectory"] = directory,
            ["KeyManager:Type"] = "memory",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        clock ??= new FakeTimeProvider(DateTimeOffset.UtcNow);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(clock);
        services.AddIssuerServices(configuration);
        services.AddOptions<JobsOptions>().Bind(configuration.GetSection(JobsOptions.SectionName));
        services.AddIssuerMetrics(configuration);
        configure?.Invoke(services);
        var provider = services.BuildServiceProvider();

        // What the host does at start: checks the options and starts the metrics listeners before any job runs.
        provider.GetRequiredService<IStartupValidator>().Validate();
        var started = new IssuerServices(provider, directory, clock, owns);
        await started.Store.MigrateAsync(CancellationToken.None);
        if (beforeCa is not null)
        {
            await beforeCa(started);
        }

        await started.Ca.InitializeAsync(CancellationToken.None);
        return started;
    }

    public async ValueTask DisposeAsync()
    {
        await Provider.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (!_ownsDirectory)
        {
            return;
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
