using Microsoft.Extensions.Options;

namespace IdentityIssuer.Issuer.Jobs;

/// <summary>Checks the <c>Jobs</c> section at start and reports every problem at once, naming the key.</summary>
internal sealed class JobsOptionsValidator : IValidateOptions<JobsOptions>
{
    public ValidateOptionsResult Validate(string? name, JobsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        AtLeast(errors, nameof(JobsOptions.RotationCheckInterval), options.RotationCheckInterval, TimeSpan.FromSeconds(1));
        AtLeast(errors, nameof(JobsOptions.CrlRefreshInterval), options.CrlRefreshInterval, TimeSpan.FromSeconds(1));
        AtLeast(errors, nameof(JobsOptions.PruneInterval), options.PruneInterval, TimeSpan.FromSeconds(1));
        AtLeast(errors, nameof(JobsOptions.ExpiryScanInterval), options.ExpiryScanInterval, TimeSpan.FromSeconds(1));
        AtLeast(errors, nameof(JobsOptions.IssuanceRetention), options.IssuanceRetention, TimeSpan.Zero);
        AtLeast(errors, nameof(JobsOptions.AttestedNodeRetention), options.AttestedNodeRetention, TimeSpan.Zero);
        AtLeast(errors, nameof(JobsOptions.AuthorityRetention), options.AuthorityRetention, TimeSpan.Zero);
        if (options.TombstoneRetentionRevisions < 0)
        {
            errors.Add($"{JobsOptions.SectionName}:{nameof(JobsOptions.TombstoneRetentionRevisions)} must be 0 or more (got {options.TombstoneRetentionRevisions})");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void AtLeast(List<string> errors, string key, TimeSpan value, TimeSpan minimum)
    {
        if (value < minimum)
        {
            errors.Add($"{JobsOptions.SectionName}:{key} must be at least {minimum:c} (got {value:c})");
        }
    }
}
