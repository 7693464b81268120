namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>Key algorithms a key manager can hold. Zero is unspecified and always rejected.</summary>
public enum KeyType
{
    /// <summary>Not set; rejected everywhere.</summary>
    Unspecified = 0,

    /// <summary>ECDSA on NIST P-256 (the default).</summary>
    EcP256 = 1,

    /// <summary>ECDSA on NIST P-384.</summary>
    EcP384 = 2,

    /// <summary>RSA, 2048-bit modulus.</summary>
    Rsa2048 = 3,

    /// <summary>RSA, 4096-bit modulus.</summary>
    Rsa4096 = 4,
}
