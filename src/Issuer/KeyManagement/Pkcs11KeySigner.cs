using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using ISession = Net.Pkcs11Interop.HighLevelAPI.ISession;

namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>
/// A key on a PKCS#11 token: ECDSA keys sign the digest with CKM_ECDSA (which returns r‖s, the
/// IEEE P1363 form), RSA keys sign a DigestInfo with CKM_RSA_PKCS (PKCS#1 v1.5). The private key
/// object is known by its CKA_ID, unique to one generation: when the key is replaced or deleted
/// (here or by another process), signing fails with <see cref="KeyManagerException"/>.
/// </summary>
internal sealed class Pkcs11KeySigner : IKeySigner
{
    private readonly Pkcs11Token _token;
    private readonly byte[] _subjectPublicKeyInfo;
    private readonly int _signatureLength;
    private IObjectHandle? _privateKey;
    private volatile bool _retired;

    public Pkcs11KeySigner(Pkcs11Token token, string keyId, KeyType keyType, byte[] objectId, byte[] subjectPublicKeyInfo, IObjectHandle? privateKey)
    {
        _token = token;
        KeyId = keyId;
        KeyType = keyType;
        ObjectId = objectId;
        _subjectPublicKeyInfo = subjectPublicKeyInfo;
        _privateKey = privateKey;
        _signatureLength = keyType switch
        {
            KeyType.EcP256 => 64,
            KeyType.EcP384 => 96,
            KeyType.Rsa2048 => 256,
            _ => 512,
        };
    }

    /// <inheritdoc />
    public string KeyId { get; }

    /// <inheritdoc />
    public KeyType KeyType { get; }

    /// <summary>The CKA_ID shared by the key's private and public objects.</summary>
    public byte[] ObjectId { get; }

    /// <inheritdoc />
    /// <remarks>A new object on every read, so one caller cannot change what another sees.</remarks>
    public PublicKey PublicKey => Pkcs11KeyTemplates.ToPublicKey(_subjectPublicKeyInfo);

    /// <inheritdoc />
    public async ValueTask<byte[]> SignDigestAsync(ReadOnlyMemory<byte> digest, HashAlgorithmName hashAlgorithm, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        SignatureHashes.ThrowIfWrongLength(digest.Span, hashAlgorithm);
        ThrowIfRetired();
        var isEcdsa = KeyTypes.IsEcdsa(KeyType);
        var data = isEcdsa ? digest.ToArray() : Pkcs11KeyTemplates.DigestInfo(digest.Span, hashAlgorithm);
        byte[] signature;
        try
        {
            signature = await _token.RunAsync("signing with key '" + KeyId + "'", session => Sign(session, data), offload: false, cancellationToken);
        }
        catch (ObjectDisposedException e)
        {
            throw new KeyManagerException($"key '{KeyId}': the PKCS#11 key manager has been disposed", isTransient: false, e);
        }

        if (signature.Length != _signatureLength)
        {
            throw new KeyManagerException(
                $"{_token.Description}: key '{KeyId}' returned a {signature.Length}-byte signature; a {KeyTypes.Format(KeyType)} signature is {_signatureLength} bytes",
                isTransient: false);
        }

        return signature;
    }

    /// <summary>Marks the key as replaced or deleted by this process: later signatures fail.</summary>
    public void Retire() => _retired = true;

    private byte[] Sign(ISession session, byte[] data)
    {
        var mechanism = _token.Factories.MechanismFactory.Create(KeyTypes.IsEcdsa(KeyType) ? CKM.CKM_ECDSA : CKM.CKM_RSA_PKCS);
        var handle = _privateKey ?? Find(session);
        try
        {
            return session.Sign(mechanism, handle, data);
        }
        catch (Pkcs11Exception e) when (e.RV is CKR.CKR_KEY_HANDLE_INVALID or CKR.CKR_OBJECT_HANDLE_INVALID)
        {
            // Handles do not survive the module being re-initialised; look the key up again by CKA_ID.
            _privateKey = null;
            handle = Find(session);
            try
            {
                return session.Sign(mechanism, handle, data);
            }
            catch (Pkcs11Exception again) when (!Pkcs11Token.IsSessionFault(again.RV))
            {
                throw _token.Failure($"signing with key '{KeyId}'", again);
            }
        }
        catch (Pkcs11Exception e) when (!Pkcs11Token.IsSessionFault(e.RV))
        {
            throw _token.Failure($"signing with key '{KeyId}'", e);
        }
    }

    private IObjectHandle Find(ISession session)
    {
        var attributes = _token.Factories.ObjectAttributeFactory;
        var found = session.FindAllObjects(
        [
            attributes.Create(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY),
            attributes.Create(CKA.CKA_ID, ObjectId),
        ]);
        ThrowIfRetired();
        if (found.Count == 0)
        {
            _token.ThrowIfAbsent();
            throw new KeyManagerException(
                $"key '{KeyId}' has been replaced or deleted on {_token.Description}; get the current key from the key manager", isTransient: false);
        }

        _privateKey = found[0];
        return found[0];
    }

    private void ThrowIfRetired()
    {
        if (_retired)
        {
            throw new KeyManagerException($"key '{KeyId}' has been replaced or deleted; get the current key from the key manager");
        }
    }
}
