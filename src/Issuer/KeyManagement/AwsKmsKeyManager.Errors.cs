using System.Net;
using System.Net.Sockets;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;

namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>
/// Turns what the SDK throws (after its own retries) into <see cref="KeyManagerException"/>: the
/// operation, the alias or key, what KMS said, and the setting or credentials to look at. AWS error
/// messages name the caller's ARN and the action, never the secret key.
/// </summary>
internal sealed partial class AwsKmsKeyManager
{
    private static readonly HashSet<string> CredentialErrors = new(StringComparer.Ordinal)
    {
        "UnrecognizedClientException", "InvalidSignatureException", "IncompleteSignature", "InvalidClientTokenId",
        "MissingAuthenticationToken", "MissingAuthenticationTokenException", "ExpiredTokenException", "SignatureDoesNotMatch",
    };

    private static readonly HashSet<string> TransientErrors = new(StringComparer.Ordinal)
    {
        "ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded", "KMSInternalException",
        "DependencyTimeoutException", "KeyUnavailableException", "ServiceUnavailable", "InternalFailure",
    };

    /// <summary>Runs one KMS call; every failure but the caller's cancellation becomes a <see cref="KeyManagerException"/>.</summary>
    private async Task<T> CallAsync<T>(string operation, string subject, CancellationToken cancellationToken, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (AmazonServiceException e)
        {
            throw ServiceFailure(operation, subject, e);
        }
        catch (AmazonClientException e)
        {
            throw new KeyManagerException(
                $"AWS KMS {operation} {subject} failed before reaching {EndpointName}: {e.Message} (check {_settings}:Region, {_settings}:Endpoint and the AWS credentials the SDK finds)",
                isTransient: IsNetworkFault(e), e);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && IsNetworkFault(e))
        {
            throw new KeyManagerException(
                $"AWS KMS {operation} {subject}: cannot reach {EndpointName} ({e.Message}); check {_settings}:Endpoint and {_settings}:Region", isTransient: true, e);
        }
    }

    private string EndpointName => string.IsNullOrWhiteSpace(_options.Endpoint)
        ? $"the AWS KMS endpoint of region {_options.Region}"
        : $"'{_options.Endpoint.Trim()}'";

    private KeyManagerException ServiceFailure(string operation, string subject, AmazonServiceException e)
    {
        var code = e.ErrorCode ?? string.Empty;
        var said = string.IsNullOrWhiteSpace(e.Message) ? code : $"{code}: {e.Message}";
        if (code is "AccessDeniedException" or "AccessDenied")
        {
            return new KeyManagerException(
                $"AWS KMS denied {operation} {subject} ({said}). Check that the AWS credentials the SDK finds (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or the instance role) "
                + $"are allowed kms:{operation} on keys and aliases under {_settings}:AliasPrefix '{_prefix}' in {_settings}:Region '{_options.Region}'",
                isTransient: false, e);
        }

        if (CredentialErrors.Contains(code))
        {
            return new KeyManagerException(
                $"AWS KMS refused the credentials for {operation} {subject} ({said}). Check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or the instance role, and the clock",
                isTransient: false, e);
        }

        if (e is NotFoundException)
        {
            return new KeyManagerException($"AWS KMS {operation} {subject}: not found ({said})", isTransient: false, e);
        }

        if (e is KMSInvalidStateException or DisabledException)
        {
            return new KeyManagerException(
                $"AWS KMS {operation} {subject}: the key cannot be used in its current state ({said}); it may be disabled or scheduled for deletion "
                + "(aws kms cancel-key-deletion / enable-key), or was replaced or deleted by the issuer",
                isTransient: false, e);
        }

        var transient = TransientErrors.Contains(code) || (int)e.StatusCode >= 500 || e.StatusCode == HttpStatusCode.TooManyRequests;
        return new KeyManagerException(
            transient
                ? $"AWS KMS {operation} {subject} still failed after {_options.MaxRetries} retries ({said}); raise {_settings}:MaxRetries or the account's KMS request quota if this persists"
                : $"AWS KMS {operation} {subject} failed ({said})",
            transient, e);
    }

    private static bool IsNetworkFault(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is HttpRequestException or SocketException or IOException or TimeoutException or TaskCanceledException)
            {
                return true;
            }
        }

        return false;
    }
}
