using System.Security.Cryptography;
using System.Text;

namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>File handling of the disk key manager: the directory, the encryption key file, reads, and atomic writes.</summary>
internal sealed partial class DiskKeyManager
{
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
            var text = Encoding.ASCII.GetBytes(Convert.ToBase64String(created) + "\n");
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
            var decoded = Convert.FromBase64String(Encoding.ASCII.GetString(existing).Trim());
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
            _ = DirectorySync.Flush(_directory);
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
