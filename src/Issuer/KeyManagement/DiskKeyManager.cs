using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>
/// Keeps each key in its own file, <c>&lt;directory&gt;/&lt;keyId&gt;.key</c>, as a PKCS#8 private
/// key encrypted with AES-256-GCM (see <see cref="DiskKeyFile"/>). The directory is created 0700
/// and every file 0600. Files are written to a temporary file in the same directory, flushed to
/// disk and renamed over the target, so a crash leaves either the old key or the new one, never a
/// partial file. Loaded keys are cached in memory.
/// </summary>
/// <remarks>
/// The encryption key comes from configuration; without one, a random key is generated once into
/// <c>&lt;directory&gt;/encryption.key</c> (0600) and reused, which protects against leaked key
/// files but not against a leaked directory. One process owns a directory: changes made by another
/// process to a key already cached here are not seen.
/// </remarks>
internal sealed partial class DiskKeyManager : IKeyManager, IDisposable
{
    /// <summary>The file the generated encryption key is kept in; the key id <c>encryption</c> is reserved for it.</summary>
    public const string EncryptionKeyFileName = "encryption.key";

    /// <summary>The extension of key files.</summary>
    public const string KeyFileExtension = ".key";

    private const string ReservedKeyId = "encryption";
    private const string TempFileExtension = ".tmp";
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private readonly string _directory;
    private readonly byte[]? _configuredEncryptionKey;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _fileLock = new(1, 1);
    private readonly ConcurrentDictionary<string, SoftwareKeySigner> _cache = new(StringComparer.Ordinal);
    private byte[]? _encryptionKey;
    private volatile bool _disposed;

    /// <summary>
    /// Creates a manager over <paramref name="directory"/> (created on first use).
    /// <paramref name="encryptionKey"/> is the 32-byte AES key, or null to use the generated
    /// <c>encryption.key</c> in the directory.
    /// </summary>
    public DiskKeyManager(string directory, ReadOnlySpan<byte> encryptionKey, ILogger<DiskKeyManager>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!encryptionKey.IsEmpty && encryptionKey.Length != DiskKeyFile.EncryptionKeyLength)
        {
            throw new ArgumentException($"the encryption key must be {DiskKeyFile.EncryptionKeyLength} bytes", nameof(encryptionKey));
        }

        _directory = Path.GetFullPath(directory);
        _configuredEncryptionKey = encryptionKey.IsEmpty ? null : encryptionKey.ToArray();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Creates a manager that uses (or generates) <c>encryption.key</c> in <paramref name="directory"/>.</summary>
    public DiskKeyManager(string directory, ILogger<DiskKeyManager>? logger = null)
        : this(directory, ReadOnlySpan<byte>.Empty, logger)
    {
    }

    /// <inheritdoc />
    public string Name => "disk";

    /// <summary>The directory holding the key files.</summary>
    public string Directory => _directory;

    /// <summary>The path of the file holding <paramref name="keyId"/>.</summary>
    public string GetKeyFilePath(string keyId)
    {
        ThrowIfInvalidKeyId(keyId);
        return Path.Combine(_directory, keyId + KeyFileExtension);
    }

    /// <inheritdoc />
    public async Task<IKeySigner> GenerateKeyAsync(string keyId, KeyType keyType, CancellationToken cancellationToken)
    {
        var path = GetKeyFilePath(keyId);
        KeyTypes.ThrowIfUnsupported(keyType, nameof(keyType));
        var encryptionKey = await GetEncryptionKeyAsync(cancellationToken);

        // Generate and encrypt outside the lock: RSA-4096 generation takes seconds.
        var key = SoftwareKeys.Generate(keyType);
        SoftwareKeySigner signer;
        byte[] file;
        try
        {
            var pkcs8 = key.ExportPkcs8PrivateKey();
            try
            {
                file = DiskKeyFile.Seal(keyId, keyType, pkcs8, encryptionKey);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(pkcs8);
            }

            signer = new SoftwareKeySigner(keyId, keyType, key);
        }
        catch
        {
            key.Dispose();
            throw;
        }

        SoftwareKeySigner? replaced;
        await _fileLock.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await WriteFileAtomicallyAsync(path, file, overwrite: true, cancellationToken);
            _cache.TryRemove(keyId, out replaced);
            _cache[keyId] = signer;
        }
        catch
        {
            signer.Retire();
            throw;
        }
        finally
        {
            _fileLock.Release();
        }

        replaced?.Retire();
        LogKeyGenerated(keyId, KeyTypes.Format(keyType), path);
        return signer;
    }

    /// <inheritdoc />
    public async Task<IKeySigner?> GetKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        var path = GetKeyFilePath(keyId);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_cache.TryGetValue(keyId, out var cached))
        {
            return cached;
        }

        var encryptionKey = await GetEncryptionKeyAsync(cancellationToken);
        await _fileLock.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return await LoadLockedAsync(keyId, path, encryptionKey, cancellationToken);
        }
        finally
        {
            _fileLock.Release();
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<IKeySigner>> GetKeysAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var encryptionKey = await GetEncryptionKeyAsync(cancellationToken);
        await _fileLock.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var keys = new List<IKeySigner>();
            foreach (var path in EnumerateKeyFiles())
            {
                var keyId = Path.GetFileName(path)[..^KeyFileExtension.Length];
                if (await LoadLockedAsync(keyId, path, encryptionKey, cancellationToken) is { } signer)
                {
                    keys.Add(signer);
                }
            }

            keys.Sort((a, b) => string.CompareOrdinal(a.KeyId, b.KeyId));
            return keys;
        }
        finally
        {
            _fileLock.Release();
        }
    }

    /// <inheritdoc />
    public async Task<bool> DeleteKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        var path = GetKeyFilePath(keyId);
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _fileLock.WaitAsync(cancellationToken);
        bool existed;
        SoftwareKeySigner? removed;
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            existed = File.Exists(path);
            if (existed)
            {
                try
                {
                    File.Delete(path);
                    _ = DirectorySync.Flush(_directory);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new KeyManagerException($"cannot delete key file '{path}': {e.Message}", e is IOException, e);
                }
            }

            _cache.TryRemove(keyId, out removed);
        }
        finally
        {
            _fileLock.Release();
        }

        removed?.Retire();
        if (existed || removed is not null)
        {
            LogKeyDeleted(keyId, path);
            return true;
        }

        return false;
    }

    /// <summary>Forgets the cached keys and disposes the key objects; the files stay.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var keyId in _cache.Keys)
        {
            if (_cache.TryRemove(keyId, out var signer))
            {
                signer.Retire();
            }
        }

        if (_encryptionKey is not null)
        {
            CryptographicOperations.ZeroMemory(_encryptionKey);
        }

        if (_configuredEncryptionKey is not null)
        {
            CryptographicOperations.ZeroMemory(_configuredEncryptionKey);
        }
    }

    private void ThrowIfInvalidKeyId(string keyId)
    {
        KeyIds.ThrowIfInvalid(keyId, nameof(keyId));
        if (string.Equals(keyId, ReservedKeyId, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"invalid key id '{keyId}': the disk key manager reserves it, because '{EncryptionKeyFileName}' holds the encryption key", nameof(keyId));
        }
    }

    private IEnumerable<string> EnumerateKeyFiles()
    {
        IEnumerable<string> files;
        try
        {
            files = System.IO.Directory.EnumerateFiles(_directory, "*" + KeyFileExtension).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KeyManagerException($"cannot list key directory '{_directory}': {e.Message}", e is IOException, e);
        }

        foreach (var path in files)
        {
            var name = Path.GetFileName(path);
            if (!name.EndsWith(KeyFileExtension, StringComparison.Ordinal)
                || string.Equals(name, EncryptionKeyFileName, StringComparison.Ordinal))
            {
                continue;
            }

            if (!KeyIds.IsValid(name[..^KeyFileExtension.Length]))
            {
                LogIgnoredFile(name);
                continue;
            }

            yield return path;
        }
    }

    // Caller holds _fileLock.
    private async Task<SoftwareKeySigner?> LoadLockedAsync(string keyId, string path, byte[] encryptionKey, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(keyId, out var cached))
        {
            return cached;
        }

        var file = await ReadFileAsync(path, cancellationToken);
        if (file is null)
        {
            return null;
        }

        var (keyType, pkcs8) = DiskKeyFile.Open(file, keyId, encryptionKey, path);
        AsymmetricAlgorithm key;
        try
        {
            key = SoftwareKeys.ImportPkcs8(keyType, pkcs8);
        }
        catch (CryptographicException)
        {
            throw new KeyManagerException($"cannot load key file '{path}': it decrypts, but not to a valid {KeyTypes.Format(keyType)} private key", isTransient: false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }

        var signer = new SoftwareKeySigner(keyId, keyType, key);
        _cache[keyId] = signer;
        LogKeyLoaded(keyId, KeyTypes.Format(keyType), path);
        return signer;
    }
}
