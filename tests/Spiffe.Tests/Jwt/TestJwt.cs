using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using IdentityIssuer.Spiffe.Jwt;

namespace IdentityIssuer.Spiffe.Tests.Jwt;

/// <summary>Builds compact JWS tokens in tests, signing with the given key exactly as the alg says.</summary>
internal static class TestJwt
{
    public static string Sign(JsonObject header, JsonObject claims, AsymmetricAlgorithm key)
    {
        var alg = (string)header["alg"]!;
        var signingInput = Encode(header.ToJsonString()) + "." + Encode(claims.ToJsonString());
        var data = Encoding.ASCII.GetBytes(signingInput);
        JwtAlgorithms.TryGetHash(alg, out var hash);
        var signature = JwtAlgorithms.GetKeyFamily(alg) switch
        {
            JwtKeyFamily.Ecdsa => ((ECDsa)key).SignData(data, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
            JwtKeyFamily.RsaPkcs1 => ((RSA)key).SignData(data, hash, RSASignaturePadding.Pkcs1),
            JwtKeyFamily.RsaPss => ((RSA)key).SignData(data, hash, RSASignaturePadding.Pss),
            _ => ((ECDsa)key).SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
        };
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    public static string Unsigned(JsonObject header, JsonObject claims) =>
        Encode(header.ToJsonString()) + "." + Encode(claims.ToJsonString()) + ".";

    public static string Encode(string json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));
}
