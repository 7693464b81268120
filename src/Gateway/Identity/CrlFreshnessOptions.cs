namespace IdentityIssuer.Gateway.Identity;

/// <summary>
/// How old a CRL may be before it fails closed like an unreadable one: past its nextUpdate by more
/// than <see cref="Grace"/>, or issued (thisUpdate) more than <see cref="ClockSkew"/> in the future.
/// The gateway reads them from <c>Gateway:CrlGrace</c> and <c>Gateway:CrlClockSkew</c>; a tool API
/// using <c>AddWorkloadAuthorization</c> gets the defaults unless it registers its own instance first.
/// </summary>
public sealed class CrlFreshnessOptions
{
    /// <summary>The default <see cref="Grace"/>: 5 minutes, time for the agent to pass on the issuer's next CRL.</summary>
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromMinutes(5);

    /// <summary>The default <see cref="ClockSkew"/>: 1 minute, as for JWT-SVIDs.</summary>
    public static readonly TimeSpan DefaultClockSkew = TimeSpan.FromMinutes(1);

    /// <summary>How long past its nextUpdate a CRL is still relied on.</summary>
    public TimeSpan Grace { get; init; } = DefaultGrace;

    /// <summary>How far in the future a CRL's thisUpdate may be (the issuer's clock ahead of ours).</summary>
    public TimeSpan ClockSkew { get; init; } = DefaultClockSkew;
}
