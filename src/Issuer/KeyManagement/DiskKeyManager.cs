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
                    DirectorySync.Flush(_directory);
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

    private async Task<byte[]> GetEncryptionKeyAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _encryptionKey) is { } key)
        {
            return key;
        }

        await _fileLock.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_encryptionKey is null)
            {
                CreateDirectory();
                var loaded = _configuredEncryptionKey ?? await LoadOrCreateEncryptionKeyAsync(cancellationToken);
                Volatile.Write(ref _encryptionKey, loaded);
            }

            return _encryptionKey!;
        }
        finally
        {
            _fileLock.Release();
        }
    }

    private void CreateDirectory()
    {
        try
        {
            if (OperatingSystem.IsWindows())
            {
                System.IO.Directory.CreateDirectory(_directory);
                return;
            }

            System.IO.Directory.CreateDirectory(_directory, DirectoryMode);
            WarnIfShared(_directory, System.IO.File.GetUnixFileMode(_directory), "0700");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KeyManagerException($"cannot create key directory '{_directory}': {e.Message}", e is IOException, e);
        }
    }

    private async Task<byte[]> LoadOrCreateEncryptionKeyAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(_directory, EncryptionKeyFileName);
        if (await ReadFileAsync(path, cancellationToken) is not { } existing)
        {
            var created = RandomNumberGenerator.GetBytes(DiskKeyFile.EncryptionKeyLength);
            var text = System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(created) + "\n");
            try
            {
                // Never overwrite: if another process created one meanwhile, use that one.
                await WriteFileAtomicallyAsync(path, text, overwrite: false, cancellationToken);
                LogEncryptionKeyCreated(path);
                return created;
            }
            catch (KeyManagerException) when (File.Exists(path))
            {
                CryptographicOperations.ZeroMemory(created);
                existing = await ReadFileAsync(path, cancellationToken)
                    ?? throw new KeyManagerException($"encryption key file '{path}' disappeared while being read", isTransient: true);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(text);
            }
        }

        if (!OperatingSystem.IsWindows())
        {
            WarnIfShared(path, File.GetUnixFileMode(path), "0600");
        }

        try
        {
            var decoded = Convert.FromBase64String(System.Text.Encoding.ASCII.GetString(existing).Trim());
            if (decoded.Length != DiskKeyFile.EncryptionKeyLength)
            {
                CryptographicOperations.ZeroMemory(decoded);
                throw new KeyManagerException($"encryption key file '{path}' must hold {DiskKeyFile.EncryptionKeyLength} bytes in base64", isTransient: false);
            }

            return decoded;
        }
        catch (FormatException)
        {
            throw new KeyManagerException($"encryption key file '{path}' must hold {DiskKeyFile.EncryptionKeyLength} bytes in base64", isTransient: false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(existing);
        }
    }

    /// <summary>The file's bytes, or null when it does not exist.</summary>
    private static async Task<byte[]?> ReadFileAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = new FileStream(path, System.IO.FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            if (stream.Length > DiskKeyFile.MaxFileLength)
            {
                throw new KeyManagerException($"cannot load key file '{path}': it is {stream.Length} bytes, larger than any key file", isTransient: false);
            }

            var bytes = new byte[stream.Length];
            await stream.ReadExactlyAsync(bytes, cancellationToken);
            return bytes;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KeyManagerException($"cannot read '{path}': {e.Message}", e is IOException, e);
        }
    }

    /// <summary>
    /// Writes to a new 0600 temporary file in the same directory, flushes it to disk, then renames
    /// it over <paramref name="path"/>: readers and crashes see the old file or the new one, whole.
    /// </summary>
    private async Task WriteFileAtomicallyAsync(string path, byte[] content, bool overwrite, CancellationToken cancellationToken)
    {
        var temp = Path.Combine(_directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}{TempFileExtension}");
        try
        {
            var options = new FileStreamOptions
            {
                Mode = System.IO.FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                BufferSize = 0,
            };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = FileMode;
            }

            await using (var stream = new FileStream(temp, options))
            {
                await stream.WriteAsync(content, cancellationToken);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite);
            DirectorySync.Flush(_directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            TryDelete(temp);
            if (e is OperationCanceledException)
            {
                throw;
            }

            throw new KeyManagerException($"cannot write '{path}': {e.Message}", e is IOException, e);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Leftover temporary files are never read as keys.
        }
    }

    private void WarnIfShared(string path, UnixFileMode mode, string expected)
    {
        if ((mode & GroupOrOther) != 0)
        {
            LogSharedPermissions(path, Convert.ToString((int)mode, 8), expected);
        }
    }
}
