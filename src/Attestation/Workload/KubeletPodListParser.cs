using System.Text.Json;

namespace IdentityIssuer.Attestation.Workload;

/// <summary>
/// Finds a container in the kubelet's <c>/pods</c> answer, a PodList:
/// <c>items[].metadata{name,namespace,uid,labels}</c>, <c>spec{serviceAccountName,nodeName}</c>,
/// <c>status{containerStatuses,initContainerStatuses,ephemeralContainerStatuses}[]{name,image,imageID,containerID}</c>,
/// where containerID is <c>&lt;runtime&gt;://&lt;id&gt;</c>.
/// </summary>
internal static class KubeletPodListParser
{
    private static readonly string[] StatusLists = ["containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"];

    /// <summary>The pod and container whose status has the container id, or null when none has it yet.</summary>
    /// <exception cref="JsonException">The body is not JSON.</exception>
    public static KubeletPod? Find(string podList, string containerId)
    {
        using var document = JsonDocument.Parse(podList);
        if (document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("items", out var items)
            || items.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("the pod list has no items array");
        }

        foreach (var pod in items.EnumerateArray())
        {
            if (FindContainer(pod, containerId) is { } container)
            {
                return Describe(pod, container);
            }
        }

        return null;
    }

    private static JsonElement? FindContainer(JsonElement pod, string containerId)
    {
        if (!TryGetObject(pod, "status", out var status))
        {
            return null;
        }

        foreach (var list in StatusLists)
        {
            if (!status.TryGetProperty(list, out var statuses) || statuses.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var container in statuses.EnumerateArray())
            {
                var id = String(container, "containerID");
                var separator = id?.IndexOf("://", StringComparison.Ordinal) ?? -1;
                if (separator > 0 && string.Equals(id![(separator + 3)..], containerId, StringComparison.Ordinal))
                {
                    return container;
                }
            }
        }

        return null;
    }

    private static KubeletPod? Describe(JsonElement pod, JsonElement container)
    {
        if (!TryGetObject(pod, "metadata", out var metadata)
            || String(metadata, "uid") is not { } uid
            || String(metadata, "name") is not { } name
            || String(metadata, "namespace") is not { } ns
            || String(container, "name") is not { } containerName)
        {
            throw new JsonException("the pod of the container has no metadata uid, name or namespace, or the container has no name");
        }

        var labels = new List<KeyValuePair<string, string>>();
        if (TryGetObject(metadata, "labels", out var labelObject))
        {
            foreach (var label in labelObject.EnumerateObject())
            {
                if (label.Value.ValueKind == JsonValueKind.String)
                {
                    labels.Add(new(label.Name, label.Value.GetString()!));
                }
            }
        }

        TryGetObject(pod, "spec", out var spec);
        return new KubeletPod(
            uid,
            name,
            ns,
            spec.ValueKind == JsonValueKind.Object ? String(spec, "serviceAccountName") : null,
            spec.ValueKind == JsonValueKind.Object ? String(spec, "nodeName") : null,
            labels,
            containerName,
            String(container, "image"),
            String(container, "imageID"));
    }

    private static bool TryGetObject(JsonElement element, string name, out JsonElement value) =>
        element.TryGetProperty(name, out value) && value.ValueKind == JsonValueKind.Object;

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
