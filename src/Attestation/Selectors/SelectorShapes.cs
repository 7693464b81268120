using System.Text.RegularExpressions;

namespace IdentityIssuer.Attestation.Selectors;

/// <summary>
/// The selector types this project's attestors produce and the shape of each one's values, so that
/// a registration entry naming a selector no attestor can ever produce is refused when it is created.
/// </summary>
public static partial class SelectorShapes
{
    private static readonly Dictionary<string, (Regex Pattern, string Description)[]> Shapes = new(StringComparer.Ordinal)
    {
        ["unix"] =
        [
            (UnixNumeric(), "uid:N, gid:N or supplementary_gid:N"),
            (UnixName(), "user:NAME, group:NAME or supplementary_group:NAME"),
            (UnixPath(), "path:/ABSOLUTE/PATH"),
            (Sha256(), "sha256:64 lowercase hex digits"),
        ],
        ["systemd"] = [(SystemdUnit(), "id:UNIT (e.g. id:nginx.service)")],
        ["docker"] =
        [
            (DockerLabel(), "label:KEY:VALUE"),
            (DockerImage(), "image_id:IMAGE"),
            (DockerContainer(), "container_id:64 hex digits"),
        ],
        ["k8s"] =
        [
            (K8sName(), "ns:, sa:, pod-name:, container-name:, node-name: followed by a name"),
            (K8sUid(), "pod-uid:UID"),
            (K8sLabel(), "pod-label:KEY:VALUE"),
            (K8sImage(), "container-image:IMAGE"),
        ],
        ["join_token"] = [(Anything(), "any value")],
        ["x509pop"] =
        [
            (X509PopSubject(), "subject:cn:NAME"),
            (X509PopCa(), "ca:fingerprint:SHA1_HEX"),
            (X509PopSan(), "san:dns:NAME or san:uri:URI"),
        ],
    };

    /// <summary>The selector types that an attestor of this project can produce.</summary>
    public static IReadOnlyCollection<string> KnownTypes => Shapes.Keys;

    /// <summary>Checks a selector against the known shapes; returns null when it fits, else what is wrong.</summary>
    public static string? Check(Selector selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        if (!Shapes.TryGetValue(selector.Type, out var shapes))
        {
            return $"unknown selector type '{InputEcho.Of(selector.Type)}'; known types: {string.Join(", ", Shapes.Keys.Order(StringComparer.Ordinal))}";
        }

        foreach (var (pattern, _) in shapes)
        {
            if (pattern.IsMatch(selector.Value))
            {
                return null;
            }
        }

        var expected = string.Join("; ", shapes.Select(s => s.Description));
        return $"selector '{InputEcho.Of(selector.ToString())}' does not fit type '{selector.Type}'; expected {expected}";
    }

    [GeneratedRegex(@"^(uid|gid|supplementary_gid):[0-9]{1,10}$")]
    private static partial Regex UnixNumeric();

    [GeneratedRegex(@"^(user|group|supplementary_group):[A-Za-z0-9_.][A-Za-z0-9_.-]{0,255}\$?$")]
    private static partial Regex UnixName();

    [GeneratedRegex(@"^path:/[^\u0000]*$")]
    private static partial Regex UnixPath();

    [GeneratedRegex(@"^sha256:[0-9a-f]{64}$")]
    private static partial Regex Sha256();

    [GeneratedRegex(@"^id:[A-Za-z0-9:_.\\@-]+\.(service|scope|slice|socket|mount|timer)$")]
    private static partial Regex SystemdUnit();

    [GeneratedRegex(@"^label:[^:]+:.*$")]
    private static partial Regex DockerLabel();

    [GeneratedRegex(@"^image_id:\S+$")]
    private static partial Regex DockerImage();

    [GeneratedRegex(@"^container_id:[0-9a-f]{64}$")]
    private static partial Regex DockerContainer();

    [GeneratedRegex(@"^(ns|sa|pod-name|container-name|node-name):[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")]
    private static partial Regex K8sName();

    [GeneratedRegex(@"^pod-uid:[0-9a-f-]{1,64}$")]
    private static partial Regex K8sUid();

    [GeneratedRegex(@"^pod-label:[^:]+:.*$")]
    private static partial Regex K8sLabel();

    [GeneratedRegex(@"^container-image:\S+$")]
    private static partial Regex K8sImage();

    [GeneratedRegex(@"^.+$")]
    private static partial Regex Anything();

    [GeneratedRegex(@"^subject:cn:.+$")]
    private static partial Regex X509PopSubject();

    [GeneratedRegex(@"^ca:fingerprint:[0-9a-f]{40}$")]
    private static partial Regex X509PopCa();

    [GeneratedRegex(@"^san:(dns|uri):.+$")]
    private static partial Regex X509PopSan();
}
