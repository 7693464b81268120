using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace IdentityIssuer.Spiffe.WorkloadApi;

/// <summary>
/// Workload API endpoint addresses (SPIFFE Workload Endpoint §4): <c>unix:///absolute/path</c> (or
/// <c>unix:/absolute/path</c>), with no authority, query or fragment; or <c>tcp://IP:port</c> with
/// nothing else. Clients use explicit configuration first, then <c>SPIFFE_ENDPOINT_SOCKET</c>.
/// </summary>
public static class WorkloadApiAddress
{
    /// <summary>The environment variable every SPIFFE client falls back to.</summary>
    public const string EnvironmentVariable = "SPIFFE_ENDPOINT_SOCKET";

    /// <summary>The address from <see cref="EnvironmentVariable"/>.</summary>
    /// <exception cref="InvalidOperationException">The variable is not set.</exception>
    /// <exception cref="FormatException">Its value is not a valid endpoint address.</exception>
    public static EndPoint FromEnvironment()
    {
        var value = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrEmpty(value))
        {
            throw new InvalidOperationException($"no Workload API address was given (--socket or an explicit address) and {EnvironmentVariable} is not set");
        }

        return Parse(value);
    }

    /// <summary>Parses an endpoint address into a <see cref="UnixDomainSocketEndPoint"/> or an <see cref="IPEndPoint"/>.</summary>
    /// <exception cref="FormatException">The address breaks a rule; the message names it.</exception>
    public static EndPoint Parse(string address)
    {
        if (!TryParse(address, out var endpoint, out var error))
        {
            throw new FormatException(error);
        }

        return endpoint;
    }

    /// <summary>Parses like <see cref="Parse"/> without throwing.</summary>
    public static bool TryParse(string? address, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out EndPoint? endpoint, out string error)
    {
        endpoint = null;
        if (string.IsNullOrEmpty(address))
        {
            error = "workload endpoint socket address is empty";
            return false;
        }

        var colon = address.IndexOf(':', StringComparison.Ordinal);
        var scheme = colon > 0 ? address[..colon] : string.Empty;
        var rest = colon > 0 ? address[(colon + 1)..] : string.Empty;
        if (scheme.Equals("unix", StringComparison.OrdinalIgnoreCase))
        {
            return TryParseUnix(address, rest, out endpoint, out error);
        }

        if (scheme.Equals("tcp", StringComparison.OrdinalIgnoreCase))
        {
            return TryParseTcp(address, rest, out endpoint, out error);
        }

        error = scheme.Length == 0
            ? $"workload endpoint socket address '{address}' is not a URI; expected unix:///path or tcp://IP:port"
            : $"workload endpoint socket URI '{address}' has unsupported scheme '{scheme}'; expected unix or tcp";
        return false;
    }

    private static bool TryParseUnix(string address, string rest, out EndPoint? endpoint, out string error)
    {
        endpoint = null;
        if (!CheckNoQueryOrFragment(address, rest, "unix", out error))
        {
            return false;
        }

        var path = rest;
        if (rest.StartsWith("//", StringComparison.Ordinal))
        {
            var afterSlashes = rest[2..];
            var slash = afterSlashes.IndexOf('/', StringComparison.Ordinal);
            var authority = slash < 0 ? afterSlashes : afterSlashes[..slash];
            if (authority.Length > 0)
            {
                error = $"workload endpoint unix socket URI '{address}' must not include a host ('{authority}'); use unix:///absolute/path";
                return false;
            }

            path = slash < 0 ? string.Empty : afterSlashes[slash..];
        }

        if (path.Length == 0)
        {
            error = $"workload endpoint unix socket URI '{address}' must include a path";
            return false;
        }

        if (path[0] != '/')
        {
            error = $"workload endpoint unix socket URI '{address}' must have an absolute path (unix:///absolute/path)";
            return false;
        }

        string decoded;
        try
        {
            decoded = Uri.UnescapeDataString(path);
        }
        catch (UriFormatException e)
        {
            error = $"workload endpoint unix socket URI '{address}' has a bad percent-encoding: {e.Message}";
            return false;
        }

        endpoint = new UnixDomainSocketEndPoint(decoded);
        error = string.Empty;
        return true;
    }

    private static bool TryParseTcp(string address, string rest, out EndPoint? endpoint, out string error)
    {
        endpoint = null;
        if (!CheckNoQueryOrFragment(address, rest, "tcp", out error))
        {
            return false;
        }

        if (!rest.StartsWith("//", StringComparison.Ordinal))
        {
            error = $"workload endpoint tcp socket URI '{address}' must be tcp://IP:port";
            return false;
        }

        var authority = rest[2..];
        var slash = authority.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            error = $"workload endpoint tcp socket URI '{address}' must not include a path";
            return false;
        }

        if (authority.Contains('@', StringComparison.Ordinal))
        {
            error = $"workload endpoint tcp socket URI '{address}' must not include user info";
            return false;
        }

        string host;
        string port;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= authority.Length || authority[close + 1] != ':')
            {
                error = $"workload endpoint tcp socket URI '{address}' must include a port";
                return false;
            }

            host = authority[1..close];
            port = authority[(close + 2)..];
        }
        else
        {
            var lastColon = authority.LastIndexOf(':');
            if (lastColon < 0)
            {
                error = $"workload endpoint tcp socket URI '{address}' must include a port";
                return false;
            }

            host = authority[..lastColon];
            port = authority[(lastColon + 1)..];
            if (host.Count(c => c == '.') != 3)
            {
                host = string.Empty; // not a dotted quad: a name, or an IPv6 address without brackets
            }
        }

        if (!IPAddress.TryParse(host, out var ip))
        {
            error = $"workload endpoint tcp socket URI '{address}' host must be an IP address";
            return false;
        }

        if (port.Length == 0 || !port.All(char.IsAsciiDigit) ||
            !int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
        {
            error = $"workload endpoint tcp socket URI '{address}' must include a port between 1 and 65535";
            return false;
        }

        endpoint = new IPEndPoint(ip, number);
        error = string.Empty;
        return true;
    }

    private static bool CheckNoQueryOrFragment(string address, string rest, string scheme, out string error)
    {
        if (rest.Contains('?', StringComparison.Ordinal))
        {
            error = $"workload endpoint {scheme} socket URI '{address}' must not include query values";
            return false;
        }

        if (rest.Contains('#', StringComparison.Ordinal))
        {
            error = $"workload endpoint {scheme} socket URI '{address}' must not include a fragment";
            return false;
        }

        error = string.Empty;
        return true;
    }
}
