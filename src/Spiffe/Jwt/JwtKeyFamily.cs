namespace IdentityIssuer.Spiffe.Jwt;

/// <summary>The key and signature scheme a JWS algorithm needs.</summary>
public enum JwtKeyFamily
{
    /// <summary>Not a supported algorithm; always rejected.</summary>
    Unspecified = 0,

    /// <summary>ECDSA with an IEEE P1363 (r||s) signature: ES256/ES384/ES512.</summary>
    Ecdsa = 1,

    /// <summary>RSASSA-PKCS1-v1_5: RS256/RS384/RS512.</summary>
    RsaPkcs1 = 2,

    /// <summary>RSASSA-PSS with salt length equal to the hash length: PS256/PS384/PS512.</summary>
    RsaPss = 3,
}
