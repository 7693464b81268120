using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using IdentityIssuer.Attestation.Selectors;

namespace IdentityIssuer.Attestation.Workload;

/// <summary>
/// Selectors for a process in a Docker container: <c>container_id:</c>, <c>image_id:</c> (the image
/// the container was created from, as given: <c>Config.Image</c>) and <c>label:KEY:VALUE</c> for each
/// container label. The container is found from the process's cgroup (or, failing that, its
/// /etc/hostname mount) and inspected through the Engine API's <c>GET /containers/{id}/json</c>.
/// A process in no container gets no selectors.
/// </summary>
public sealed class DockerWorkloadAttestor : IWorkloadAttestor, IDisposable
{
    private readonly DockerWorkloadAttestorOptions _options;
    private readonly ProcFileSystem _proc;
    private readonly HttpClient _http;

    /// <summary>Creates the attestor.</summary>
    public DockerWorkloadAttestor(DockerWorkloadAttestorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _proc = new ProcFileSystem(options.ProcRoot);
        var socketPath = SocketPath(options.DockerHost);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://docker/"), Timeout = options.RequestTimeout };
    }

    /// <inheritdoc />
    public string Name => "docker";

    /// <summary>The socket path of a <c>unix://</c> Docker host, or an exception naming what is wrong.</summary>
    public static string SocketPath(string dockerHost)
    {
        const string Scheme = "unix://";
        if (dockerHost is null || !dockerHost.StartsWith(Scheme, StringComparison.Ordinal) || dockerHost.Length == Scheme.Length || dockerHost[Scheme.Length] != '/')
        {
            throw new ArgumentException($"the Docker host '{dockerHost}' must be unix:///ABSOLUTE/PATH/TO/SOCKET", nameof(dockerHost));
        }

        return dockerHost[Scheme.Length..];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Selector>> AttestAsync(WorkloadProcess process, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(process);
        var containerId = await FindContainerAsync(process, cancellationToken);
        if (containerId is null)
        {
            return [];
        }

        var (image, labels) = await InspectAsync(containerId, cancellationToken);
        var selectors = new SelectorListBuilder(Name);
        selectors.Add($"container_id:{containerId}");
        if (!string.IsNullOrEmpty(image))
        {
            selectors.Add($"image_id:{image}");
        }

        foreach (var (key, value) in labels)
        {
            selectors.Add($"label:{key}:{value}");
        }

        return selectors.Build();
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private async Task<string?> FindContainerAsync(WorkloadProcess process, CancellationToken cancellationToken)
    {
        var pid = process.ProcessId;
        await _proc.EnsureSameProcessAsync(pid, process.StartTime, cancellationToken);
        var cgroup = await _proc.ReadTextAsync(pid, "cgroup", cancellationToken);
        var container = ContainerCgroupParser.FromCgroupFile(pid, CgroupEntry.ParseFile(cgroup));
        string? id = container?.ContainerId;
        if (id is null)
        {
            var mounts = await _proc.ReadTextAsync(pid, "mountinfo", cancellationToken);
            var ownMounts = await ReadOwnMountsAsync(cancellationToken);
            id = ownMounts is null ? null : MountInfoContainerFinder.Find(mounts, ownMounts, _options.DataRoot);
        }

        await _proc.EnsureSameProcessAsync(pid, process.StartTime, cancellationToken);
        return id;
    }

    private async Task<string?> ReadOwnMountsAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(_proc.Root, "self", "mountinfo");
        try
        {
            return await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WorkloadAttestationException($"cannot read the agent's own mounts {path}: {e.Message}", e);
        }
    }

    private async Task<(string? Image, IReadOnlyList<KeyValuePair<string, string>> Labels)> InspectAsync(string containerId, CancellationToken cancellationToken)
    {
        var path = $"v{_options.ApiVersion}/containers/{containerId}/json";
        HttpResponseMessage response;
        try
        {
            response = await _http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new WorkloadAttestationException($"container {containerId}: the Docker Engine API at {_options.DockerHost} did not answer: {e.Message}", e);
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new WorkloadAttestationException(
                    $"container {containerId}: GET /{path} returned {(int)response.StatusCode} {response.ReasonPhrase}: {ErrorMessage(body)}");
            }

            try
            {
                return ParseInspect(containerId, body);
            }
            catch (JsonException e)
            {
                throw new WorkloadAttestationException($"container {containerId}: the Docker Engine API answered with malformed JSON: {e.Message}", e);
            }
        }
    }

    // The fields of the container inspect response used here: {"Id": "...", "Image": "sha256:...",
    // "Config": {"Image": "nginx:1.27", "Labels": {"k": "v"}}}.
    internal static (string? Image, IReadOnlyList<KeyValuePair<string, string>> Labels) ParseInspect(string containerId, string body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("Id", out var idElement)
            || idElement.ValueKind != JsonValueKind.String
            || idElement.GetString() != containerId)
        {
            throw new WorkloadAttestationException($"container {containerId}: the Docker Engine API answered about a different container");
        }

        string? image = null;
        var labels = new List<KeyValuePair<string, string>>();
        if (root.TryGetProperty("Config", out var config) && config.ValueKind == JsonValueKind.Object)
        {
            if (config.TryGetProperty("Image", out var imageElement) && imageElement.ValueKind == JsonValueKind.String)
            {
                image = imageElement.GetString();
            }

            if (config.TryGetProperty("Labels", out var labelsElement) && labelsElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var label in labelsElement.EnumerateObject())
                {
                    if (label.Value.ValueKind == JsonValueKind.String)
                    {
                        labels.Add(new(label.Name, label.Value.GetString()!));
                    }
                }
            }
        }

        return (image, labels);
    }

    private static string ErrorMessage(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("message", out var message)
                && message.ValueKind == JsonValueKind.String)
            {
                return message.GetString()!;
            }
        }
        catch (JsonException)
        {
        }

        return body.Length > 200 ? body[..200] : body;
    }
}
