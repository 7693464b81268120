using System.Collections.Concurrent;
using Amazon;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>
/// Keeps every key in AWS KMS as an asymmetric SIGN_VERIFY key (ECC_NIST_P256, ECC_NIST_P384,
/// RSA_2048, RSA_4096) named by an alias (<see cref="AwsKmsAliases"/>); the private key never leaves
/// KMS. Replacing a key creates the new KMS key, points the alias at it, then schedules the old one
/// for deletion; deleting removes the alias, then schedules the key's deletion. A failure before the
/// alias moves leaves the old key under the alias, and the half-made new key is scheduled for
/// deletion. Throttling and 5xx answers are retried by the SDK (standard retry mode, backoff with
/// jitter); what is left becomes a <see cref="KeyManagerException"/> naming the alias and the setting.
/// </summary>
/// <remarks>
/// Changes are serialised within the process; two issuers must not share an alias prefix. Public
/// keys are cached by KMS key id (they never change), so listing costs one ListAliases page per
/// hundred aliases plus one GetPublicKey per key not seen before.
/// </remarks>
internal sealed partial class AwsKmsKeyManager : IKeyManager, IDisposable
{
    private const int ListPageSize = 100;

    /// <summary>The waiting period for a key this manager made but never published: the shortest KMS allows.</summary>
    private const int OrphanDeletionDays = 7;

    private readonly IAmazonKeyManagementService _kms;
    private readonly bool _ownsClient;
    private readonly AwsKmsKeyManagerOptions _options;
    private readonly string _settings;
    private readonly string _prefix;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _changes = new(1, 1);
    private readonly ConcurrentDictionary<string, CachedKey> _publicKeys = new(StringComparer.Ordinal);
    private volatile bool _disposed;

    /// <summary>Creates a manager over <paramref name="kms"/>; <paramref name="sectionPath"/> (e.g. <c>KeyManager</c>) names settings in errors.</summary>
    public AwsKmsKeyManager(IAmazonKeyManagementService kms, AwsKmsKeyManagerOptions options, string sectionPath, ILogger<AwsKmsKeyManager>? logger = null, bool ownsClient = true)
    {
        ArgumentNullException.ThrowIfNull(kms);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(sectionPath);
        _kms = kms;
        _ownsClient = ownsClient;
        _options = options;
        _settings = $"{sectionPath}:{AwsKmsKeyManagerOptions.SectionName}";
        _prefix = options.AliasPrefix;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public string Name => KeyManagerOptions.AwsKmsType;

    /// <summary>Builds the manager from validated options, with credentials from the AWS SDK's default chain.</summary>
    internal static IKeyManager Create(AwsKmsKeyManagerOptions options, string sectionPath, IServiceProvider services) =>
        new AwsKmsKeyManager(CreateClient(options, credentials: null), options, sectionPath, services.GetService<ILogger<AwsKmsKeyManager>>());

    /// <summary>
    /// The KMS client the options describe: region (also the SigV4 signing region), optional endpoint,
    /// standard retry mode with <see cref="AwsKmsKeyManagerOptions.MaxRetries"/> retries, the call
    /// timeout. <paramref name="credentials"/> null means the SDK's default credential chain.
    /// </summary>
    internal static AmazonKeyManagementServiceClient CreateClient(AwsKmsKeyManagerOptions options, AWSCredentials? credentials)
    {
        ArgumentNullException.ThrowIfNull(options);
        var region = options.Region?.Trim() ?? throw new ArgumentException("the region is required", nameof(options));
        var config = new AmazonKeyManagementServiceConfig
        {
            RegionEndpoint = RegionEndpoint.GetBySystemName(region),
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = options.MaxRetries,
            Timeout = TimeSpan.FromSeconds(options.TimeoutSeconds),
        };
        if (!string.IsNullOrWhiteSpace(options.Endpoint))
        {
            config.ServiceURL = options.Endpoint.Trim();
            config.AuthenticationRegion = region;
        }

        return credentials is null ? new AmazonKeyManagementServiceClient(config) : new AmazonKeyManagementServiceClient(credentials, config);
    }

    /// <inheritdoc />
    public async Task<IKeySigner> GenerateKeyAsync(string keyId, KeyType keyType, CancellationToken cancellationToken)
    {
        KeyIds.ThrowIfInvalid(keyId, nameof(keyId));
        KeyTypes.ThrowIfUnsupported(keyType, nameof(keyType));
        ObjectDisposedException.ThrowIf(_disposed, this);
        var alias = AwsKmsAliases.ToAlias(_prefix, keyId);

        await _changes.WaitAsync(cancellationToken);
        try
        {
            var old = await CurrentTargetAsync(alias, cancellationToken);
            var created = await CallAsync("CreateKey", $"for alias '{alias}'", cancellationToken, () => _kms.CreateKeyAsync(
                new CreateKeyRequest
                {
                    KeySpec = ToKeySpec(keyType),
                    KeyUsage = KeyUsageType.SIGN_VERIFY,
                    Description = $"IdentityIssuer key '{keyId}' ({alias})",
                },
                cancellationToken));
            var newKey = created.KeyMetadata.KeyId;
            AwsKmsKeySigner signer;
            try
            {
                signer = await LoadSignerAsync(keyId, alias, newKey, cancellationToken);
                if (old is null)
                {
                    await CallAsync("CreateAlias", $"'{alias}'", cancellationToken, () => _kms.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = newKey }, cancellationToken));
                }
                else
                {
                    await CallAsync("UpdateAlias", $"'{alias}'", cancellationToken, () => _kms.UpdateAliasAsync(new UpdateAliasRequest { AliasName = alias, TargetKeyId = newKey }, cancellationToken));
                }
            }
            catch (Exception e) when (e is KeyManagerException or OperationCanceledException)
            {
                // The alias still names the old key (or nothing): the new key was never visible.
                await ScheduleDeletionQuietlyAsync(newKey, alias, OrphanDeletionDays);
                throw;
            }

            LogKeyGenerated(keyId, KeyTypes.Format(keyType), alias, signer.KmsKeyId);
            if (old is not null)
            {
                _publicKeys.TryRemove(old, out _);
                await ScheduleDeletionQuietlyAsync(old, alias, _options.PendingDeletionDays);
            }

            return signer;
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <inheritdoc />
    public async Task<IKeySigner?> GetKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        KeyIds.ThrowIfInvalid(keyId, nameof(keyId));
        ObjectDisposedException.ThrowIf(_disposed, this);
        var alias = AwsKmsAliases.ToAlias(_prefix, keyId);
        var target = await CurrentTargetAsync(alias, cancellationToken);
        if (target is null)
        {
            return null;
        }

        try
        {
            return await LoadCurrentSignerAsync(keyId, alias, target, cancellationToken);
        }
        catch (KeyManagerException)
        {
            // A replace may have moved the alias between the lookup and the load (the old key is then
            // pending deletion): look the alias up once more and load what it names now.
            var now = await CurrentTargetAsync(alias, cancellationToken);
            if (now is null || string.Equals(now, target, StringComparison.Ordinal))
            {
                throw;
            }

            return await LoadCurrentSignerAsync(keyId, alias, now, cancellationToken);
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<IKeySigner>> GetKeysAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var found = new List<(string KeyId, string Alias, string Target)>();
        string? marker = null;
        do
        {
            var request = new ListAliasesRequest { Limit = ListPageSize, Marker = marker };
            var page = await CallAsync("ListAliases", $"under '{_prefix}'", cancellationToken, () => _kms.ListAliasesAsync(request, cancellationToken));
            foreach (var entry in page.Aliases ?? [])
            {
                if (entry.TargetKeyId is { Length: > 0 } target && AwsKmsAliases.ToKeyId(_prefix, entry.AliasName) is { } keyId)
                {
                    found.Add((keyId, entry.AliasName, target));
                }
            }

            marker = page.Truncated == true ? page.NextMarker : null;
        }
        while (!string.IsNullOrEmpty(marker));

        var keys = new List<IKeySigner>(found.Count);
        foreach (var (keyId, alias, target) in found.OrderBy(f => f.KeyId, StringComparer.Ordinal))
        {
            if (await LoadCurrentSignerAsync(keyId, alias, target, cancellationToken) is { } signer)
            {
                keys.Add(signer);
            }
        }

        return keys;
    }

    /// <inheritdoc />
    public async Task<bool> DeleteKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        KeyIds.ThrowIfInvalid(keyId, nameof(keyId));
        ObjectDisposedException.ThrowIf(_disposed, this);
        var alias = AwsKmsAliases.ToAlias(_prefix, keyId);
        await _changes.WaitAsync(cancellationToken);
        try
        {
            var target = await CurrentTargetAsync(alias, cancellationToken);
            if (target is null)
            {
                return false;
            }

            try
            {
                await CallAsync("DeleteAlias", $"'{alias}'", cancellationToken, () => _kms.DeleteAliasAsync(new DeleteAliasRequest { AliasName = alias }, cancellationToken));
            }
            catch (KeyManagerException e) when (e.InnerException is NotFoundException)
            {
                return false;
            }

            _publicKeys.TryRemove(target, out _);
            LogKeyDeleted(keyId, alias, target, _options.PendingDeletionDays);
            await ScheduleDeletionQuietlyAsync(target, alias, _options.PendingDeletionDays);
            return true;
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>Disposes the KMS client (when this manager created it).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_ownsClient)
        {
            _kms.Dispose();
        }

        _changes.Dispose();
    }

    /// <summary>Signs with <paramref name="signer"/>'s KMS key: <c>Sign</c> with MessageType DIGEST; the answer is DER for ECDSA.</summary>
    internal async Task<byte[]> SignAsync(AwsKmsKeySigner signer, string algorithm, byte[] digest, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var request = new SignRequest
        {
            KeyId = signer.KmsKeyId,
            Message = new MemoryStream(digest, writable: false),
            MessageType = MessageType.DIGEST,
            SigningAlgorithm = SigningAlgorithmSpec.FindValue(algorithm),
        };
        var response = await CallAsync("Sign", $"with key '{signer.KeyId}' ({signer.KmsKeyId})", cancellationToken, () => _kms.SignAsync(request, cancellationToken));
        return response.Signature.ToArray();
    }

    /// <summary>The KMS key id the alias names, or null when there is no such alias.</summary>
    private async Task<string?> CurrentTargetAsync(string alias, CancellationToken cancellationToken)
    {
        try
        {
            var described = await CallAsync("DescribeKey", $"'{alias}'", cancellationToken, () => _kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = alias }, cancellationToken));
            return described.KeyMetadata.KeyId;
        }
        catch (KeyManagerException e) when (e.InnerException is NotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// The signer of <paramref name="target"/>, or, when that key was replaced or deleted since the
    /// alias was read (KMS then refuses it), of whatever the alias names now; null when the alias is gone.
    /// </summary>
    private async Task<AwsKmsKeySigner?> LoadCurrentSignerAsync(string keyId, string alias, string target, CancellationToken cancellationToken)
    {
        try
        {
            return await LoadSignerAsync(keyId, alias, target, cancellationToken);
        }
        catch (KeyManagerException e) when (e.InnerException is KMSInvalidStateException or NotFoundException)
        {
            var now = await CurrentTargetAsync(alias, cancellationToken);
            if (now is null)
            {
                return null;
            }

            if (string.Equals(now, target, StringComparison.Ordinal))
            {
                throw;
            }

            return await LoadSignerAsync(keyId, alias, now, cancellationToken);
        }
    }

    private async Task<AwsKmsKeySigner> LoadSignerAsync(string keyId, string alias, string kmsKeyId, CancellationToken cancellationToken)
    {
        if (!_publicKeys.TryGetValue(kmsKeyId, out var cached))
        {
            var response = await CallAsync("GetPublicKey", $"of '{alias}' (key {kmsKeyId})", cancellationToken, () => _kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = kmsKeyId }, cancellationToken));
            var keyType = ToKeyType(response.KeySpec?.Value);
            if (keyType is null || response.KeyUsage != KeyUsageType.SIGN_VERIFY)
            {
                throw new KeyManagerException(
                    $"alias '{alias}' names KMS key {response.KeyId} of spec {response.KeySpec?.Value} and usage {response.KeyUsage?.Value}; "
                    + $"the issuer signs with SIGN_VERIFY keys of spec ECC_NIST_P256, ECC_NIST_P384, RSA_2048 or RSA_4096. Point the alias elsewhere or change {_settings}:AliasPrefix",
                    isTransient: false);
            }

            cached = new CachedKey(keyType.Value, response.KeyId, response.PublicKey.ToArray());
            _publicKeys[kmsKeyId] = cached;
        }

        return new AwsKmsKeySigner(this, keyId, cached.KeyType, cached.Arn, cached.SubjectPublicKeyInfo);
    }

    /// <summary>Schedules a key's deletion; a failure is logged (the key is no longer reachable through an alias) rather than thrown.</summary>
    private async Task ScheduleDeletionQuietlyAsync(string kmsKeyId, string alias, int days)
    {
        try
        {
            // Not the caller's token: a cancelled request must still not leave the key behind.
            await CallAsync("ScheduleKeyDeletion", $"of key {kmsKeyId} (was '{alias}')", CancellationToken.None, () => _kms.ScheduleKeyDeletionAsync(
                new ScheduleKeyDeletionRequest { KeyId = kmsKeyId, PendingWindowInDays = days }, CancellationToken.None));
        }
        catch (KeyManagerException e) when (e.InnerException is KMSInvalidStateException)
        {
            // Already pending deletion (another replica, an operator): nothing left to do.
        }
        catch (KeyManagerException e)
        {
            LogDeletionFailed(kmsKeyId, alias, e.Message);
        }
    }

    private static KeySpec ToKeySpec(KeyType keyType) => keyType switch
    {
        KeyType.EcP256 => KeySpec.ECC_NIST_P256,
        KeyType.EcP384 => KeySpec.ECC_NIST_P384,
        KeyType.Rsa2048 => KeySpec.RSA_2048,
        KeyType.Rsa4096 => KeySpec.RSA_4096,
        _ => throw new ArgumentOutOfRangeException(nameof(keyType), keyType, "unsupported key type"),
    };

    private static KeyType? ToKeyType(string? keySpec) => keySpec switch
    {
        "ECC_NIST_P256" => KeyType.EcP256,
        "ECC_NIST_P384" => KeyType.EcP384,
        "RSA_2048" => KeyType.Rsa2048,
        "RSA_4096" => KeyType.Rsa4096,
        _ => null,
    };

    private sealed record CachedKey(KeyType KeyType, string Arn, byte[] SubjectPublicKeyInfo);
}
