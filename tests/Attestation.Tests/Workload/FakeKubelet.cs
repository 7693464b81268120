using System.Net;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Tests.Common.Certificates;
using IdentityIssuer.Tests.Common.Processes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Attestation.Tests.Workload;

/// <summary>
/// A kubelet's <c>GET /pods</c> over HTTPS on a loopback port, with a serving certificate for
/// <c>localhost</c> from a test CA, that requires a bearer token (or, with no token, plain HTTP
/// like the read-only port).
/// </summary>
internal sealed class FakeKubelet : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private FakeKubelet(WebApplication app, Uri url, string caPath, string tokenPath, string directory)
    {
        _app = app;
        Url = url;
        CaPath = caPath;
        TokenPath = tokenPath;
        Directory = directory;
    }

    public const string Token = "kubelet-reader-token";

    public Uri Url { get; }

    public string CaPath { get; }

    public string TokenPath { get; }

    public string Directory { get; }

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The pod list answered to the n-th request (1-based).</summary>
    public Func<int, string> PodList { get; set; } = _ => """{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[]}""";

    public static async Task<FakeKubelet> StartAsync(bool https = true)
    {
        var directory = FreePort.ShortTempDirectory();
        var root = TestCertificates.CreateRootCa(spiffeId: null);
        var serving = TestCertificates.CreateLeaf(root, spiffeId: null, s => s.DnsNames.Add("localhost"));
        var caPath = Path.Combine(directory, "kubelet-ca.crt");
        File.WriteAllText(caPath, root.ExportCertificatePem());
        var tokenPath = Path.Combine(directory, "token");
        File.WriteAllText(tokenPath, Token + "\n");

        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, listen =>
        {
            if (https)
            {
                listen.UseHttps(serving);
            }
        }));
        var app = builder.Build();
        var url = new Uri($"{(https ? "https" : "http")}://localhost:{port}");
        var kubelet = new FakeKubelet(app, url, caPath, tokenPath, directory);
        app.MapGet("/pods", (HttpContext context) =>
        {
            var n = Interlocked.Increment(ref kubelet._requests);
            if (https && context.Request.Headers.Authorization != $"Bearer {Token}")
            {
                return Results.StatusCode(StatusCodes.Status401Unauthorized);
            }

            return Results.Text(kubelet.PodList(n), "application/json");
        });
        await app.StartAsync();
        return kubelet;
    }

    /// <summary>A PodList shaped like the kubelet's, with one running pod holding the given container.</summary>
    public static string PodListWith(string podUid, string containerId, string runtime = "containerd") =>
        $$"""
        {
          "kind": "PodList",
          "apiVersion": "v1",
          "metadata": {},
          "items": [
            {
              "metadata": {
                "name": "coredns-5d78c9869d-x7k2q",
                "generateName": "coredns-5d78c9869d-",
                "namespace": "kube-system",
                "uid": "11111111-2222-3333-4444-555555555555",
                "labels": { "k8s-app": "kube-dns", "pod-template-hash": "5d78c9869d" }
              },
              "spec": { "serviceAccountName": "coredns", "nodeName": "node-1", "containers": [ { "name": "coredns", "image": "registry.k8s.io/coredns/coredns:v1.10.1" } ] },
              "status": {
                "phase": "Running",
                "containerStatuses": [
                  { "name": "coredns", "ready": true, "restartCount": 0, "image": "registry.k8s.io/coredns/coredns:v1.10.1",
                    "imageID": "registry.k8s.io/coredns/coredns@sha256:a0ead06651cf580044aeb0a0feba63591858fb2e43ade8c9dea45a6a89ae7e5e",
                    "containerID": "{{runtime}}://{{new string('c', 64)}}", "started": true }
                ]
              }
            },
            {
              "metadata": {
                "name": "checkout-7c9f8d6b5-q2w4e",
                "generateName": "checkout-7c9f8d6b5-",
                "namespace": "payments",
                "uid": "{{podUid}}",
                "resourceVersion": "81234",
                "creationTimestamp": "2024-05-02T09:12:40Z",
                "labels": { "app": "checkout", "app.kubernetes.io/version": "2.4.1", "pod-template-hash": "7c9f8d6b5" },
                "annotations": { "kubernetes.io/config.source": "api" },
                "ownerReferences": [ { "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "checkout-7c9f8d6b5", "uid": "99999999-8888-7777-6666-555555555555", "controller": true } ]
              },
              "spec": {
                "serviceAccountName": "checkout",
                "nodeName": "node-1",
                "initContainers": [ { "name": "migrate", "image": "registry.example/checkout-migrate:2.4.1" } ],
                "containers": [
                  { "name": "app", "image": "registry.example/checkout:2.4.1" },
                  { "name": "envoy", "image": "envoyproxy/envoy:v1.30.1" }
                ]
              },
              "status": {
                "phase": "Running",
                "podIP": "10.244.1.17",
                "initContainerStatuses": [
                  { "name": "migrate", "ready": true, "restartCount": 0, "image": "registry.example/checkout-migrate:2.4.1",
                    "imageID": "registry.example/checkout-migrate@sha256:1111111111111111111111111111111111111111111111111111111111111111",
                    "containerID": "{{runtime}}://{{new string('d', 64)}}", "state": { "terminated": { "exitCode": 0, "reason": "Completed" } } }
                ],
                "containerStatuses": [
                  { "name": "envoy", "ready": true, "restartCount": 0, "image": "docker.io/envoyproxy/envoy:v1.30.1",
                    "imageID": "docker.io/envoyproxy/envoy@sha256:2222222222222222222222222222222222222222222222222222222222222222",
                    "containerID": "{{runtime}}://{{new string('e', 64)}}", "started": true, "state": { "running": { "startedAt": "2024-05-02T09:12:44Z" } } },
                  { "name": "app", "ready": true, "restartCount": 1, "image": "registry.example/checkout:2.4.1",
                    "imageID": "registry.example/checkout@sha256:3333333333333333333333333333333333333333333333333333333333333333",
                    "containerID": "{{runtime}}://{{containerId}}", "started": true, "state": { "running": { "startedAt": "2024-05-02T09:12:45Z" } } }
                ]
              }
            }
          ]
        }
        """;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
