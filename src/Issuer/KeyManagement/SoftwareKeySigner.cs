using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>
/// A signer over a private key held in this process (memory and disk key managers). It owns the
/// key: when the manager replaces or deletes the key it calls <see cref="Retire"/>, signing after
/// that fails with <see cref="KeyManagerException"/>, and the key object is disposed as soon as
/// no signature is in progress.
/// </summary>
internal sealed class SoftwareKeySigner : IKeySigner
{
    private readonly AsymmetricAlgorithm _key;
    private readonly byte[] _subjectPublicKeyInfo;
    private readonly Lock _gate = new();
    private int _signaturesInProgress;
    private bool _retired;
    private bool _disposed;

    /// <summary>Takes ownership of <paramref name="key"/>, an <see cref="ECDsa"/> or <see cref="RSA"/> key of <paramref name="keyType"/>.</summary>
    public SoftwareKeySigner(string keyId, KeyType keyType, AsymmetricAlgorithm key)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        ArgumentNullException.ThrowIfNull(key);
        KeyTypes.ThrowIfUnsupported(keyType, nameof(keyType));
        if (KeyTypes.IsEcdsa(keyType) ? key is not ECDsa : key is not RSA)
        {
            throw new ArgumentException($"a {KeyTypes.Format(keyType)} key must be an {(KeyTypes.IsEcdsa(keyType) ? "ECDsa" : "RSA")} object", nameof(key));
        }

        KeyId = keyId;
        KeyType = keyType;
        _key = key;
        _subjectPublicKeyInfo = key.ExportSubjectPublicKeyInfo();
    }

    /// <inheritdoc />
    public string KeyId { get; }

    /// <inheritdoc />
    public KeyType KeyType { get; }

    /// <inheritdoc />
    /// <remarks>A new object on every read, so one caller cannot change what another sees.</remarks>
    public PublicKey PublicKey => PublicKey.CreateFromSubjectPublicKeyInfo(_subjectPublicKeyInfo, out _);

    /// <inheritdoc />
    public ValueTask<byte[]> SignDigestAsync(ReadOnlyMemory<byte> digest, HashAlgorithmName hashAlgorithm, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        SignatureHashes.ThrowIfWrongLength(digest.Span, hashAlgorithm);

        Enter();
        try
        {
            var signature = _key switch
            {
                ECDsa ecdsa => ecdsa.SignHash(digest.Span, DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
                RSA rsa => rsa.SignHash(digest.Span, hashAlgorithm, RSASignaturePadding.Pkcs1),
                _ => throw new InvalidOperationException("unreachable: the constructor accepts ECDsa and RSA only"),
            };
            return ValueTask.FromResult(signature);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>
    /// Marks the key as replaced or deleted: later signatures fail, and the key object is disposed
    /// once signatures in progress have finished.
    /// </summary>
    public void Retire()
    {
        lock (_gate)
        {
            _retired = true;
            DisposeIfIdle();
        }
    }

    private void Enter()
    {
        lock (_gate)
        {
            if (_retired)
            {
                throw new KeyManagerException(
                    $"key '{KeyId}' has been replaced or deleted; get the current key from the key manager");
            }

            _signaturesInProgress++;
        }
    }

    private void Exit()
    {
        lock (_gate)
        {
            _signaturesInProgress--;
            DisposeIfIdle();
        }
    }

    private void DisposeIfIdle()
    {
        if (_retired && _signaturesInProgress == 0 && !_disposed)
        {
            _disposed = true;
            _key.Dispose();
        }
    }
}
