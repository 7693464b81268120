namespace IdentityIssuer.Issuer.Configuration;

/// <summary>The shortest SVID lifetime anyone may ask for; shorter ones rotate faster than agents sync.</summary>
internal static class SvidTtlLimits
{
    /// <summary>Ten seconds.</summary>
    public static readonly TimeSpan Minimum = TimeSpan.FromSeconds(10);
}
