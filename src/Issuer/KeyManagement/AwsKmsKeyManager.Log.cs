using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>Log events of the AWS KMS key manager (event ids 2160–2179). Credentials are never logged.</summary>
internal sealed partial class AwsKmsKeyManager
{
    [LoggerMessage(EventId = 2180, Level = LogLevel.Information, Message = "Generated {KeyType} key {KeyId} in AWS KMS as {Alias} ({KmsKeyId})")]
    private partial void LogKeyGenerated(string keyId, string keyType, string alias, string kmsKeyId);

    [LoggerMessage(EventId = 2181, Level = LogLevel.Information, Message = "Deleted key {KeyId}: removed alias {Alias}; KMS key {KmsKeyId} is scheduled for deletion in {Days} days")]
    private partial void LogKeyDeleted(string keyId, string alias, string kmsKeyId, int days);

    [LoggerMessage(EventId = 2182, Level = LogLevel.Warning,
        Message = "Could not schedule the deletion of KMS key {KmsKeyId} (was {Alias}); no alias names it any more, so the issuer will not use it. Schedule it by hand: {Reason}")]
    private partial void LogDeletionFailed(string kmsKeyId, string alias, string reason);
}
