namespace IdentityIssuer.Agent.Cache;

/// <summary>A workload asked for more new JWT-SVID audience sets than the agent mints per minute; the message names the limit.</summary>
internal sealed class JwtSvidRateLimitException : Exception
{
    public JwtSvidRateLimitException(string message)
        : base(message)
    {
    }
}
