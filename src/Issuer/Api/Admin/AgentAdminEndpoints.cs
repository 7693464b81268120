using IdentityIssuer.Attestation;
using IdentityIssuer.Issuer.Api.Admin.Contracts;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Registration;
using IdentityIssuer.Issuer.Revocation;
using IdentityIssuer.Spiffe;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Issuer.Api.Admin;

/// <summary>
/// Agent management on the admin API: list and show attested agents, evict (delete the node so the
/// agent must attest again) and ban/unban (the node stays, every attestation and mTLS call is refused).
/// A ban also revokes every unexpired X509-SVID the agent obtained (its own and its workloads').
/// </summary>
internal static partial class AgentAdminEndpoints
{
    /// <summary>Maps <c>/agents…</c> on the admin group (which carries the error filter).</summary>
    public static void MapAgentAdminApi(this RouteGroupBuilder v1)
    {
        v1.MapGet("/agents", async (HttpRequest request, IDataStore store, CancellationToken ct) =>
        {
            var errors = new List<FieldError>();
            var (pageSize, token) = AdminPaging.Read(request.Query, errors);
            if (errors.Count > 0)
            {
                throw new EntryValidationException(errors);
            }

            Page<AttestedNode> page;
            try
            {
                page = await store.ListAttestedNodesAsync(pageSize, token, ct);
            }
            catch (ArgumentException) when (token is not null)
            {
                throw new EntryValidationException([AdminPaging.BadToken]);
            }

            return Results.Ok(new AgentListView([.. page.Items.Select(ToView)], page.NextPageToken));
        });

        v1.MapGet("/agents/{*id}", async (string? id, IDataStore store, CaManager ca, CancellationToken ct) =>
        {
            var agentId = ParseAgentId(ca, "id", id is null ? null : Uri.UnescapeDataString(id));
            return Results.Ok(ToView(await FindAsync(store, agentId, ct)));
        });

        v1.MapPost("/agents/evict", async (AgentActionRequest body, IDataStore store, CaManager ca, ILoggerFactory logs, CancellationToken ct) =>
        {
            var agentId = ParseAgentId(ca, "agentId", body.AgentId);
            var node = await FindAsync(store, agentId, ct);
            if (!await store.DeleteAttestedNodeAsync(agentId, ct))
            {
                throw new NotFoundException($"no attested agent '{agentId}'");
            }

            LogAction(Logger(logs), agentId, "evicted");
            return Results.Ok(ToView(node));
        });

        v1.MapPost("/agents/ban", async (AgentActionRequest body, HttpContext context, IDataStore store, CaManager ca, SvidRevocationService revocations, ILoggerFactory logs, CancellationToken ct) =>
        {
            var result = await SetBannedAsync(body, true, store, ca, Logger(logs), ct);
            try
            {
                await revocations.RevokeAsync(new SvidSelector(null, null, null, ParseAgentId(ca, "agentId", body.AgentId)), "ban:" + AdminCaller.Describe(context), "agent banned", ct);
            }
            catch (NotFoundException)
            {
                // Nothing unexpired to revoke.
            }

            return result;
        });

        v1.MapPost("/agents/unban", (AgentActionRequest body, IDataStore store, CaManager ca, ILoggerFactory logs, CancellationToken ct) =>
            SetBannedAsync(body, false, store, ca, Logger(logs), ct));
    }

    private static async Task<IResult> SetBannedAsync(AgentActionRequest body, bool banned, IDataStore store, CaManager ca, ILogger logger, CancellationToken ct)
    {
        var agentId = ParseAgentId(ca, "agentId", body.AgentId);
        if (!await store.SetAttestedNodeBannedAsync(agentId, banned, ct))
        {
            throw new NotFoundException($"no attested agent '{agentId}'");
        }

        LogAction(logger, agentId, banned ? "banned" : "unbanned");
        return Results.Ok(ToView(await FindAsync(store, agentId, ct)));
    }

    private static async Task<AttestedNode> FindAsync(IDataStore store, string agentId, CancellationToken ct) =>
        await store.GetAttestedNodeAsync(agentId, ct) ?? throw new NotFoundException($"no attested agent '{agentId}'");

    /// <summary>The canonical agent ID, or a 400 naming <paramref name="field"/>.</summary>
    private static string ParseAgentId(CaManager ca, string field, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new EntryValidationException([new FieldError(field, "is required (the agent's SPIFFE ID)")]);
        }

        if (!SpiffeId.TryParse(value, out var id, out var error))
        {
            throw new EntryValidationException([new FieldError(field, $"'{InputEcho.Of(value)}' is not a valid SPIFFE ID: {error}")]);
        }

        if (id.TrustDomain != ca.TrustDomain || !ReservedIds.IsAgent(id))
        {
            throw new EntryValidationException([new FieldError(field, $"'{InputEcho.Of(value)}' is not an agent ID (agent IDs are spiffe://{ca.TrustDomain.Name}{ReservedIds.AgentPrefix}…)")]);
        }

        return id.ToString();
    }

    private static ILogger Logger(ILoggerFactory logs) => logs.CreateLogger("IdentityIssuer.Issuer.Api.Admin.AgentManagement");

    internal static AgentView ToView(AttestedNode node) => new(
        node.SpiffeId,
        node.AttestationType,
        node.CertificateSerial,
        node.CertificateNotAfter,
        node.Banned,
        node.CanReattest,
        node.Selectors,
        node.CreatedAt,
        node.LastSeenAt,
        node.NewCertificateSerial);

    [LoggerMessage(EventId = 620, Level = LogLevel.Warning, Message = "Admin: agent {AgentId} {Action}")]
    private static partial void LogAction(ILogger logger, string agentId, string action);
}
