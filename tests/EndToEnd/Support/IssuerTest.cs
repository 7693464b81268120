using System.Net.Sockets;
using System.Text.Json;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd.Support;

/// <summary>
/// Base of tests that talk to one running issuer: every command and its result, and the issuer's log
/// written during the test, go to the test output, which the runner shows when the test fails.
/// </summary>
public abstract class IssuerTest : IDisposable
{
    /// <summary>The parent every README example uses: the issuer itself.</summary>
    protected const string ServerId = "spiffe://example.org/identity-issuer/server";

    private readonly int _logMark;

    protected IssuerTest(IssuerProcess issuer, ITestOutputHelper output)
    {
        Issuer = issuer;
        Output = output;
        _logMark = issuer.LogMark;
    }

    protected IssuerProcess Issuer { get; }

    protected ITestOutputHelper Output { get; }

    /// <summary>Runs <c>identity-issuer ARGS</c> against <see cref="Issuer"/> and records the result.</summary>
    protected async Task<ProcessResult> CliAsync(params string[] args) => Record(await Issuer.CliAsync(args));

    /// <summary>Runs <c>openssl ARGS</c> and records the result.</summary>
    protected async Task<ProcessResult> OpenSslAsync(params string[] args) => Record(await OpenSsl.RunAsync(args));

    /// <summary>Creates an entry for <paramref name="spiffeId"/> under the issuer with one unix:uid selector; returns its id.</summary>
    protected async Task<string> CreateEntryAsync(string spiffeId, params string[] extra)
    {
        var result = (await CliAsync(["entry", "create", "--spiffe-id", spiffeId, "--parent-id", ServerId, "--selector", "unix:uid:1000", "--output", "json", .. extra])).ShouldSucceed();
        return ParseJson(result).RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>An HTTP client on the issuer's admin socket (base address <c>http://admin/</c>), for what the CLI would not send.</summary>
    protected HttpClient AdminHttp() => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, ct) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(Issuer.SocketPath), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    {
        BaseAddress = new Uri("http://admin/"),
        Timeout = TimeSpan.FromSeconds(60),
    };

    /// <summary>An HTTP client for the issuer's agent API port that presents no client certificate (as an agent does before it attests).</summary>
    protected HttpClient AgentApiHttp() => new(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true })
    {
        BaseAddress = new Uri(Issuer.AgentApiAddress),
        Timeout = TimeSpan.FromSeconds(60),
    };

    /// <summary>The stored entries as <c>entry list --output json</c> prints them.</summary>
    protected async Task<string> ListEntriesJsonAsync() => (await CliAsync("entry", "list", "--output", "json")).ShouldSucceed().StdOut;

    /// <summary>Parses a command's stdout as JSON, failing with the whole result if it is not.</summary>
    protected static JsonDocument ParseJson(ProcessResult result)
    {
        try
        {
            return JsonDocument.Parse(result.StdOut);
        }
        catch (JsonException ex)
        {
            throw new Xunit.Sdk.XunitException($"stdout is not JSON: {ex.Message}\n{result}");
        }
    }

    protected ProcessResult Record(ProcessResult result)
    {
        Output.WriteLine(result.ToString());
        return result;
    }

    public void Dispose()
    {
        Output.WriteLine("--- issuer log during this test ---");
        Output.WriteLine(Issuer.LogSince(_logMark));
        GC.SuppressFinalize(this);
    }
}
