using System.Net;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Agent.Issuer;

/// <summary>
/// The issuer replicas an agent may talk to, and which one it talks to now. A call goes to the current
/// address; when that one cannot be reached, times out or answers 503, the same call goes at once to
/// the next address (in configured order, wrapping around), and the address that answers becomes the
/// current one for later calls. Any other answer, an error included, ends the call there.
/// </summary>
internal sealed partial class IssuerFailover
{
    private readonly IReadOnlyList<Uri> _addresses;
    private readonly ILogger _logger;
    private volatile int _current;

    public IssuerFailover(IEnumerable<Uri> addresses, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        _addresses = [.. addresses];
        _logger = logger;
        if (_addresses.Count == 0)
        {
            throw new ArgumentException("at least one issuer address is needed", nameof(addresses));
        }
    }

    /// <summary>The address calls go to first.</summary>
    public Uri Current => _addresses[_current];

    /// <summary>
    /// Runs <paramref name="call"/> against the current address and, while the issuer there is
    /// unavailable (<see cref="IssuerCallException.IsUnavailable"/>), against each other address once.
    /// Throws the last failure when none answers.
    /// </summary>
    public async Task<T> CallAsync<T>(Func<Uri, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var start = _current;
        for (var attempt = 0; ; attempt++)
        {
            var index = (start + attempt) % _addresses.Count;
            try
            {
                var result = await call(_addresses[index], cancellationToken);
                if (index != _current)
                {
                    _current = index;
                    LogSwitched(_logger, _addresses[index]);
                }

                return result;
            }
            catch (IssuerCallException ex) when (ex.IsUnavailable && attempt + 1 < _addresses.Count)
            {
                LogTryingNext(_logger, _addresses[index], ex.Message, _addresses[(index + 1) % _addresses.Count]);
            }
        }
    }

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Issuer {Address} is unavailable ({Reason}); trying {Next}")]
    private static partial void LogTryingNext(ILogger logger, Uri address, string reason, Uri next);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Now using issuer {Address}")]
    private static partial void LogSwitched(ILogger logger, Uri address);
}
