using IdentityIssuer.Issuer.Api.Admin.Contracts;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.KeyManagement;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace IdentityIssuer.Issuer.Api.Admin;

/// <summary>
/// <c>GET /v1/keys</c>: every key in the issuer's key manager and in the upstream key manager, with the
/// authority that uses it (from this replica's CA journal and the upstream roots) or <c>unused</c>.
/// </summary>
internal static class KeyEndpoints
{
    public static void MapKeyApi(this RouteGroupBuilder v1) =>
        v1.MapGet("/keys", async (IKeyManager keys, CaManager ca, UpstreamRootAuthority upstream, CancellationToken ct) =>
            Results.Ok(new KeyListView(await ListAsync(keys, ca, upstream, ct))));

    internal static async Task<IReadOnlyList<KeyView>> ListAsync(IKeyManager keys, CaManager ca, UpstreamRootAuthority upstream, CancellationToken ct)
    {
        var rows = new List<CaAuthority>();
        rows.AddRange(await ca.ListAuthoritiesAsync(AuthorityKind.X509, ct));
        rows.AddRange(await ca.ListAuthoritiesAsync(AuthorityKind.Jwt, ct));
        // Another replica's key ids name keys in its own key manager, not in this one.
        var byKey = rows.Where(r => r.Replica == ca.ReplicaName).GroupBy(r => r.KeyId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(r => r.CreatedAt).First(), StringComparer.Ordinal);
        var views = new List<KeyView>();
        foreach (var key in await keys.GetKeysAsync(ct))
        {
            views.Add(byKey.TryGetValue(key.KeyId, out var row)
                ? new KeyView(key.KeyId, KeyTypes.Format(key.KeyType), keys.Name, KeyManagerOptions.SectionName, row.Kind == AuthorityKind.X509 ? "x509" : "jwt", row.Id, row.Slot, row.Status.ToString().ToLowerInvariant(), row.CreatedAt)
                : Unused(key, keys.Name, KeyManagerOptions.SectionName));
        }

        if (upstream.IsConfigured)
        {
            var roots = (await upstream.ListAsync(ct)).GroupBy(r => r.KeyId, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.OrderByDescending(r => r.CreatedAt).First(), StringComparer.Ordinal);
            var upstreamKeys = upstream.KeyManager;
            foreach (var key in await upstreamKeys.GetKeysAsync(ct))
            {
                views.Add(roots.TryGetValue(key.KeyId, out var root)
                    ? new KeyView(key.KeyId, KeyTypes.Format(key.KeyType), upstreamKeys.Name, UpstreamRootOptions.KeyManagerSectionPath, "upstream-root", root.Id, null, root.IsCurrent ? "current" : "replaced", root.CreatedAt)
                    : Unused(key, upstreamKeys.Name, UpstreamRootOptions.KeyManagerSectionPath));
            }
        }

        return views;
    }

    private static KeyView Unused(IKeySigner key, string keyManager, string section) =>
        new(key.KeyId, KeyTypes.Format(key.KeyType), keyManager, section, "unused", null, null, null, null);
}
