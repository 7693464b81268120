namespace IdentityIssuer.Agent.WorkloadApi;

internal sealed partial class WorkloadApiService
{
    /// <summary>Workload API log events (ids 400–449; 403–406 are <see cref="WorkloadApiInterceptor"/>'s). Callers are named by pid and uid; keys and tokens never appear.</summary>
    private static partial class Log
    {
        [LoggerMessage(EventId = 400, Level = LogLevel.Debug, Message = "{Method} sent snapshot {Version} to pid {Pid} uid {Uid}: {SpiffeIds}")]
        public static partial void StreamSent(ILogger logger, string method, int pid, int uid, long version, string spiffeIds);

        [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "{Method}: no identity issued to pid {Pid} uid {Uid}")]
        public static partial void NoIdentity(ILogger logger, string method, int pid, int uid);

        [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "Workload attestation of pid {Pid} uid {Uid} failed: {Reason}")]
        public static partial void AttestationFailed(ILogger logger, int pid, int uid, string reason);

        [LoggerMessage(EventId = 407, Level = LogLevel.Information, Message = "JWT-SVID {SpiffeId} for audience {Audience} handed to pid {Pid} uid {Uid}, expires {ExpiresAt:O}")]
        public static partial void JwtSvidIssued(ILogger logger, int pid, int uid, string spiffeId, string audience, DateTimeOffset expiresAt);

        [LoggerMessage(EventId = 408, Level = LogLevel.Information, Message = "JWT-SVID validation for pid {Pid} uid {Uid} failed: {Reason}")]
        public static partial void JwtSvidRejected(ILogger logger, int pid, int uid, string reason);

        [LoggerMessage(EventId = 409, Level = LogLevel.Debug, Message = "JWT-SVID {SpiffeId} for audience {Audience} validated for pid {Pid} uid {Uid}")]
        public static partial void JwtSvidValidated(ILogger logger, int pid, int uid, string spiffeId, string audience);

        [LoggerMessage(EventId = 410, Level = LogLevel.Warning, Message = "JWT bundle of {TrustDomain} in the cache is unusable and is skipped: {Reason}")]
        public static partial void UnusableJwtBundle(ILogger logger, string trustDomain, string reason);

        [LoggerMessage(EventId = 411, Level = LogLevel.Warning, Message = "Workload API call on the connection of pid {Pid} uid {Uid} refused: that process is no longer the caller: {Reason}")]
        public static partial void CallerChanged(ILogger logger, int pid, int uid, string reason);
    }
}
