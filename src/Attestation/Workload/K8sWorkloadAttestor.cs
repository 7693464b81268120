using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using IdentityIssuer.Attestation.Selectors;

namespace IdentityIssuer.Attestation.Workload;

/// <summary>
/// Selectors for a process in a Kubernetes pod: <c>ns:</c>, <c>sa:</c>, <c>pod-uid:</c>,
/// <c>pod-name:</c>, <c>pod-label:KEY:VALUE</c>, <c>node-name:</c>, <c>container-name:</c> and
/// <c>container-image:</c> (the image as the kubelet reports it and, separately, its resolved image id).
/// The pod and container come from the process's cgroup; their details from the kubelet's pod list.
/// A process in no pod gets no selectors.
/// </summary>
public sealed class K8sWorkloadAttestor : IWorkloadAttestor, IDisposable
{
    private readonly K8sWorkloadAttestorOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ProcFileSystem _proc;
    private readonly HttpClient _http;
    private readonly Uri _podsUrl;

    /// <summary>Creates the attestor; reads the kubelet CA file now, so a missing one stops the agent at start.</summary>
    public K8sWorkloadAttestor(K8sWorkloadAttestorOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.KubeletUrl);
        _options = options;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _proc = new ProcFileSystem(options.ProcRoot);
        _podsUrl = new Uri(options.KubeletUrl.AbsoluteUri.TrimEnd('/') + "/pods");
        var handler = new SocketsHttpHandler();
        if (_podsUrl.Scheme == Uri.UriSchemeHttps)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = CertificateValidator(options);
        }

        _http = new HttpClient(handler) { Timeout = options.RequestTimeout };
    }

    /// <inheritdoc />
    public string Name => "k8s";

    /// <inheritdoc />
    public async Task<IReadOnlyList<Selector>> AttestAsync(WorkloadProcess process, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(process);
        var pid = process.ProcessId;
        await _proc.EnsureSameProcessAsync(pid, process.StartTime, cancellationToken);
        var cgroup = await _proc.ReadTextAsync(pid, "cgroup", cancellationToken);
        await _proc.EnsureSameProcessAsync(pid, process.StartTime, cancellationToken);

        var container = ContainerCgroupParser.FromCgroupFile(pid, CgroupEntry.ParseFile(cgroup));
        if (container?.PodUid is not { } podUid)
        {
            return [];
        }

        var pod = await FindPodAsync(container.ContainerId, podUid, cancellationToken);
        var selectors = new SelectorListBuilder(Name);
        selectors.Add($"ns:{pod.Namespace}");
        selectors.Add($"pod-uid:{pod.Uid}");
        selectors.Add($"pod-name:{pod.Name}");
        selectors.Add($"container-name:{pod.ContainerName}");
        if (pod.ServiceAccountName is { Length: > 0 } sa)
        {
            selectors.Add($"sa:{sa}");
        }

        if (pod.NodeName is { Length: > 0 } node)
        {
            selectors.Add($"node-name:{node}");
        }

        if (pod.ContainerImage is { Length: > 0 } image)
        {
            selectors.Add($"container-image:{image}");
        }

        if (pod.ContainerImageId is { Length: > 0 } imageId)
        {
            selectors.Add($"container-image:{imageId}");
        }

        foreach (var (key, value) in pod.Labels)
        {
            selectors.Add($"pod-label:{key}:{value}");
        }

        return selectors.Build();
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private async Task<KubeletPod> FindPodAsync(string containerId, string podUid, CancellationToken cancellationToken)
    {
        var attempts = Math.Max(1, _options.MaxPollAttempts);
        for (var attempt = 1; ; attempt++)
        {
            var podList = await GetPodListAsync(containerId, cancellationToken);
            KubeletPod? pod;
            try
            {
                pod = KubeletPodListParser.Find(podList, containerId);
            }
            catch (JsonException e)
            {
                throw new WorkloadAttestationException($"container {containerId}: the kubelet's pod list at {_podsUrl} is malformed: {e.Message}", e);
            }

            if (pod is not null)
            {
                if (!string.Equals(pod.Uid, podUid, StringComparison.Ordinal))
                {
                    throw new WorkloadAttestationException(
                        $"container {containerId}: its cgroup places it in pod {podUid} but the kubelet lists it in pod {pod.Uid}");
                }

                return pod;
            }

            if (attempt >= attempts)
            {
                throw new WorkloadAttestationException(
                    $"container {containerId} of pod {podUid} is not in the kubelet's pod list after {attempts} attempts");
            }

            await Task.Delay(_options.PollRetryInterval, _timeProvider, cancellationToken);
        }
    }

    private async Task<string> GetPodListAsync(string containerId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _podsUrl);
        if (!string.IsNullOrEmpty(_options.TokenPath))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await ReadTokenAsync(cancellationToken));
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new WorkloadAttestationException($"container {containerId}: the kubelet at {_podsUrl} did not answer: {e.Message}", e);
        }

        using (response)
        {
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new WorkloadAttestationException(
                    $"container {containerId}: GET {_podsUrl} returned {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            return await response.Content.ReadAsStringAsync(cancellationToken);
        }
    }

    private async Task<string> ReadTokenAsync(CancellationToken cancellationToken)
    {
        try
        {
            var token = (await File.ReadAllTextAsync(_options.TokenPath, cancellationToken)).Trim();
            return token.Length > 0 ? token : throw new WorkloadAttestationException($"the kubelet token file {_options.TokenPath} is empty");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WorkloadAttestationException($"cannot read the kubelet token file {_options.TokenPath}: {e.Message}", e);
        }
    }

    private static RemoteCertificateValidationCallback? CertificateValidator(K8sWorkloadAttestorOptions options)
    {
        if (options.SkipKubeletVerification)
        {
            return (_, _, _, _) => true;
        }

        if (string.IsNullOrEmpty(options.CaPath))
        {
            return null;
        }

        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(options.CaPath);
        if (roots.Count == 0)
        {
            throw new ArgumentException($"the kubelet CA file {options.CaPath} holds no certificate", nameof(options));
        }

        // The kubelet's certificate must chain to one of these roots (not to the system store) and
        // name the host the URL names.
        return (_, certificate, presented, errors) =>
        {
            if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (presented is not null)
            {
                // Intermediates the kubelet sent; they can only help build a path to the roots above.
                foreach (var element in presented.ChainElements)
                {
                    chain.ChainPolicy.ExtraStore.Add(element.Certificate);
                }
            }

            using var leaf = new X509Certificate2(certificate);
            return chain.Build(leaf);
        };
    }
}
