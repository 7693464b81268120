using IdentityIssuer.Attestation.Selectors;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Hosting;
using IdentityIssuer.Issuer.Jobs;
using IdentityIssuer.Issuer.Tests.Support;
using IdentityIssuer.Tests.Common.Processes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Quartz;

namespace IdentityIssuer.Issuer.Tests.Jobs;

/// <summary>The scheduled jobs run against the real services on a fake clock, and under the real scheduler in the host.</summary>
public sealed class JobsTests
{
    private static CancellationToken Ct => CancellationToken.None;

    private static PruneJob Prune(IssuerServices issuer, ILogger<PruneJob>? logger = null) =>
        new(issuer.Provider.GetRequiredService<IServiceScopeFactory>(), logger ?? NullLogger<PruneJob>.Instance);

    [Fact]
    public async Task PruneJob_DeletesWhatIsPastItsRetention_AndKeepsTheRest()
    {
        await using var issuer = await IssuerServices.StartAsync(new Dictionary<string, string?>
        {
            ["Jobs:IssuanceRetention"] = "1.00:00:00",
            ["Jobs:AttestedNodeRetention"] = "02:00:00",
            ["Jobs:TombstoneRetentionRevisions"] = "1",
        });
        var now = issuer.Clock.GetUtcNow();
        var store = issuer.Store;
        await store.CreateJoinTokenAsync(new JoinToken("expired", now.AddMinutes(-1), now.AddHours(-1)), Ct);
        await store.CreateJoinTokenAsync(new JoinToken("live", now.AddMinutes(10), now), Ct);
        await store.AddIssuanceRecordsAsync([TestRows.Record("old", now.AddDays(-1).AddSeconds(-1)), TestRows.Record("audit", now.AddHours(-23)), TestRows.Record("live", now.AddHours(1))], Ct);
        await store.UpsertAttestedNodeAsync(TestRows.Node("gone", now.AddHours(-3)), Ct);
        await store.UpsertAttestedNodeAsync(TestRows.Node("banned", now.AddHours(-3)), Ct);
        await store.SetAttestedNodeBannedAsync("spiffe://example.org/agent/banned", banned: true, Ct);
        await store.UpsertAttestedNodeAsync(TestRows.Node("recent", now.AddHours(-1)), Ct);
        var first = await store.CreateEntryAsync(Entry("first"), Ct);
        var second = await store.CreateEntryAsync(Entry("second"), Ct);
        await store.DeleteEntryAsync(first.Id, Ct);
        await store.DeleteEntryAsync(second.Id, Ct);

        await Prune(issuer).RunOnceAsync(Ct);

        Assert.Null(await store.ConsumeJoinTokenAsync("expired", now.AddHours(-1), Ct));
        Assert.NotNull(await store.ConsumeJoinTokenAsync("live", now, Ct));
        var records = (await store.ListIssuanceRecordsAsync(new IssuanceFilter(), Ct)).Items.Select(r => r.Serial).Order().ToList();
        Assert.Equal(["audit", "live"], records);
        var nodes = (await store.ListAttestedNodesAsync(0, null, Ct)).Items.Select(n => n.SpiffeId).ToList();
        Assert.Equal(["spiffe://example.org/agent/banned", "spiffe://example.org/agent/recent"], nodes);
        Assert.Equal([second.Id], (await store.ListDeletedEntriesAsync(0, Ct)).Select(d => d.EntryId));
    }

    [Fact]
    public async Task PruneJob_WhenARunFails_LogsTheWholeException_AndDoesNotThrow()
    {
        await using var issuer = await IssuerServices.StartAsync();
        var logger = new ListLogger<PruneJob>();
        var job = Prune(issuer, logger);
        await issuer.Provider.DisposeAsync();

        await job.RunOnceAsync(Ct);

        var entry = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Error, entry.Level);
        Assert.Equal(701, entry.EventId.Id);
        Assert.IsType<ObjectDisposedException>(entry.Exception);
    }

    [Fact]
    public async Task CaRotationJob_PreparesTheNextAuthority_OnceHalfTheLifetimeHasPassed()
    {
        await using var issuer = await IssuerServices.StartAsync();
        var job = new CaRotationJob(issuer.Provider.GetRequiredService<IServiceScopeFactory>(), NullLogger<CaRotationJob>.Instance);

        await job.RunOnceAsync(Ct);
        Assert.Null(issuer.Ca.PreparedX509);

        issuer.Clock.Advance(TimeSpan.FromHours(13));
        await job.RunOnceAsync(Ct);
        Assert.NotNull(issuer.Ca.PreparedX509);
    }

    [Fact]
    public void JobsOptions_OutOfRange_AreRefusedNamingEachKey()
    {
        var result = new JobsOptionsValidator().Validate(null, new JobsOptions
        {
            RotationCheckInterval = TimeSpan.Zero,
            PruneInterval = TimeSpan.FromMilliseconds(10),
            IssuanceRetention = TimeSpan.FromHours(-1),
            AttestedNodeRetention = TimeSpan.FromHours(-1),
            TombstoneRetentionRevisions = -1,
            ExpiryScanInterval = TimeSpan.FromMilliseconds(500),
            AuthorityRetention = TimeSpan.FromHours(-1),
        });

        Assert.True(result.Failed);
        foreach (var key in new[] { "RotationCheckInterval", "PruneInterval", "IssuanceRetention", "AttestedNodeRetention", "TombstoneRetentionRevisions", "ExpiryScanInterval", "AuthorityRetention" })
        {
            Assert.Contains("Jobs:" + key, result.FailureMessage, StringComparison.Ordinal);
        }

        Assert.True(new JobsOptionsValidator().Validate(null, new JobsOptions()).Succeeded);
    }

    [Fact]
    public void JobsSection_WithAMisspeltKey_IsRefused()
    {
        var error = Assert.Throws<ConfigurationException>(() => IssuerHost.LoadConfiguration(null, ["--Jobs:PruneIntervall=00:01:00"]));

        Assert.Contains("Jobs:PruneIntervall", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_RunsTheRotationJobOnQuartz()
    {
        var directory = FreePort.ShortTempDirectory();
        try
        {
            var configuration = IssuerHost.LoadConfiguration(null,
            [
                $"--Issuer:DataDirectory={directory}",
                "--KeyManager:Type=memory",
                "--BundleEndpoint:Enabled=false",
                "--AgentApi:Enabled=false",
                "--Ops:Port=0",
                "--Jobs:RotationCheckInterval=00:00:01",
                "--Logging:LogLevel:Default=Warning",
            ]);
            await using var app = IssuerHost.Build(configuration);
            await app.StartAsync();
            try
            {
                var scheduler = await app.Services.GetRequiredKeyedService<ISchedulerFactory>(IssuerSchedulers.Local).GetScheduler();
                var trigger = new TriggerKey("ca-rotation");
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                while ((await scheduler.GetTrigger(trigger))?.PreviousFireTimeUtc is null)
                {
                    await Task.Delay(100, timeout.Token);
                }

                var global = await app.Services.GetRequiredKeyedService<ISchedulerFactory>(IssuerSchedulers.Global).GetScheduler();
                Assert.NotNull(await global.GetTrigger(new TriggerKey("prune")));
                Assert.NotNull(await global.GetTrigger(new TriggerKey("expiry-scan")));
            }
            finally
            {
                await app.StopAsync();
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static RegistrationEntry Entry(string name) => new()
    {
        SpiffeId = "spiffe://example.org/" + name,
        ParentId = "spiffe://example.org/agent/recent",
        Selectors = [Selector.Parse("unix:uid:" + name.Length)],
    };

    private sealed class ListLogger<T> : ILogger<T>
    {
        public List<(LogLevel Level, EventId EventId, Exception? Exception)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, eventId, exception));
    }
}
