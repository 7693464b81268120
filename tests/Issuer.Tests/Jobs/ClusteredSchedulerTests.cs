using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Jobs;
using IdentityIssuer.Tests.Common.Postgres;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Quartz;

namespace IdentityIssuer.Issuer.Tests.Jobs;

/// <summary>
/// Two issuer replicas' schedulers, configured exactly as the issuer configures them, on one real
/// PostgreSQL: a global job that disallows concurrent execution never runs on both at once, and each
/// replica's local jobs run on it.
/// </summary>
public sealed class ClusteredSchedulerTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static CancellationToken Ct => CancellationToken.None;

    [Fact]
    public async Task TwoReplicasOnOnePostgres_GlobalSerialJobNeverOverlaps_AndLocalJobsRunOnBoth()
    {
        var connectionString = await MigratedDatabaseAsync();
        var log = new RunLog();
        await using var first = Replica(connectionString, log);
        await using var second = Replica(connectionString, log);
        var schedulers = new List<IScheduler>();
        foreach (var replica in new[] { first, second })
        {
            foreach (var name in new[] { IssuerSchedulers.Global, IssuerSchedulers.Local })
            {
                var scheduler = await replica.GetRequiredKeyedService<ISchedulerFactory>(name).GetScheduler(Ct);
                await scheduler.Start(Ct);
                schedulers.Add(scheduler);
            }
        }

        var (global1, local1, global2, local2) = (schedulers[0], schedulers[1], schedulers[2], schedulers[3]);
        try
        {
            // Waiting is not asserted on: the job takes longer than its interval, so every firing races the one before.
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            while (log.CompletedGlobalRuns < 6 || log.LocalRunsBy(local1.SchedulerInstanceId) == 0 || log.LocalRunsBy(local2.SchedulerInstanceId) == 0)
            {
                await Task.Delay(100, deadline.Token);
            }

            Assert.Equal(2, await CountAsync(connectionString, "SELECT count(*) FROM qrtz_scheduler_state WHERE sched_name = 'issuer-global'"));
            Assert.True((await global1.GetMetadata(Ct)).JobStoreClustered);
            Assert.True((await global2.GetMetadata(Ct)).JobStoreClustered);
        }
        finally
        {
            foreach (var scheduler in schedulers)
            {
                await scheduler.Shutdown(waitForJobsToComplete: true, Ct);
            }
        }

        Assert.NotEqual(global1.SchedulerInstanceId, global2.SchedulerInstanceId);
        var events = log.GlobalEvents;
        Assert.True(events.Count >= 12, $"{events.Count} events");
        for (var i = 0; i < events.Count; i++)
        {
            // start, end, start, end...: no run of the serial job starts on any replica before the last one ended.
            Assert.Equal(i % 2 == 0 ? "start" : "end", events[i].Kind);
            if (i % 2 == 1)
            {
                Assert.Equal(events[i - 1].Instance, events[i].Instance);
            }
        }

        Assert.All(events, e => Assert.Contains(e.Instance, new[] { global1.SchedulerInstanceId, global2.SchedulerInstanceId }));

        // Shutdown waited for the run in progress: the last run ended.
        Assert.Equal("end", events[^1].Kind);
    }

    [Fact]
    public void GlobalStore_OnSqlite_IsInMemory_AndOnPostgres_IsClustered()
    {
        Assert.False(IssuerSchedulers.IsClustered(new DatastoreOptions { Provider = "sqlite", ConnectionString = "Data Source=x.db" }));
        Assert.True(IssuerSchedulers.IsClustered(new DatastoreOptions { Provider = "postgres", ConnectionString = "Host=db" }));
    }

    [Fact]
    public async Task Migration_OnPostgres_CreatesTheQuartzTables()
    {
        var connectionString = await MigratedDatabaseAsync();

        var tables = await CountAsync(connectionString, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 'qrtz\\_%'");

        Assert.Equal(15, tables);
    }

    private async Task<string> MigratedDatabaseAsync()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Datastore:Provider"] = "postgres",
            ["Datastore:ConnectionString"] = connectionString,
        }).Build();
        var services = new ServiceCollection().AddLogging().AddIssuerDatastore(configuration, Path.GetTempPath());
        await using var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IDataStore>().MigrateAsync(Ct);
        return connectionString;
    }

    /// <summary>One replica's two schedulers, set up as <see cref="JobsServiceCollectionExtensions.AddIssuerJobs"/> sets them up, with probe jobs.</summary>
    private static ServiceProvider Replica(string connectionString, RunLog log)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(log);
        services.AddQuartz(IssuerSchedulers.Global, quartz =>
        {
            IssuerSchedulers.UseGlobalStore(quartz, new DatastoreOptions { Provider = "postgres", ConnectionString = connectionString });
            JobsServiceCollectionExtensions.Schedule<SerialProbeJob>(quartz, TimeSpan.FromMilliseconds(100), firstRunNow: true);
        });
        services.AddQuartz(IssuerSchedulers.Local, quartz =>
        {
            quartz.UseInMemoryStore();
            JobsServiceCollectionExtensions.Schedule<LocalProbeJob>(quartz, TimeSpan.FromMilliseconds(200), firstRunNow: true);
        });
        return services.BuildServiceProvider();
    }

    private static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>What the probe jobs did, in the order they did it, across both replicas.</summary>
    internal sealed class RunLog
    {
        private readonly Lock _gate = new();
        private readonly List<(string Kind, string Instance)> _global = [];
        private readonly List<string> _local = [];

        public int CompletedGlobalRuns
        {
            get
            {
                lock (_gate)
                {
                    return _global.Count(e => e.Kind == "end");
                }
            }
        }

        public IReadOnlyList<(string Kind, string Instance)> GlobalEvents
        {
            get
            {
                lock (_gate)
                {
                    return [.. _global];
                }
            }
        }

        public void Global(string kind, string instance)
        {
            lock (_gate)
            {
                _global.Add((kind, instance));
            }
        }

        public void Local(string instance)
        {
            lock (_gate)
            {
                _local.Add(instance);
            }
        }

        public int LocalRunsBy(string instance)
        {
            lock (_gate)
            {
                return _local.Count(i => i == instance);
            }
        }
    }

    /// <summary>A global job like prune: serial, and slower than its interval.</summary>
    [DisallowConcurrentExecution]
    internal sealed class SerialProbeJob(RunLog log) : IJob
    {
        public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
        {
            var instance = context.Scheduler.SchedulerInstanceId;
            log.Global("start", instance);
            try
            {
                await Task.Delay(300, CancellationToken.None);
            }
            finally
            {
                log.Global("end", instance);
            }
        }
    }

    /// <summary>A per-replica job like the rotation check.</summary>
    internal sealed class LocalProbeJob(RunLog log) : IJob
    {
        public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
        {
            log.Local(context.Scheduler.SchedulerInstanceId);
            return ValueTask.CompletedTask;
        }
    }
}
