using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.EndToEnd.Support;
using IdentityIssuer.Tests.Common.Postgres;
using Npgsql;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd;

/// <summary>
/// Two issuer processes on one PostgreSQL, each its own replica (name, data directory, keys, ports):
/// both serve, the bundle trusts both replicas' CAs, and the global jobs run on one replica at a time,
/// as Quartz's cluster-wide execution history (<c>qrtz_execution_history</c>) shows an operator.
/// </summary>
public sealed class ReplicaClusterTests : IClassFixture<PostgresFixture>, IAsyncLifetime
{
    private readonly PostgresFixture _postgres;
    private readonly ITestOutputHelper _output;
    private readonly List<IssuerProcess> _replicas = [];
    private string _connectionString = string.Empty;

    public ReplicaClusterTests(PostgresFixture postgres, ITestOutputHelper output)
    {
        _postgres = postgres;
        _output = output;
    }

    [Fact]
    public async Task TwoReplicasOnOnePostgres_BothServe_TrustEachOthersCa_AndRunGlobalJobsOneAtATime()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        foreach (var replica in _replicas)
        {
            using var ready = await http.GetAsync(new Uri($"http://127.0.0.1:{replica.OpsPort}/health/ready"));
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        // Each replica's bundle holds the active X.509 CA of both replicas.
        using var journal = System.Text.Json.JsonDocument.Parse((await _replicas[0].CliAsync("authority", "x509", "show", "--output", "json")).ShouldSucceed().StdOut);
        var active = journal.RootElement.GetProperty("authorities").EnumerateArray()
            .Where(a => a.GetProperty("status").GetString() == "active")
            .ToDictionary(a => a.GetProperty("replica").GetString()!, a => a.GetProperty("id").GetString()!);
        Assert.Equal(["r1", "r2"], active.Keys.Order());
        foreach (var replica in _replicas)
        {
            var bundle = new X509Certificate2Collection();
            bundle.ImportFromPem((await replica.CliAsync("bundle", "show", "--format", "pem")).ShouldSucceed().StdOut);
            var keyIds = bundle.Select(c => c.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single().SubjectKeyIdentifier!.ToLowerInvariant()).ToList();
            Assert.Subset(keyIds.ToHashSet(), active.Values.ToHashSet());
        }

        // Both replicas are in the global scheduler's cluster; wait for a few runs of each global job.
        Assert.Equal(2, await ScalarAsync("SELECT count(*) FROM qrtz_scheduler_state WHERE sched_name = 'issuer-global'"));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        while (await ScalarAsync("SELECT coalesce(min(run_count), 0) FROM qrtz_job_status WHERE job_name IN ('prune', 'expiry-scan') HAVING count(*) = 2") < 5)
        {
            await Task.Delay(250, deadline.Token);
        }

        var instances = await RowsAsync("SELECT instance_name FROM qrtz_scheduler_state WHERE sched_name = 'issuer-global'", r => r.GetString(0));
        foreach (var job in new[] { "prune", "expiry-scan" })
        {
            var runs = await RowsAsync(
                $"SELECT instance_name, fired_time, run_time FROM qrtz_execution_history WHERE job_name = '{job}' ORDER BY fired_time",
                r => (Instance: r.GetString(0), Fired: r.GetInt64(1), Ticks: r.GetInt64(2)));
            Assert.True(runs.Count >= 5, $"{job}: {runs.Count} runs");
            Assert.All(runs, run => Assert.Contains(run.Instance, instances));
            for (var i = 1; i < runs.Count; i++)
            {
                // Each run (on whichever replica) starts only once the one before it has ended.
                Assert.True(runs[i - 1].Fired + runs[i - 1].Ticks <= runs[i].Fired, $"{job} run {i} on {runs[i].Instance} overlaps the run before on {runs[i - 1].Instance}");
            }
        }

        // Each replica runs its own rotation check.
        foreach (var replica in _replicas)
        {
            using var metrics = await http.GetAsync(new Uri($"http://127.0.0.1:{replica.OpsPort}/metrics"));
            Assert.Contains("identity_issuer_job_runs_total{job=\"ca-rotation\"}", await metrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    public async Task InitializeAsync()
    {
        _connectionString = await _postgres.CreateDatabaseAsync();
        foreach (var name in new[] { "r1", "r2" })
        {
            _replicas.Add(IssuerProcess.Create(new Dictionary<string, string>
            {
                ["Datastore:Provider"] = "postgres",
                ["Datastore:ConnectionString"] = _connectionString,
                ["Ca:ReplicaName"] = name,
                ["Jobs:PruneInterval"] = "00:00:01",
                ["Jobs:ExpiryScanInterval"] = "00:00:01",
                ["Jobs:RotationCheckInterval"] = "00:00:01",
            }));
        }

        // Started together: migrations and CA creation race on one database, as replicas of a deployment do.
        await Task.WhenAll(_replicas.Select(r => r.StartAsync()));
    }

    public async Task DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            _output.WriteLine(replica.Log);
            await replica.DisposeAsync();
        }
    }

    private async Task<long> ScalarAsync(string sql) =>
        (await RowsAsync(sql, r => Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture))).SingleOrDefault();

    private async Task<List<T>> RowsAsync<T>(string sql, Func<NpgsqlDataReader, T> read)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }

        return rows;
    }
}
