using IdentityIssuer.Attestation;
using IdentityIssuer.Issuer.Api.Admin.Contracts;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Registration;
using IdentityIssuer.Issuer.Revocation;
using IdentityIssuer.Spiffe;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace IdentityIssuer.Issuer.Api.Admin;

/// <summary><c>POST /v1/svids/revoke</c>: revokes X509-SVIDs by serial, SPIFFE ID, entry or agent.</summary>
internal static class RevocationEndpoints
{
    public static void MapRevocationApi(this RouteGroupBuilder v1)
    {
        v1.MapPost("/svids/revoke", async (SvidRevokeRequest body, HttpContext context, SvidRevocationService revocations, CaManager ca, CancellationToken ct) =>
        {
            var selector = Parse(body, ca.TrustDomain);
            var result = await revocations.RevokeAsync(selector, AdminCaller.Describe(context), body.Reason ?? string.Empty, ct);
            return Results.Ok(ToView(result));
        });
    }

    internal static SvidRevokeView ToView(SvidRevocationResult result) => new(
        [.. result.Svids.Select(s => new RevokedSvidView(s.Serial, s.SpiffeId, s.EntryId, s.AuthorityId, s.NotAfter))],
        result.AlreadyRevoked);

    /// <summary>Exactly one selector, each checked; every problem is reported at once.</summary>
    private static SvidSelector Parse(SvidRevokeRequest body, TrustDomain trustDomain)
    {
        var errors = new List<FieldError>();
        var given = new[] { body.Serial, body.SpiffeId, body.EntryId, body.AgentId }.Count(v => !string.IsNullOrEmpty(v));
        if (given != 1)
        {
            errors.Add(new("serial", given == 0
                ? "say which SVIDs to revoke: one of serial, spiffeId, entryId or agentId"
                : "give only one of serial, spiffeId, entryId or agentId"));
            throw new EntryValidationException(errors);
        }

        string? serial = null;
        if (!string.IsNullOrEmpty(body.Serial))
        {
            serial = NormalizeSerial(body.Serial);
            if (serial is null)
            {
                errors.Add(new("serial", $"'{InputEcho.Of(body.Serial)}' is not a certificate serial number (hex, e.g. as 'openssl x509 -serial' prints it)"));
            }
        }

        string? spiffeId = null;
        if (!string.IsNullOrEmpty(body.SpiffeId))
        {
            spiffeId = CheckId("spiffeId", body.SpiffeId, trustDomain, errors);
        }

        string? agentId = null;
        if (!string.IsNullOrEmpty(body.AgentId))
        {
            agentId = CheckId("agentId", body.AgentId, trustDomain, errors);
            if (agentId is not null && !ReservedIds.IsAgent(SpiffeId.Parse(agentId)))
            {
                errors.Add(new("agentId", $"'{InputEcho.Of(body.AgentId)}' is not an agent ID (agent IDs are spiffe://{trustDomain.Name}{ReservedIds.AgentPrefix}…)"));
            }
        }

        if (errors.Count > 0)
        {
            throw new EntryValidationException(errors);
        }

        return new SvidSelector(serial, spiffeId, string.IsNullOrEmpty(body.EntryId) ? null : body.EntryId, agentId);
    }

    /// <summary>A serial as stored (lowercase hex, no colons or 0x), or null when it is not a certificate serial number.</summary>
    internal static string? NormalizeSerial(string text)
    {
        var hex = text.Replace(":", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
        if (hex.StartsWith("0x", StringComparison.Ordinal))
        {
            hex = hex[2..];
        }

        return hex.Length is 0 or > 40 || hex.Length % 2 != 0 || !hex.All(char.IsAsciiHexDigit) ? null : hex;
    }

    internal static string? CheckId(string field, string value, TrustDomain trustDomain, List<FieldError> errors)
    {
        if (!SpiffeId.TryParse(value, out var id, out var error))
        {
            errors.Add(new(field, $"'{InputEcho.Of(value)}' is not a valid SPIFFE ID: {error}"));
            return null;
        }

        if (id.TrustDomain != trustDomain)
        {
            errors.Add(new(field, $"'{InputEcho.Of(value)}' is not in trust domain {trustDomain.Name}"));
            return null;
        }

        return id.ToString();
    }
}
