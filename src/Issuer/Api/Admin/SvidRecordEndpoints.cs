using System.Globalization;
using IdentityIssuer.Attestation;
using IdentityIssuer.Issuer.Api.Admin.Contracts;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Registration;
using IdentityIssuer.Spiffe;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace IdentityIssuer.Issuer.Api.Admin;

/// <summary>
/// The issuance record, queried: <c>GET /v1/svids</c> (filtered, paged) and <c>GET /v1/svids/{serial}</c>,
/// which explains one SVID (entry, agent, node and workload selectors, authority, revocation and CRL).
/// </summary>
internal static class SvidRecordEndpoints
{
    /// <summary>Longest <c>expiringWithin</c> accepted: longer than any SVID lives.</summary>
    public static readonly TimeSpan MaxExpiringWithin = TimeSpan.FromDays(3650);

    public static void MapSvidRecordApi(this RouteGroupBuilder v1)
    {
        v1.MapGet("/svids", async (HttpRequest request, IDataStore store, CaManager ca, TimeProvider time, CancellationToken ct) =>
        {
            var filter = ParseFilter(request.Query, ca.TrustDomain, time.GetUtcNow());
            Page<IssuanceRecord> page;
            try
            {
                page = await store.ListIssuanceRecordsAsync(filter, ct);
            }
            catch (ArgumentException) when (filter.PageToken is not null)
            {
                throw new EntryValidationException([AdminPaging.BadToken]);
            }

            return Results.Ok(new SvidListView([.. page.Items.Select(ToView)], page.NextPageToken));
        });

        v1.MapGet("/svids/{serial}", async (string serial, IDataStore store, CancellationToken ct) =>
        {
            var normalized = RevocationEndpoints.NormalizeSerial(serial)
                ?? throw new EntryValidationException([new FieldError("serial", $"'{InputEcho.Of(serial)}' is not a serial number or JWT id (hex, e.g. as 'openssl x509 -serial' prints it)")]);
            var records = (await store.ListIssuanceRecordsAsync(new IssuanceFilter { Serial = normalized }, ct)).Items;
            var record = records.FirstOrDefault(r => r.Kind == SvidKind.X509) ?? records.FirstOrDefault()
                ?? throw new NotFoundException($"the issuance record holds no SVID with serial '{normalized}' (records are pruned some time after the SVID expires)");
            return Results.Ok(await ExplainAsync(record, store, ct));
        });
    }

    internal static SvidRecordView ToView(IssuanceRecord r) => new(
        r.Serial,
        r.Kind == SvidKind.Jwt ? "jwt" : "x509",
        r.SpiffeId,
        r.EntryId,
        r.Caller,
        r.SigningAuthority,
        r.NotBefore,
        r.NotAfter,
        r.CreatedAt,
        r.RevokedAt);

    private static async Task<SvidExplanationView> ExplainAsync(IssuanceRecord record, IDataStore store, CancellationToken ct)
    {
        SvidEntryExplanation? entry = null;
        if (record.EntryId is { } entryId)
        {
            var current = await store.GetEntryAsync(entryId, ct);
            entry = new SvidEntryExplanation(
                entryId,
                current is not null,
                current?.SpiffeId,
                current?.ParentId,
                current is null ? [] : [.. current.Selectors.Select(s => s.ToString())],
                record.EntryRevision,
                current?.RevisionNumber);
        }

        SvidAgentExplanation? agent = null;
        if (SpiffeId.TryParse(record.Caller, out var callerId, out _) && ReservedIds.IsAgent(callerId))
        {
            var node = await store.GetAttestedNodeAsync(record.Caller, ct);
            agent = new SvidAgentExplanation(record.Caller, record.NodeAttestor, record.NodeSelectors, node is not null, node?.Banned ?? false);
        }

        var workload = record switch
        {
            { EntryId: null } => new SvidWorkloadExplanation("not-applicable", []),
            { WorkloadSelectors: null } => new SvidWorkloadExplanation("not-reported", []),
            { WorkloadSelectors.Count: 0 } => new SvidWorkloadExplanation("none-yet", []),
            _ => new SvidWorkloadExplanation("reported", record.WorkloadSelectors),
        };

        var kind = record.Kind == SvidKind.Jwt ? AuthorityKind.Jwt : AuthorityKind.X509;
        var authority = (await store.ListAuthoritiesAsync(kind, ct)).FirstOrDefault(a => a.Id == record.SigningAuthority);
        var authorityView = new SvidAuthorityExplanation(
            record.SigningAuthority,
            kind == AuthorityKind.Jwt ? "jwt" : "x509",
            authority is not null,
            authority?.Replica,
            authority?.Slot,
            authority?.Status.ToString().ToLowerInvariant());

        var revocation = new SvidRevocationExplanation(false, null, null, null, null, null);
        if (record.Kind == SvidKind.X509 && await store.GetRevokedSvidAsync(record.SigningAuthority, record.Serial, ct) is { } revoked)
        {
            var crl = (await store.ListCrlsAsync(ct)).FirstOrDefault(c => c.AuthorityId == record.SigningAuthority);
            revocation = new SvidRevocationExplanation(
                true,
                revoked.RevokedAt,
                revoked.Caller,
                revoked.Reason,
                record.SigningAuthority,
                crl is not null && crl.RevocationRevision >= revoked.Revision ? crl.CrlNumber : null);
        }

        return new SvidExplanationView(ToView(record), record.KeyType, entry, agent, workload, authorityView, revocation);
    }

    /// <summary>The filter of <c>GET /v1/svids</c>; every problem is reported at once.</summary>
    private static IssuanceFilter ParseFilter(IQueryCollection query, TrustDomain trustDomain, DateTimeOffset now)
    {
        var errors = new List<FieldError>();
        var (pageSize, pageToken) = AdminPaging.Read(query, errors);
        string? spiffeId = null;
        if (query["spiffeId"].ToString() is { Length: > 0 } spiffeText)
        {
            spiffeId = RevocationEndpoints.CheckId("spiffeId", spiffeText, trustDomain, errors);
        }

        string? agentId = null;
        if (query["agentId"].ToString() is { Length: > 0 } agentText)
        {
            agentId = RevocationEndpoints.CheckId("agentId", agentText, trustDomain, errors);
            if (agentId is not null && !ReservedIds.IsAgent(SpiffeId.Parse(agentId)))
            {
                errors.Add(new("agentId", $"'{InputEcho.Of(agentText)}' is not an agent ID (agent IDs are spiffe://{trustDomain.Name}{ReservedIds.AgentPrefix}…)"));
            }
        }

        DateTimeOffset? expiresBefore = null;
        if (query.TryGetValue("expiringWithin", out var withinText))
        {
            if (!long.TryParse(withinText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                || seconds < 1 || seconds > (long)MaxExpiringWithin.TotalSeconds)
            {
                errors.Add(new("expiringWithin", $"must be a number of seconds from 1 to {(long)MaxExpiringWithin.TotalSeconds} (got '{InputEcho.Of(withinText.ToString())}')"));
            }
            else
            {
                expiresBefore = now.AddSeconds(seconds);
            }
        }

        var revoked = false;
        if (query.TryGetValue("revoked", out var revokedText) && !bool.TryParse(revokedText, out revoked))
        {
            errors.Add(new("revoked", $"must be true or false (got '{InputEcho.Of(revokedText.ToString())}')"));
        }

        if (errors.Count > 0)
        {
            throw new EntryValidationException(errors);
        }

        return new IssuanceFilter
        {
            SpiffeId = spiffeId,
            EntryId = query["entryId"].ToString() is { Length: > 0 } entryId ? entryId : null,
            Caller = agentId,
            SigningAuthority = query["authorityId"].ToString() is { Length: > 0 } authorityId ? authorityId : null,
            ExpiresAtOrAfter = expiresBefore is null ? null : now,
            ExpiresBefore = expiresBefore,
            Revoked = revoked,
            PageSize = pageSize,
            PageToken = pageToken,
        };
    }
}
