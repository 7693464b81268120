using System.Security.Cryptography;
using System.Text;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Datastore;

namespace IdentityIssuer.Issuer.Revocation;

/// <summary>
/// What every agent sync carries about revocation: the ids of tainted authorities (of every replica)
/// and the current CRLs with a version string. Read from the datastore at most once a second (other
/// replicas' changes arrive that way) and at once after a change made here.
/// </summary>
internal sealed class RevocationState : IDisposable
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);

    private readonly IDataStore _store;
    private readonly CaManager _ca;
    private readonly CrlService _crls;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile RevocationView? _cached;
    private DateTimeOffset _validUntil;

    public RevocationState(IDataStore store, CaManager ca, CrlService crls, TimeProvider time)
    {
        _store = store;
        _ca = ca;
        _crls = crls;
        _time = time;
        _ca.AuthoritiesChanged += OnChanged;
        _crls.CrlsChanged += OnChanged;
    }

    /// <summary>The current view; cached for up to a second.</summary>
    public async ValueTask<RevocationView> GetAsync(CancellationToken cancellationToken)
    {
        var cached = _cached;
        if (cached is not null && _time.GetUtcNow() < _validUntil)
        {
            return cached;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            cached = _cached;
            if (cached is not null && _time.GetUtcNow() < _validUntil)
            {
                return cached;
            }

            var view = await LoadAsync(cancellationToken);
            _validUntil = _time.GetUtcNow() + MaxAge;
            _cached = view;
            return view;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _ca.AuthoritiesChanged -= OnChanged;
        _crls.CrlsChanged -= OnChanged;
        _gate.Dispose();
    }

    private void OnChanged(object? sender, EventArgs e) => _cached = null;

    private async Task<RevocationView> LoadAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var x509 = await _store.ListAuthoritiesAsync(AuthorityKind.X509, cancellationToken);
        var jwt = await _store.ListAuthoritiesAsync(AuthorityKind.Jwt, cancellationToken);
        var tainted = x509.Concat(jwt).Where(a => a.Status == AuthorityStatus.Tainted).Select(a => a.Id).Order(StringComparer.Ordinal).ToList();

        // A CRL is handed out while its authority can still have valid SVIDs out there: journaled, not revoked, unexpired.
        var live = x509.Where(a => a.Status != AuthorityStatus.Revoked && a.NotAfter > now).Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
        var crls = (await _store.ListCrlsAsync(cancellationToken)).Where(c => live.Contains(c.AuthorityId)).ToList();
        var version = new StringBuilder();
        foreach (var crl in crls)
        {
            version.Append(crl.AuthorityId).Append(':').Append(crl.CrlNumber).Append(';');
        }

        var versionHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(version.ToString())))[..32];
        return new RevocationView(tainted, crls, versionHash);
    }
}

/// <summary>Tainted authority ids, the live CRLs and a version that changes whenever the CRL set does.</summary>
internal sealed record RevocationView(IReadOnlyList<string> TaintedAuthorities, IReadOnlyList<StoredCrl> Crls, string CrlVersion);
