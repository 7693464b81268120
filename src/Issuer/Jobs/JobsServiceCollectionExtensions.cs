using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Quartz;

namespace IdentityIssuer.Issuer.Jobs;

/// <summary>Registers the Quartz scheduler (RAM job store) and the issuer's scheduled jobs.</summary>
internal static class JobsServiceCollectionExtensions
{
    /// <summary>Binds <c>Jobs</c> and schedules the rotation check and prune job; the scheduler runs as a hosted service.</summary>
    public static IServiceCollection AddIssuerJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<JobsOptions>().Bind(configuration.GetSection(JobsOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<JobsOptions>, JobsOptionsValidator>());
        var options = configuration.GetSection(JobsOptions.SectionName).Get<JobsOptions>() ?? new JobsOptions();

        services.AddQuartz(quartz =>
        {
            quartz.UseInMemoryStore();
            Schedule<CaRotationJob>(quartz, "ca-rotation", options.RotationCheckInterval);
            Schedule<CrlRefreshJob>(quartz, "crl-refresh", options.CrlRefreshInterval);
            Schedule<PruneJob>(quartz, "prune", options.PruneInterval);
        });
        services.AddQuartzHostedService(hosted => hosted.WaitForJobsToComplete = true);
        return services;
    }

    private static void Schedule<TJob>(IQuartzBuilder quartz, string name, TimeSpan interval)
        where TJob : IJob
    {
        // A non-positive interval fails validation at start; the trigger must still be buildable until then.
        var every = interval > TimeSpan.Zero ? interval : TimeSpan.FromSeconds(1);

        // The first run waits one interval, as a periodic timer would: start-up has just done the same work.
        // Runs missed while the process was busy are skipped, not caught up, like a periodic timer's ticks.
        quartz.ScheduleJob<TJob>(
            trigger => trigger
                .WithIdentity(name)
                .StartAt(DateTimeOffset.UtcNow + every)
                .WithSimpleSchedule(schedule => schedule.WithInterval(every).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)),
            job => job.WithIdentity(name));
    }
}
