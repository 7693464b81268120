using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using ISession = Net.Pkcs11Interop.HighLevelAPI.ISession;

namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>
/// Keeps the CA keys on a PKCS#11 token (an HSM, a smart card, SoftHSM2): keys are generated on
/// the token as sensitive, non-extractable token objects and never leave it; this process sees
/// their public halves and asks the token to sign digests. A key is a private/public object pair
/// with the same CKA_LABEL (<c>prefix + key id</c>, see <see cref="Pkcs11KeyLabels"/>) and CKA_ID,
/// so it is found again after a restart. Replacing a key generates the new pair under a pending
/// label, then relabels it and destroys the old pair: a failure part-way leaves the old key in
/// place and nothing half-made visible. One issuer owns a label prefix on a token.
/// </summary>
internal sealed partial class Pkcs11KeyManager : IKeyManager, IDisposable
{
    /// <summary>Pending keys older than this are leftovers of a crash and destroyed at start.</summary>
    private static readonly TimeSpan LeftoverAge = TimeSpan.FromHours(1);

    private readonly Pkcs11Module _module;
    private readonly Pkcs11Token _token;
    private readonly string _prefix;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _labelLock = new(1, 1);

    // Creating, changing and destroying objects run one at a time (signing and lookups do not):
    // SoftHSM2's file store fails concurrent creations with CKR_GENERAL_ERROR (SoftHSMv2 issue 573),
    // and no HSM gains from generating CA keys in parallel. Taken after _labelLock, never before it.
    private readonly SemaphoreSlim _objectLock = new(1, 1);
    private readonly ConcurrentDictionary<string, Pkcs11KeySigner> _signers = new(StringComparer.Ordinal);
    private volatile bool _disposed;

    private Pkcs11KeyManager(Pkcs11Module module, Pkcs11Token token, string prefix, TimeProvider time, ILogger logger)
    {
        _module = module;
        _token = token;
        _prefix = prefix;
        _time = time;
        _logger = logger;
    }

    /// <inheritdoc />
    public string Name => "pkcs11";

    /// <summary>The token and its session pool.</summary>
    internal Pkcs11Token Token => _token;

    /// <summary>
    /// Loads the module, finds the token, logs in and removes leftovers of interrupted generations.
    /// Throws a non-transient <see cref="KeyManagerException"/> naming the setting under
    /// <paramref name="sectionPath"/> that is wrong (module path, token label or slot, PIN); the PIN
    /// itself never appears in a message or log.
    /// </summary>
    internal static Pkcs11KeyManager Open(Pkcs11KeyManagerOptions options, string sectionPath, TimeProvider? time = null, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = $"{sectionPath}:{Pkcs11KeyManagerOptions.SectionName}";
        var errors = new List<string>();
        Pkcs11KeyManagerOptions.Validate(options, sectionPath, errors);
        if (errors.Count > 0)
        {
            throw new KeyManagerException("invalid configuration: " + string.Join("; ", errors), isTransient: false);
        }

        var pin = ReadPin(options, settings);
        Pkcs11Module module;
        try
        {
            module = Pkcs11Module.Acquire(options.ModulePath!);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(pin);
            throw new KeyManagerException($"{settings}:ModulePath: cannot load PKCS#11 module '{options.ModulePath}': {e.Message}", isTransient: false, e);
        }

        loggers ??= NullLoggerFactory.Instance;
        var slotId = Pkcs11KeyManagerOptions.TryParseSlotId(options.SlotId, out var parsed) ? parsed : (ulong?)null;
        var token = new Pkcs11Token(module, string.IsNullOrEmpty(options.TokenLabel) ? null : options.TokenLabel, slotId, pin,
            options.EffectiveSessions, settings, loggers.CreateLogger<Pkcs11Token>());
        try
        {
            token.Open();
            var manager = new Pkcs11KeyManager(module, token, options.KeyLabelPrefix!, time ?? TimeProvider.System, loggers.CreateLogger<Pkcs11KeyManager>());
            manager.RemoveLeftovers();
            return manager;
        }
        catch
        {
            token.Dispose();
            module.Dispose();
            throw;
        }
    }

    /// <summary>The factory's entry point: the options of <c>{sectionPath}:Pkcs11</c>, the logger and clock from <paramref name="services"/>.</summary>
    internal static IKeyManager Create(Pkcs11KeyManagerOptions options, string sectionPath, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return Open(options, sectionPath, services.GetService(typeof(TimeProvider)) as TimeProvider, services.GetService(typeof(ILoggerFactory)) as ILoggerFactory);
    }

    /// <inheritdoc />
    public async Task<IKeySigner> GenerateKeyAsync(string keyId, KeyType keyType, CancellationToken cancellationToken)
    {
        KeyIds.ThrowIfInvalid(keyId, nameof(keyId));
        KeyTypes.ThrowIfUnsupported(keyType, nameof(keyType));
        ObjectDisposedException.ThrowIf(_disposed, this);
        var objectId = Pkcs11KeyLabels.NewObjectId(_time.GetUtcNow());
        var pendingLabel = Pkcs11KeyLabels.PendingLabel(_prefix, keyId);

        // Generation (seconds for RSA-4096 on some tokens) holds one session, not the label lock.
        (IObjectHandle, IObjectHandle, byte[]) generated;
        await _objectLock.WaitAsync(cancellationToken);
        try
        {
            generated = await RunAsync(
                $"generating {KeyTypes.Format(keyType)} key '{keyId}'",
                session =>
                {
                    session.GenerateKeyPair(KeyPairMechanism(keyType), PublicTemplate(keyType, pendingLabel, objectId), PrivateTemplate(pendingLabel, objectId), out var pub, out var priv);
                    try
                    {
                        return (pub, priv, ReadPublicKey(session, pub, keyType, keyId));
                    }
                    catch
                    {
                        DestroyQuietly(session, priv);
                        DestroyQuietly(session, pub);
                        throw;
                    }
                },
                offload: true,
                cancellationToken);
        }
        finally
        {
            _objectLock.Release();
        }

        var (publicKey, privateKey, subjectPublicKeyInfo) = generated;
        var signer = new Pkcs11KeySigner(_token, keyId, keyType, objectId, subjectPublicKeyInfo, privateKey);
        await _labelLock.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var label = Pkcs11KeyLabels.Label(_prefix, keyId);
            await UnderObjectLockAsync(() => RunAsync(
                $"storing key '{keyId}'",
                session =>
                {
                    var previous = FindPrivateKeys(session, label);
                    try
                    {
                        // The private object's label makes the key visible: relabel it last.
                        session.SetAttributeValue(publicKey, [Attributes.Create(CKA.CKA_LABEL, label)]);
                        session.SetAttributeValue(privateKey, [Attributes.Create(CKA.CKA_LABEL, label)]);
                    }
                    catch
                    {
                        DestroyQuietly(session, privateKey);
                        DestroyQuietly(session, publicKey);
                        throw;
                    }

                    foreach (var (handle, id) in previous)
                    {
                        DestroyPair(session, handle, id);
                    }

                    return true;
                },
                offload: false,
                cancellationToken), cancellationToken);

            if (_signers.TryRemove(keyId, out var replaced))
            {
                replaced.Retire();
            }

            _signers[keyId] = signer;
        }
        finally
        {
            _labelLock.Release();
        }

        LogKeyGenerated(keyId, KeyTypes.Format(keyType), _token.Description);
        return signer;
    }

    /// <inheritdoc />
    public async Task<IKeySigner?> GetKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        KeyIds.ThrowIfInvalid(keyId, nameof(keyId));
        ObjectDisposedException.ThrowIf(_disposed, this);
        var label = Pkcs11KeyLabels.Label(_prefix, keyId);
        return await UnderLabelLockAsync(() => RunAsync(
            $"finding key '{keyId}'",
            session =>
            {
                var found = FindPrivateKeys(session, label);
                if (found.Count == 0)
                {
                    _token.ThrowIfAbsent();
                    return null;
                }

                return SignerFor(session, keyId, found[^1].Handle, found[^1].ObjectId);
            },
            offload: false,
            cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<IKeySigner>> GetKeysAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return await UnderLabelLockAsync(() => RunAsync(
            "listing keys",
            session =>
            {
                var newest = new SortedDictionary<string, (IObjectHandle Handle, byte[] ObjectId)>(StringComparer.Ordinal);
                foreach (var handle in session.FindAllObjects([Attributes.Create(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY), Attributes.Create(CKA.CKA_TOKEN, true)]))
                {
                    var values = session.GetAttributeValue(handle, [CKA.CKA_LABEL, CKA.CKA_ID]);
                    if (Pkcs11KeyLabels.KeyIdOf(_prefix, values[0].GetValueAsString()) is not { } keyId)
                    {
                        continue;
                    }

                    var objectId = values[1].GetValueAsByteArray() ?? [];
                    if (!newest.TryGetValue(keyId, out var current) || Pkcs11KeyLabels.CompareAge(current.ObjectId, objectId) < 0)
                    {
                        newest[keyId] = (handle, objectId);
                    }
                }

                IReadOnlyList<IKeySigner> keys = [.. newest.Select(pair => SignerFor(session, pair.Key, pair.Value.Handle, pair.Value.ObjectId))];
                return keys;
            },
            offload: false,
            cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> DeleteKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        KeyIds.ThrowIfInvalid(keyId, nameof(keyId));
        ObjectDisposedException.ThrowIf(_disposed, this);
        var label = Pkcs11KeyLabels.Label(_prefix, keyId);
        bool deleted;
        await _labelLock.WaitAsync(cancellationToken);
        try
        {
            deleted = await UnderObjectLockAsync(() => RunAsync(
                $"deleting key '{keyId}'",
                session =>
                {
                    var found = FindPrivateKeys(session, label);
                    foreach (var (handle, id) in found)
                    {
                        DestroyPair(session, handle, id);
                    }

                    return found.Count > 0;
                },
                offload: false,
                cancellationToken), cancellationToken);

            if (_signers.TryRemove(keyId, out var removed))
            {
                removed.Retire();
                deleted = true;
            }
        }
        finally
        {
            _labelLock.Release();
        }

        if (deleted)
        {
            LogKeyDeleted(keyId, _token.Description);
        }

        return deleted;
    }

    /// <summary>Closes this manager's sessions and releases the module; the keys stay on the token.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var signer in _signers.Values)
        {
            signer.Retire();
        }

        _signers.Clear();
        _token.Dispose();
        _module.Dispose();
    }

    private Net.Pkcs11Interop.HighLevelAPI.Factories.IObjectAttributeFactory Attributes => _token.Factories.ObjectAttributeFactory;

    /// <summary>
    /// Runs a lookup while no replacement or deletion is half-way: within this process a lookup never
    /// sees a key between its relabelling and the destruction of the key it replaces.
    /// </summary>
    private async Task<T> UnderLabelLockAsync<T>(Func<Task<T>> lookup, CancellationToken cancellationToken)
    {
        await _labelLock.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return await lookup();
        }
        finally
        {
            _labelLock.Release();
        }
    }

    private async Task<T> UnderObjectLockAsync<T>(Func<Task<T>> change, CancellationToken cancellationToken)
    {
        await _objectLock.WaitAsync(cancellationToken);
        try
        {
            return await change();
        }
        finally
        {
            _objectLock.Release();
        }
    }

    private async Task<T> RunAsync<T>(string operation, Func<ISession, T> action, bool offload, CancellationToken cancellationToken)
    {
        try
        {
            return await _token.RunAsync(operation, action, offload, cancellationToken);
        }
        catch (Pkcs11Exception e)
        {
            throw _token.Failure(operation, e);
        }
    }

    /// <summary>The private keys labelled <paramref name="label"/>, oldest first; normally one.</summary>
    private List<(IObjectHandle Handle, byte[] ObjectId)> FindPrivateKeys(ISession session, string label)
    {
        var found = session.FindAllObjects([Attributes.Create(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY), Attributes.Create(CKA.CKA_LABEL, label)]);
        var keys = found.Select(handle => (Handle: handle, ObjectId: session.GetAttributeValue(handle, [CKA.CKA_ID])[0].GetValueAsByteArray() ?? [])).ToList();
        keys.Sort((a, b) => Pkcs11KeyLabels.CompareAge(a.ObjectId, b.ObjectId));
        return keys;
    }

    private Pkcs11KeySigner SignerFor(ISession session, string keyId, IObjectHandle privateKey, byte[] objectId)
    {
        if (_signers.TryGetValue(keyId, out var cached) && cached.ObjectId.AsSpan().SequenceEqual(objectId))
        {
            return cached;
        }

        var keyTypeValue = session.GetAttributeValue(privateKey, [CKA.CKA_KEY_TYPE])[0].GetValueAsUlong();
        var publicKeys = session.FindAllObjects([Attributes.Create(CKA.CKA_CLASS, CKO.CKO_PUBLIC_KEY), Attributes.Create(CKA.CKA_ID, objectId)]);
        if (publicKeys.Count == 0)
        {
            throw new KeyManagerException($"{_token.Description}: key '{keyId}' has no public key object with its CKA_ID {Convert.ToHexString(objectId)}", isTransient: false);
        }

        KeyType keyType;
        if (keyTypeValue == (ulong)CKK.CKK_EC)
        {
            keyType = Pkcs11KeyTemplates.EcKeyType(session.GetAttributeValue(publicKeys[0], [CKA.CKA_EC_PARAMS])[0].GetValueAsByteArray() ?? []);
        }
        else if (keyTypeValue == (ulong)CKK.CKK_RSA)
        {
            keyType = Pkcs11KeyTemplates.RsaKeyType(session.GetAttributeValue(publicKeys[0], [CKA.CKA_MODULUS])[0].GetValueAsByteArray() ?? []);
        }
        else
        {
            keyType = KeyType.Unspecified;
        }

        if (keyType == KeyType.Unspecified)
        {
            throw new KeyManagerException(
                $"{_token.Description}: key '{keyId}' is not one of the supported key types ({string.Join(", ", KeyTypes.Names)})", isTransient: false);
        }

        var signer = new Pkcs11KeySigner(_token, keyId, keyType, objectId, ReadPublicKey(session, publicKeys[0], keyType, keyId), privateKey);
        if (_signers.TryGetValue(keyId, out var previous) && !previous.ObjectId.AsSpan().SequenceEqual(objectId))
        {
            // Another process replaced the key since this one last saw it.
            previous.Retire();
        }

        _signers[keyId] = signer;
        return signer;
    }

    private byte[] ReadPublicKey(ISession session, IObjectHandle publicKey, KeyType keyType, string keyId)
    {
        try
        {
            if (KeyTypes.IsEcdsa(keyType))
            {
                var point = session.GetAttributeValue(publicKey, [CKA.CKA_EC_POINT])[0].GetValueAsByteArray() ?? [];
                return Pkcs11KeyTemplates.EcSubjectPublicKeyInfo(keyType, point);
            }

            var values = session.GetAttributeValue(publicKey, [CKA.CKA_MODULUS, CKA.CKA_PUBLIC_EXPONENT]);
            return Pkcs11KeyTemplates.RsaSubjectPublicKeyInfo(values[0].GetValueAsByteArray() ?? [], values[1].GetValueAsByteArray() ?? []);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new KeyManagerException($"{_token.Description}: the public key of '{keyId}' cannot be read: {e.Message}", isTransient: false, e);
        }
    }

    private IMechanism KeyPairMechanism(KeyType keyType) =>
        _token.Factories.MechanismFactory.Create(KeyTypes.IsEcdsa(keyType) ? CKM.CKM_EC_KEY_PAIR_GEN : CKM.CKM_RSA_PKCS_KEY_PAIR_GEN);

    private List<IObjectAttribute> PublicTemplate(KeyType keyType, string label, byte[] objectId)
    {
        List<IObjectAttribute> template =
        [
            Attributes.Create(CKA.CKA_CLASS, CKO.CKO_PUBLIC_KEY),
            Attributes.Create(CKA.CKA_TOKEN, true),
            Attributes.Create(CKA.CKA_PRIVATE, false),
            Attributes.Create(CKA.CKA_VERIFY, true),
            Attributes.Create(CKA.CKA_ENCRYPT, false),
            Attributes.Create(CKA.CKA_WRAP, false),
            Attributes.Create(CKA.CKA_LABEL, label),
            Attributes.Create(CKA.CKA_ID, objectId),
        ];
        if (KeyTypes.IsEcdsa(keyType))
        {
            template.Add(Attributes.Create(CKA.CKA_EC_PARAMS, Pkcs11KeyTemplates.EcParameters(keyType)));
        }
        else
        {
            template.Add(Attributes.Create(CKA.CKA_MODULUS_BITS, Pkcs11KeyTemplates.ModulusBits(keyType)));
            template.Add(Attributes.Create(CKA.CKA_PUBLIC_EXPONENT, Pkcs11KeyTemplates.PublicExponent));
        }

        return template;
    }

    private List<IObjectAttribute> PrivateTemplate(string label, byte[] objectId) =>
    [
        Attributes.Create(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY),
        Attributes.Create(CKA.CKA_TOKEN, true),
        Attributes.Create(CKA.CKA_PRIVATE, true),
        Attributes.Create(CKA.CKA_SENSITIVE, true),
        Attributes.Create(CKA.CKA_EXTRACTABLE, false),
        Attributes.Create(CKA.CKA_SIGN, true),
        Attributes.Create(CKA.CKA_DECRYPT, false),
        Attributes.Create(CKA.CKA_UNWRAP, false),
        Attributes.Create(CKA.CKA_DERIVE, false),
        Attributes.Create(CKA.CKA_LABEL, label),
        Attributes.Create(CKA.CKA_ID, objectId),
    ];

    /// <summary>Destroys the private key first (the key disappears), then its public objects.</summary>
    private void DestroyPair(ISession session, IObjectHandle privateKey, byte[] objectId)
    {
        session.DestroyObject(privateKey);
        if (objectId.Length == 0)
        {
            return;
        }

        foreach (var publicKey in session.FindAllObjects([Attributes.Create(CKA.CKA_CLASS, CKO.CKO_PUBLIC_KEY), Attributes.Create(CKA.CKA_ID, objectId)]))
        {
            session.DestroyObject(publicKey);
        }
    }

    private void DestroyQuietly(ISession session, IObjectHandle handle)
    {
        try
        {
            session.DestroyObject(handle);
        }
        catch (Pkcs11Exception e)
        {
            LogCleanupFailed(_token.Description, e.RV.ToString());
        }
    }

    /// <summary>Destroys pending objects under this prefix left by a generation that crashed more than an hour ago.</summary>
    private void RemoveLeftovers()
    {
        var cutoff = _time.GetUtcNow() - LeftoverAge;
        var removed = _token.RunAsync(
            "removing leftovers of interrupted key generations",
            session =>
            {
                var count = 0;
                foreach (var handle in session.FindAllObjects([Attributes.Create(CKA.CKA_TOKEN, true)]))
                {
                    var values = session.GetAttributeValue(handle, [CKA.CKA_LABEL, CKA.CKA_ID]);
                    if (!Pkcs11KeyLabels.IsPending(_prefix, values[0].GetValueAsString())
                        || Pkcs11KeyLabels.CreatedAt(values[1].GetValueAsByteArray() ?? []) is not { } createdAt
                        || createdAt > cutoff)
                    {
                        continue;
                    }

                    session.DestroyObject(handle);
                    count++;
                }

                return count;
            },
            offload: false,
            CancellationToken.None).AsTask().GetAwaiter().GetResult();
        if (removed > 0)
        {
            LogLeftoversRemoved(removed, _token.Description);
        }
    }

    private static byte[] ReadPin(Pkcs11KeyManagerOptions options, string settings)
    {
        if (!string.IsNullOrEmpty(options.Pin))
        {
            return System.Text.Encoding.UTF8.GetBytes(options.Pin);
        }

        string text;
        try
        {
            text = File.ReadAllText(options.PinFile!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KeyManagerException($"{settings}:PinFile: cannot read '{options.PinFile}': {e.Message}", isTransient: false, e);
        }

        var pin = text.TrimEnd('\r', '\n');
        if (pin.Length == 0)
        {
            throw new KeyManagerException($"{settings}:PinFile: '{options.PinFile}' is empty", isTransient: false);
        }

        return System.Text.Encoding.UTF8.GetBytes(pin);
    }

    [LoggerMessage(EventId = 2150, Level = LogLevel.Information, Message = "Generated {KeyType} key {KeyId} on {Token}")]
    private partial void LogKeyGenerated(string keyId, string keyType, string token);

    [LoggerMessage(EventId = 2151, Level = LogLevel.Information, Message = "Deleted key {KeyId} from {Token}")]
    private partial void LogKeyDeleted(string keyId, string token);

    [LoggerMessage(EventId = 2152, Level = LogLevel.Warning, Message = "Removed {Count} object(s) of interrupted key generations from {Token}")]
    private partial void LogLeftoversRemoved(int count, string token);

    [LoggerMessage(EventId = 2153, Level = LogLevel.Warning, Message = "{Token}: destroying a half-made key failed with {ReturnValue}; it is ignored and removed at a later start")]
    private partial void LogCleanupFailed(string token, string returnValue);
}
