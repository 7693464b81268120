using IdentityIssuer.Gateway.Configuration;

namespace IdentityIssuer.Gateway.Forwarding;

/// <summary>
/// The upstream addresses in their configured order. A request goes to the first one the last health
/// probe found healthy; an address counts as healthy until a probe says otherwise.
/// </summary>
internal sealed class UpstreamDestinations
{
    private readonly UpstreamDestination[] _all;

    public UpstreamDestinations(IReadOnlyList<string> addresses) =>
        _all = [.. addresses.Select(a => new UpstreamDestination(new Uri(a).GetLeftPart(UriPartial.Path).TrimEnd('/')))];

    public IReadOnlyList<UpstreamDestination> All => _all;

    /// <summary>The first healthy address; null when none is.</summary>
    public UpstreamDestination? Pick() => Array.Find(_all, d => d.IsHealthy);

    /// <summary>GETs <see cref="UpstreamHealthCheckOptions.Path"/> on every address at once; a 2xx answer is healthy. Returns the addresses whose health changed.</summary>
    public async Task<IReadOnlyList<UpstreamDestination>> ProbeAsync(HttpMessageInvoker invoker, UpstreamHealthCheckOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        var results = await Task.WhenAll(_all.Select(async destination =>
        {
            using var timeout = new CancellationTokenSource(options.Timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
            string? problem;
            try
            {
                using var probe = new HttpRequestMessage(HttpMethod.Get, destination.Prefix + options.Path);
                using var response = await invoker.SendAsync(probe, linked.Token);
                problem = response.IsSuccessStatusCode ? null : $"{options.Path} answered {(int)response.StatusCode}";
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                problem = ex is OperationCanceledException ? $"no answer to {options.Path} within {options.Timeout}" : ex.Message;
            }

            return destination.Record(problem) ? destination : null;
        }));
        return [.. results.OfType<UpstreamDestination>()];
    }
}

/// <summary>One upstream base address and its health.</summary>
internal sealed class UpstreamDestination(string prefix)
{
    private volatile string? _problem;

    /// <summary>The base address without a trailing <c>/</c>; the request target is appended to it.</summary>
    public string Prefix { get; } = prefix;

    public bool IsHealthy => _problem is null;

    /// <summary>Why the last probe found it unhealthy; null while healthy.</summary>
    public string? Problem => _problem;

    /// <summary>Records a probe's result; true when the health changed.</summary>
    public bool Record(string? problem)
    {
        var wasHealthy = IsHealthy;
        _problem = problem;
        return wasHealthy != (problem is null);
    }
}
