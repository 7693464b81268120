using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Agent.Revocation;
using IdentityIssuer.Spiffe.X509;

namespace IdentityIssuer.Agent.Sync;

/// <summary>
/// Taints and CRLs from the sync. An SVID signed by a tainted authority is still valid, so it is served
/// until its replacement is minted in the same sync; an SVID a verified CRL revokes is taken out of the
/// snapshot at once and replaced. CRLs live in memory only: after a restart the first sync (with an
/// empty <c>crlVersion</c>) brings them again.
/// </summary>
internal sealed partial class AgentService
{
    private IReadOnlySet<string> _tainted = new HashSet<string>(StringComparer.Ordinal);
    private string _crlVersion = string.Empty;
    private IReadOnlyList<byte[]> _crlDers = [];
    private CrlSet _crls = CrlSet.Empty;

    /// <summary>
    /// Keeps the CRLs of the last page when it has any (null means unchanged) and checks them again
    /// whenever they or the bundle changed; a changed set of verified CRLs is published.
    /// </summary>
    private void UseCrls(IReadOnlyList<string>? received, string? version, bool bundleChanged)
    {
        if (received is not null)
        {
            var ders = new List<byte[]>(received.Count);
            foreach (var base64 in received)
            {
                var der = new byte[base64.Length];
                if (Convert.TryFromBase64String(base64, der, out var length))
                {
                    ders.Add(der[..length]);
                }
                else
                {
                    LogCrlRejected(_logger, "a CRL in the sync response is not base64");
                }
            }

            _crlDers = ders;
            _crlVersion = version ?? string.Empty;
        }
        else if (!bundleChanged)
        {
            return;
        }

        var crls = CrlSet.Build(_crlDers, CrlAuthorities());
        foreach (var reason in crls.Rejected)
        {
            LogCrlRejected(_logger, reason);
        }

        if (!crls.SameAs(_crls))
        {
            _dirty = true;
            LogCrlsUpdated(_logger, crls.Ders.Count, _crlVersion);
        }

        _crls = crls;
    }

    /// <summary>The CAs a CRL may come from: the bundle's, and intermediates in the chains the agent holds.</summary>
    private List<X509Certificate2> CrlAuthorities()
    {
        var authorities = new List<X509Certificate2>(_bundle?.X509Authorities ?? []);
        if (_svid is not null)
        {
            authorities.AddRange(_svid.Chain.Skip(1));
        }

        // Workload chains are leaf first; most have nothing after the leaf, and those that do share it.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chain in _entries.Values.Select(e => e.Svid?.ChainDer).OfType<byte[]>())
        {
            var leafLength = new AsnReader(chain, AsnEncodingRules.DER).ReadEncodedValue().Length;
            if (leafLength < chain.Length && seen.Add(Convert.ToBase64String(chain, leafLength, chain.Length - leafLength)))
            {
                authorities.AddRange(DerCertificates.Split(chain.AsSpan(leafLength)));
            }
        }

        return authorities;
    }

    /// <summary>Renews the agent's own SVID at once when a tainted authority signed it or a CRL revokes it.</summary>
    private async Task ReplaceDistrustedAgentSvidAsync(CancellationToken cancellationToken)
    {
        if (_svid is null)
        {
            return;
        }

        var signedBy = KeyIdentifiers.SignedBy(_svid.Chain[0]);
        var standing = SvidStandings.Of(signedBy, _svid.Serial, _tainted, _crls);
        if (standing != SvidStanding.Trusted)
        {
            LogAgentSvidDistrusted(_logger, _svid.Id.ToString(), _svid.Serial, standing == SvidStanding.Revoked ? "revoked by a CRL" : $"signed by tainted authority {signedBy}");
            await RenewAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Makes every workload SVID signed by a tainted authority due now, and takes every revoked one out
    /// of what workloads are served (so it is due too); the mint that follows replaces them.
    /// </summary>
    private void MarkDistrustedSvids()
    {
        foreach (var (id, state) in _entries.ToList())
        {
            if (state.Svid is null)
            {
                continue;
            }

            var standing = SvidStandings.Of(state.SignedBy, state.Serial, _tainted, _crls);
            if (standing == SvidStanding.Revoked)
            {
                _entries[id] = state with { Svid = null, RenewAt = DateTimeOffset.MinValue };
                _dirty = true;
                LogSvidRevoked(_logger, state.Svid.SpiffeId.ToString(), id, state.Serial!);
            }
            else if (standing == SvidStanding.Tainted && state.RenewAt != DateTimeOffset.MinValue)
            {
                _entries[id] = state with { RenewAt = DateTimeOffset.MinValue };
                LogSvidTainted(_logger, state.Svid.SpiffeId.ToString(), id, state.SignedBy!);
            }
        }
    }
}
