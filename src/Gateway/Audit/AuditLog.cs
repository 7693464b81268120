using System.Text;
using System.Text.Json;
using IdentityIssuer.Gateway.Configuration;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Gateway.Audit;

/// <summary>
/// Writes each <see cref="AuditRecord"/> as one JSON line to stdout and to a file (mode 0600) that is
/// rotated by size: audit.log → audit.log.1 → … → audit.log.N, the oldest dropped. Each line is
/// flushed before the answer goes out, so a decision the caller saw is on disk.
/// </summary>
internal sealed partial class AuditLog : IDisposable
{
    private const UnixFileMode AuditFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    // Readable lines (apostrophes and quotes in reasons stay as they are); control characters are still escaped.
    private static readonly JsonSerializerOptions LineOptions = new(AuditJsonContext.Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly AuditOptions _options;
    private readonly ILogger<AuditLog> _logger;
    private readonly Lock _lock = new();
    private readonly string _path;
    private FileStream? _file;

    public AuditLog(AuditOptions options, ILogger<AuditLog> logger)
    {
        _options = options;
        _logger = logger;
        _path = Path.GetFullPath(options.FilePath);
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
    }

    public string FilePath => _path;

    public void Write(AuditRecord record)
    {
        var line = JsonSerializer.Serialize(record, LineOptions) + "\n";
        var bytes = Encoding.UTF8.GetBytes(line);
        lock (_lock)
        {
            try
            {
                var file = Open();
                if (file.Length > 0 && file.Length + bytes.Length > _options.MaxFileBytes)
                {
                    Rotate();
                    file = Open();
                }

                file.Write(bytes);
                file.Flush();
            }
            catch (IOException ex)
            {
                LogWriteFailed(_logger, _path, ex.Message);
            }

            if (_options.Stdout)
            {
                Console.Out.Write(line);
                Console.Out.Flush();
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _file?.Dispose();
            _file = null;
        }
    }

    private FileStream Open()
    {
        if (_file is not null)
        {
            return _file;
        }

        _file = new FileStream(_path, new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            Share = FileShare.Read,
            UnixCreateMode = AuditFileMode,
        });
        return _file;
    }

    private void Rotate()
    {
        _file?.Dispose();
        _file = null;
        var oldest = $"{_path}.{_options.MaxFiles}";
        if (File.Exists(oldest))
        {
            File.Delete(oldest);
        }

        for (var i = _options.MaxFiles - 1; i >= 1; i--)
        {
            var from = $"{_path}.{i}";
            if (File.Exists(from))
            {
                File.Move(from, $"{_path}.{i + 1}");
            }
        }

        if (_options.MaxFiles > 0)
        {
            File.Move(_path, _path + ".1");
        }
        else
        {
            File.Delete(_path);
        }
    }

    [LoggerMessage(EventId = 600, Level = LogLevel.Error, Message = "Cannot write the audit file {Path}: {Error}")]
    private static partial void LogWriteFailed(ILogger logger, string path, string error);
}
