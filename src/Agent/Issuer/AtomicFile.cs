namespace IdentityIssuer.Agent.Issuer;

/// <summary>Writes a file through a temporary file created with its final mode, flushed, then renamed into place.</summary>
internal static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> content, UnixFileMode mode)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode }))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
