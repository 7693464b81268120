namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>
/// Keeps keys in process memory only: they are lost when the process exits. For tests and for
/// deployments that accept a new CA key on every start.
/// </summary>
internal sealed class MemoryKeyManager : IKeyManager, IDisposable
{
    private readonly Dictionary<string, SoftwareKeySigner> _keys = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private bool _disposed;

    /// <inheritdoc />
    public string Name => "memory";

    /// <inheritdoc />
    public Task<IKeySigner> GenerateKeyAsync(string keyId, KeyType keyType, CancellationToken cancellationToken)
    {
        KeyIds.ThrowIfInvalid(keyId, nameof(keyId));
        KeyTypes.ThrowIfUnsupported(keyType, nameof(keyType));
        cancellationToken.ThrowIfCancellationRequested();

        // Key generation (seconds for RSA-4096) happens outside the lock.
        var signer = new SoftwareKeySigner(keyId, keyType, SoftwareKeys.Generate(keyType));
        SoftwareKeySigner? replaced;
        lock (_gate)
        {
            if (_disposed)
            {
                signer.Retire();
                throw new ObjectDisposedException(nameof(MemoryKeyManager));
            }

            _keys.Remove(keyId, out replaced);
            _keys[keyId] = signer;
        }

        replaced?.Retire();
        return Task.FromResult<IKeySigner>(signer);
    }

    /// <inheritdoc />
    public Task<IKeySigner?> GetKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        KeyIds.ThrowIfInvalid(keyId, nameof(keyId));
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return Task.FromResult<IKeySigner?>(_keys.GetValueOrDefault(keyId));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<IKeySigner>> GetKeysAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            IReadOnlyList<IKeySigner> keys = [.. _keys.Values.OrderBy(k => k.KeyId, StringComparer.Ordinal)];
            return Task.FromResult(keys);
        }
    }

    /// <inheritdoc />
    public Task<bool> DeleteKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        KeyIds.ThrowIfInvalid(keyId, nameof(keyId));
        cancellationToken.ThrowIfCancellationRequested();
        SoftwareKeySigner? removed;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _keys.Remove(keyId, out removed);
        }

        removed?.Retire();
        return Task.FromResult(removed is not null);
    }

    /// <summary>Forgets every key and disposes the key objects.</summary>
    public void Dispose()
    {
        List<SoftwareKeySigner> keys;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            keys = [.. _keys.Values];
            _keys.Clear();
        }

        foreach (var key in keys)
        {
            key.Retire();
        }
    }
}
