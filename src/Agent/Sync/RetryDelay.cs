namespace IdentityIssuer.Agent.Sync;

/// <summary>
/// How long the agent's loop waits after a failed round. While the issuer is unavailable (no replica
/// reachable, timed out or 503) it tries again every sync interval, so it renews within one interval
/// of the issuer coming back; other failures back off, doubling up to 30 s (or the sync interval, if longer).
/// </summary>
internal static class RetryDelay
{
    /// <summary>The longest back-off for failures other than an unavailable issuer.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>The delay after a failure, given the delay after the previous round.</summary>
    public static TimeSpan Next(TimeSpan previous, TimeSpan syncInterval, bool issuerUnavailable)
    {
        if (issuerUnavailable)
        {
            return syncInterval;
        }

        var max = syncInterval > MaxBackoff ? syncInterval : MaxBackoff;
        var doubled = previous * 2;
        return doubled > max ? max : doubled;
    }
}
