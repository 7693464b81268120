namespace IdentityIssuer.Tests.Common.Certificates;

/// <summary>The key a test certificate gets.</summary>
public enum TestKeyType
{
    /// <summary>Not chosen; rejected.</summary>
    Unspecified = 0,
    EcP256 = 1,
    EcP384 = 2,
    EcP521 = 3,
    Rsa2048 = 4,
}
