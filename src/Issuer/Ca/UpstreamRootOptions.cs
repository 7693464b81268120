using IdentityIssuer.Issuer.KeyManagement;

namespace IdentityIssuer.Issuer.Ca;

/// <summary>
/// The <c>Ca:Upstream</c> section: an upstream root CA whose private key lives in a key manager of its
/// own (disk in its own directory, an HSM or a KMS). <c>identity-issuer upstream init</c> creates it;
/// its key then signs nothing but the issuer's X.509 CA certificates, at creation and rotation.
/// </summary>
internal sealed class UpstreamRootOptions
{
    /// <summary>The section path.</summary>
    public const string SectionPath = "Ca:Upstream";

    /// <summary>The path of the upstream key manager's section.</summary>
    public const string KeyManagerSectionPath = "Ca:Upstream:KeyManager";

    /// <summary>The default of <see cref="KeyId"/>.</summary>
    public const string DefaultKeyId = "upstream-root";

    /// <summary>The default of <see cref="Subject"/>.</summary>
    public const string DefaultSubject = "C=US, O=IdentityIssuer, CN=IdentityIssuer upstream root";

    /// <summary>The default of <see cref="Ttl"/>: ten years.</summary>
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromDays(3650);

    /// <summary>The key manager holding the root key, same settings as the <c>KeyManager</c> section; null when no upstream root is used.</summary>
    public KeyManagerOptions? KeyManager { get; set; }

    /// <summary>The root key's id in that key manager (a replaced root's key is kept, so a new one gets a <c>-&lt;unix seconds&gt;</c> suffix).</summary>
    public string KeyId { get; set; } = DefaultKeyId;

    /// <summary>The root key's type: <c>ec-p256</c> (default), <c>ec-p384</c>, <c>rsa-2048</c>, <c>rsa-4096</c>.</summary>
    public string KeyType { get; set; } = "ec-p256";

    /// <summary>Subject of the root certificate, as an X.500 name.</summary>
    public string Subject { get; set; } = DefaultSubject;

    /// <summary>Lifetime of the root certificate; intermediates never outlive it.</summary>
    public TimeSpan Ttl { get; set; } = DefaultTtl;

    /// <summary>True when <c>Ca:Upstream:KeyManager</c> is set.</summary>
    public bool IsConfigured => KeyManager is not null;
}
