using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IdentityIssuer.Issuer.Configuration;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Ops.Metrics;
using IdentityIssuer.Spiffe;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Issuer.Ca;

/// <summary>A minted JWT-SVID.</summary>
internal sealed record MintedJwtSvid(SpiffeId SpiffeId, string Token, string KeyId, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt);

/// <summary>
/// Mints JWT-SVIDs: compact JWS with header alg, kid and typ JWT; claims sub, aud (array), exp, iat, jti.
/// The signature comes from the key manager; every token is recorded by its jti.
/// </summary>
internal sealed partial class JwtSvidMinter
{
    private readonly CaManager _ca;
    private readonly IDataStore _store;
    private readonly IssuerOptions _issuer;
    private readonly TimeProvider _time;
    private readonly ILogger<JwtSvidMinter> _logger;
    private readonly IssuerMetrics? _metrics;

    /// <param name="metrics">Counts and times what is minted; null where no metrics are registered (the migrate command).</param>
    public JwtSvidMinter(CaManager ca, IDataStore store, IOptions<IssuerOptions> issuer, TimeProvider time, ILogger<JwtSvidMinter> logger, IssuerMetrics? metrics = null)
    {
        _metrics = metrics;
        _ca = ca;
        _store = store;
        _issuer = issuer.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Mints one JWT-SVID for <paramref name="spiffeId"/> and the given audience.</summary>
    public Task<MintedJwtSvid> MintAsync(SpiffeId spiffeId, IReadOnlyList<string> audience, TimeSpan ttl, string? entryId, string caller, CancellationToken cancellationToken) =>
        MintAsync(spiffeId, audience, ttl, entryId, caller, null, cancellationToken);

    /// <summary>Mints one JWT-SVID, recording <paramref name="context"/> (why it was asked for) in its issuance record.</summary>
    public async Task<MintedJwtSvid> MintAsync(SpiffeId spiffeId, IReadOnlyList<string> audience, TimeSpan ttl, string? entryId, string caller, SvidIssuanceContext? context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spiffeId);
        ArgumentNullException.ThrowIfNull(audience);
        if (!spiffeId.IsMemberOf(_ca.TrustDomain) || spiffeId.IsRoot)
        {
            throw new CaException($"SPIFFE ID {spiffeId} must be in trust domain {_ca.TrustDomain} and have a path");
        }

        if (audience.Count == 0 || audience.Any(string.IsNullOrWhiteSpace))
        {
            throw new CaException("audience must have at least one value and no empty values");
        }

        ttl = ttl == TimeSpan.Zero ? _issuer.DefaultJwtSvidTtl : ttl;
        if (ttl < SvidTtlLimits.Minimum || ttl > _issuer.MaxJwtSvidTtl)
        {
            throw new CaException($"ttl {ttl} is outside {SvidTtlLimits.Minimum}..{_issuer.MaxJwtSvidTtl}");
        }

        var authority = _ca.ActiveJwt;
        var now = _time.GetUtcNow();
        var issuedAt = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        var expiresAt = issuedAt + ttl;
        if (expiresAt > authority.Record.NotAfter)
        {
            expiresAt = DateTimeOffset.FromUnixTimeSeconds(authority.Record.NotAfter.ToUnixTimeSeconds());
        }

        var jti = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var header = JsonSerializer.SerializeToUtf8Bytes(new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["alg"] = authority.Algorithm,
            ["kid"] = authority.KeyId,
            ["typ"] = "JWT",
        });
        var claims = Claims(spiffeId, audience, expiresAt, issuedAt, jti);
        var signingInput = $"{System.Buffers.Text.Base64Url.EncodeToString(header)}.{System.Buffers.Text.Base64Url.EncodeToString(claims)}";
        var digest = Hash(authority.Hash, Encoding.ASCII.GetBytes(signingInput));
        var signingStarted = System.Diagnostics.Stopwatch.GetTimestamp();
        var signature = await authority.Signer.SignDigestAsync(digest, authority.Hash, cancellationToken);
        _metrics?.Signed(SvidKind.Jwt, System.Diagnostics.Stopwatch.GetElapsedTime(signingStarted));
        var token = $"{signingInput}.{System.Buffers.Text.Base64Url.EncodeToString(signature)}";

        await _store.AddIssuanceRecordsAsync(
            [
                new IssuanceRecord
                {
                    Serial = jti,
                    Kind = SvidKind.Jwt,
                    SpiffeId = spiffeId.ToString(),
                    EntryId = entryId,
                    Caller = caller,
                    NotBefore = issuedAt,
                    NotAfter = expiresAt,
                    KeyType = authority.Algorithm,
                    SigningAuthority = authority.KeyId,
                    CreatedAt = now,
                    EntryRevision = context?.EntryRevision,
                    NodeAttestor = context?.NodeAttestor,
                    NodeSelectors = context?.NodeSelectors,
                    WorkloadSelectors = context?.WorkloadSelectors,
                },
            ],
            cancellationToken);
        _metrics?.Minted(SvidKind.Jwt, 1);
        LogMinted(_logger, spiffeId.ToString(), jti, expiresAt, authority.KeyId);
        return new MintedJwtSvid(spiffeId, token, authority.KeyId, issuedAt, expiresAt);
    }

    private static byte[] Claims(SpiffeId spiffeId, IReadOnlyList<string> audience, DateTimeOffset expiresAt, DateTimeOffset issuedAt, string jti)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("sub", spiffeId.ToString());
            writer.WriteStartArray("aud");
            foreach (var a in audience)
            {
                writer.WriteStringValue(a);
            }

            writer.WriteEndArray();
            writer.WriteNumber("exp", expiresAt.ToUnixTimeSeconds());
            writer.WriteNumber("iat", issuedAt.ToUnixTimeSeconds());
            writer.WriteString("jti", jti);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static byte[] Hash(HashAlgorithmName name, byte[] data)
    {
        if (name == HashAlgorithmName.SHA384)
        {
            return SHA384.HashData(data);
        }

        if (name == HashAlgorithmName.SHA512)
        {
            return SHA512.HashData(data);
        }

        return SHA256.HashData(data);
    }


    [LoggerMessage(EventId = 210, Level = LogLevel.Debug, Message = "Minted JWT-SVID {SpiffeId} jti {Jti} until {ExpiresAt:O} with kid {KeyId}")]
    private static partial void LogMinted(ILogger logger, string spiffeId, string jti, DateTimeOffset expiresAt, string keyId);
}
