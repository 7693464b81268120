using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.KeyManagement;

namespace IdentityIssuer.Issuer.Tests.Support;

/// <summary>A key manager that counts the signatures made with its keys, around a real one.</summary>
internal sealed class CountingKeyManager : IKeyManager
{
    private readonly IKeyManager _inner;
    private int _signatures;

    public CountingKeyManager(IKeyManager inner) => _inner = inner;

    /// <summary>Signatures made so far with any key of this manager.</summary>
    public int Signatures => Volatile.Read(ref _signatures);

    public string Name => _inner.Name;

    public async Task<IKeySigner> GenerateKeyAsync(string keyId, KeyType keyType, CancellationToken cancellationToken) =>
        new Counting(await _inner.GenerateKeyAsync(keyId, keyType, cancellationToken), this);

    public async Task<IKeySigner?> GetKeyAsync(string keyId, CancellationToken cancellationToken) =>
        await _inner.GetKeyAsync(keyId, cancellationToken) is { } key ? new Counting(key, this) : null;

    public async Task<IReadOnlyList<IKeySigner>> GetKeysAsync(CancellationToken cancellationToken) =>
        [.. (await _inner.GetKeysAsync(cancellationToken)).Select(k => new Counting(k, this))];

    public Task<bool> DeleteKeyAsync(string keyId, CancellationToken cancellationToken) => _inner.DeleteKeyAsync(keyId, cancellationToken);

    private sealed class Counting(IKeySigner inner, CountingKeyManager owner) : IKeySigner
    {
        public string KeyId => inner.KeyId;

        public KeyType KeyType => inner.KeyType;

        public PublicKey PublicKey => inner.PublicKey;

        public ValueTask<byte[]> SignDigestAsync(ReadOnlyMemory<byte> digest, HashAlgorithmName hashAlgorithm, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref owner._signatures);
            return inner.SignDigestAsync(digest, hashAlgorithm, cancellationToken);
        }
    }
}
