using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Ops.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Quartz;

namespace IdentityIssuer.Issuer.Jobs;

/// <summary>Registers the issuer's two Quartz schedulers (see <see cref="IssuerSchedulers"/>) and their jobs.</summary>
internal static class JobsServiceCollectionExtensions
{
    /// <summary>
    /// Binds <c>Jobs</c>, schedules the rotation check on the local scheduler and pruning and the expiry
    /// scan on the global one. Both schedulers start once the application has started (after migrations
    /// and CA start-up) and stop on shutdown after the jobs that are running have finished.
    /// </summary>
    public static IServiceCollection AddIssuerJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<JobsOptions>().Bind(configuration.GetSection(JobsOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<JobsOptions>, JobsOptionsValidator>());
        services.AddIssuerMetrics(configuration);
        var options = configuration.GetSection(JobsOptions.SectionName).Get<JobsOptions>() ?? new JobsOptions();
        var datastore = configuration.GetSection(DatastoreOptions.SectionName).Get<DatastoreOptions>() ?? new DatastoreOptions();

        services.AddQuartz(IssuerSchedulers.Local, quartz =>
        {
            quartz.UseInMemoryStore();
            Schedule<CaRotationJob>(quartz, options.RotationCheckInterval);
            Schedule<CrlRefreshJob>(quartz, options.CrlRefreshInterval);
        });
        services.AddQuartz(IssuerSchedulers.Global, quartz =>
        {
            IssuerSchedulers.UseGlobalStore(quartz, datastore);
            Schedule<PruneJob>(quartz, options.PruneInterval);
            Schedule<ExpiryScanJob>(quartz, options.ExpiryScanInterval, firstRunNow: true);
        });
        services.AddQuartzHostedService(hosted => hosted.WaitForJobsToComplete = true);
        return services;
    }

    /// <summary>
    /// A job with one repeating trigger, both named <see cref="IssuerJob.NameOf"/>. The first run waits one
    /// interval, as a periodic timer would (start-up has just done the same work), unless
    /// <paramref name="firstRunNow"/>. Runs missed while the process was busy (or, in a cluster, while no
    /// replica was up) are skipped, not caught up.
    /// </summary>
    public static void Schedule<TJob>(IQuartzBuilder quartz, TimeSpan interval, bool firstRunNow = false)
        where TJob : IJob
    {
        // A non-positive interval fails validation at start; the trigger must still be buildable until then.
        var every = interval > TimeSpan.Zero ? interval : TimeSpan.FromSeconds(1);
        var name = IssuerJob.NameOf(typeof(TJob));
        quartz.ScheduleJob<TJob>(
            trigger => trigger
                .WithIdentity(name)
                .StartAt(DateTimeOffset.UtcNow + (firstRunNow ? TimeSpan.Zero : every))
                .WithSimpleSchedule(schedule => schedule.WithInterval(every).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)),
            job => job.WithIdentity(name));
    }
}
