namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>
/// Holds the CA's private keys and signs with them. Key bytes never leave an implementation:
/// callers get an <see cref="IKeySigner"/> (key id, public key, sign). Implementations: memory, disk,
/// and later PKCS#11 and cloud KMS; all of them pass one shared test suite.
/// </summary>
public interface IKeyManager
{
    /// <summary>The implementation's configuration name, e.g. <c>memory</c> or <c>disk</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Generates a new key under <paramref name="keyId"/>, replacing any key with that id once the
    /// new one is safely stored. Throws <see cref="ArgumentException"/> for an invalid id or
    /// <see cref="KeyType.Unspecified"/>.
    /// </summary>
    Task<IKeySigner> GenerateKeyAsync(string keyId, KeyType keyType, CancellationToken cancellationToken);

    /// <summary>The key with this id, or null when there is none.</summary>
    Task<IKeySigner?> GetKeyAsync(string keyId, CancellationToken cancellationToken);

    /// <summary>Every key held, ordered by key id.</summary>
    Task<IReadOnlyList<IKeySigner>> GetKeysAsync(CancellationToken cancellationToken);

    /// <summary>Deletes the key; returns false when there was none.</summary>
    Task<bool> DeleteKeyAsync(string keyId, CancellationToken cancellationToken);
}
