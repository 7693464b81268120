using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Issuer.Api.Agent;

/// <summary>Agent API log events (600–619). Payloads, tokens and keys are never logged; refusal reasons never hold them.</summary>
internal static partial class AgentApiLog
{
    [LoggerMessage(EventId = 600, Level = LogLevel.Information, Message = "Agent {AgentId} attested with {AttestationType}; SVID serial {Serial} valid until {NotAfter:O}")]
    public static partial void Attested(ILogger logger, string agentId, string attestationType, string serial, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 602, Level = LogLevel.Information, Message = "Agent {AgentId} renewed its SVID; serial {Serial} valid until {NotAfter:O}")]
    public static partial void Renewed(ILogger logger, string agentId, string serial, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 603, Level = LogLevel.Warning, Message = "Agent API request {Path} refused with {Status}: {Reason}")]
    public static partial void Refused(ILogger logger, string path, int status, string reason);

    [LoggerMessage(EventId = 604, Level = LogLevel.Debug, Message = "Signed {Count} X509-SVIDs for agent {AgentId}")]
    public static partial void Signed(ILogger logger, int count, string agentId);

    [LoggerMessage(EventId = 606, Level = LogLevel.Warning, Message = "Entry {EntryId} ({SpiffeId}) asks for {Kind}-SVIDs valid {Ttl}, above the issuer's maximum {Max}; signing them capped at the maximum (lower the entry's TTL to silence this)")]
    public static partial void TtlCapped(ILogger logger, string kind, string entryId, string spiffeId, TimeSpan ttl, TimeSpan max);

    [LoggerMessage(EventId = 605, Level = LogLevel.Error, Message = "Agent API request {Path} failed")]
    public static partial void Failed(ILogger logger, string path, Exception exception);
}
