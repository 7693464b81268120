using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Agent.Sync;

/// <summary>The agent loop's log messages.</summary>
internal sealed partial class AgentService
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Attested with {Attestor} as {AgentId}; SVID valid until {NotAfter:O}")]
    private static partial void LogAttested(ILogger logger, string attestor, string agentId, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Resumed saved agent SVID {AgentId}, valid until {NotAfter:O}")]
    private static partial void LogResumed(ILogger logger, string agentId, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "Renewed agent SVID {AgentId}, valid until {NotAfter:O}")]
    private static partial void LogRenewed(ILogger logger, string agentId, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Attesting again: the issuer no longer accepts {AgentId} ({Reason})")]
    private static partial void LogReattesting(ILogger logger, string agentId, string reason);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Sync failed; retrying in {Delay}: {Reason}")]
    private static partial void LogLoopFailed(ILogger logger, TimeSpan delay, string reason, Exception? exception);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "Saved agent state cannot be used, attesting instead: {Reason}")]
    private static partial void LogSavedStateUnusable(ILogger logger, string reason);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Debug, Message = "Minted workload SVID {SpiffeId} for entry {EntryId}, valid until {NotAfter:O}")]
    private static partial void LogSvidMinted(ILogger logger, string spiffeId, string entryId, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Information, Message = "Entry {EntryId} is no longer authorized for this agent; its SVID is dropped")]
    private static partial void LogEntryDropped(ILogger logger, string entryId);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Error, Message = "Attestation with {Attestor} failed: {Reason}; retrying in {Delay}")]
    private static partial void LogAttestationFailed(ILogger logger, string attestor, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 1109, Level = LogLevel.Warning, Message = "The SVID of entry {EntryId} expired before it could be renewed; it is no longer served")]
    private static partial void LogSvidExpired(ILogger logger, string entryId);

    [LoggerMessage(EventId = 1110, Level = LogLevel.Information, Message = "Replacing workload SVID {SpiffeId} of entry {EntryId}: signed by tainted authority {AuthorityId}")]
    private static partial void LogSvidTainted(ILogger logger, string spiffeId, string entryId, string authorityId);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Warning, Message = "Workload SVID {SpiffeId} of entry {EntryId} (serial {Serial}) is revoked; it is no longer served and is replaced")]
    private static partial void LogSvidRevoked(ILogger logger, string spiffeId, string entryId, string serial);

    [LoggerMessage(EventId = 1112, Level = LogLevel.Warning, Message = "Renewing agent SVID {AgentId} (serial {Serial}) at once: {Reason}")]
    private static partial void LogAgentSvidDistrusted(ILogger logger, string agentId, string serial, string reason);

    [LoggerMessage(EventId = 1113, Level = LogLevel.Warning, Message = "Ignoring a CRL: {Reason}")]
    private static partial void LogCrlRejected(ILogger logger, string reason);

    [LoggerMessage(EventId = 1114, Level = LogLevel.Information, Message = "CRLs updated: {Count} verified (version {Version})")]
    private static partial void LogCrlsUpdated(ILogger logger, int count, string version);
}
