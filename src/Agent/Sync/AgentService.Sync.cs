using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Agent.Cache;
using IdentityIssuer.Agent.Issuer;
using IdentityIssuer.Agent.Revocation;
using IdentityIssuer.Attestation.AgentApi;
using IdentityIssuer.Attestation.Selectors;
using IdentityIssuer.Spiffe;

namespace IdentityIssuer.Agent.Sync;

/// <summary>One sync with the issuer, minting what is due, and dropping what expired.</summary>
internal sealed partial class AgentService
{
    private const int SignBatchSize = 200;

    private async Task SyncOnceAsync(CancellationToken cancellationToken)
    {
        string? token = null;
        SyncResponse page;
        var tainted = new HashSet<string>(StringComparer.Ordinal);
        do
        {
            try
            {
                page = await _issuer.SyncAsync(_revision, token, _crlVersion, cancellationToken);
            }
            catch (IssuerCallException ex) when (ex.NeedsReattestation)
            {
                ex.Data[AuthFailure] = true;
                throw;
            }

            tainted.UnionWith(page.TaintedAuthorities ?? []);
            foreach (var entry in page.Entries)
            {
                if (!_entries.TryGetValue(entry.Id, out var known))
                {
                    _entries[entry.Id] = new EntryState(entry, null, -1, DateTimeOffset.MinValue, null, null);
                }
                else if (known.Entry.RevisionNumber != entry.RevisionNumber)
                {
                    _entries[entry.Id] = known with { Entry = entry };
                }
            }

            token = page.NextPageToken;
        }
        while (token is not null);

        var keep = page.AuthorizedEntryIds?.ToHashSet(StringComparer.Ordinal);
        if (keep is not null)
        {
            foreach (var gone in _entries.Keys.Where(id => !keep.Contains(id)).ToList())
            {
                _entries.Remove(gone);
                _cache.Served.Forget(gone);
                _dirty = true;
                LogEntryDropped(_logger, gone);
            }
        }

        _revision = page.Revision;
        var bundleChanged = _bundle is null || _bundle.Sequence != page.BundleSequence;
        if (bundleChanged)
        {
            UseBundle(_issuer.ParseBundle(page.Bundle), persist: true);
            _dirty = true;
        }

        UseCrls(page.Crls, page.CrlVersion, bundleChanged);
        _tainted = tainted;
        _cache.ForgetJwts((entryId, kid) => (keep is not null && !keep.Contains(entryId)) || (kid is not null && tainted.Contains(kid)));
        try
        {
            await ReplaceDistrustedAgentSvidAsync(cancellationToken);
            MarkDistrustedSvids();
            await MintDueAsync(cancellationToken);
            LastSync = _time.GetUtcNow();
        }
        finally
        {
            // Also after a failed mint: revoked SVIDs already taken out, or those minted before the failure, reach workloads now.
            if (_dirty || !_published)
            {
                Publish();
            }
        }
    }

    private async Task MintDueAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var due = _entries.Values
            .Where(s => s.Svid is null || s.MintedForRevision != s.Entry.RevisionNumber || now >= s.RenewAt)
            .Select(s => s.Entry)
            .ToList();
        foreach (var chunk in due.Chunk(SignBatchSize))
        {
            var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            var items = new List<SignX509Item>(chunk.Length);
            foreach (var entry in chunk)
            {
                var (key, csr) = WorkloadKeys.Create(_options.WorkloadKeyType);
                keys[entry.Id] = key;
                items.Add(new SignX509Item(entry.Id, Convert.ToBase64String(csr), _cache.Served.For(entry.Id)));
            }

            var response = await _issuer.SignAsync(new SignX509Request(items), cancellationToken);
            foreach (var signed in response.Svids)
            {
                if (!_entries.TryGetValue(signed.EntryId, out var state))
                {
                    continue;
                }

                var chain = signed.Chain.Select(Convert.FromBase64String).ToList();
                using var leaf = X509CertificateLoader.LoadCertificate(chain[0]);
                var notBefore = new DateTimeOffset(leaf.NotBefore.ToUniversalTime());
                var notAfter = new DateTimeOffset(leaf.NotAfter.ToUniversalTime());
                var svid = new WorkloadX509Svid
                {
                    EntryId = signed.EntryId,
                    SpiffeId = SpiffeId.Parse(signed.SpiffeId),
                    Selectors = [.. state.Entry.Selectors.Select(Selector.Parse)],
                    ChainDer = [.. chain.SelectMany(c => c)],
                    PrivateKeyPkcs8 = keys[signed.EntryId],
                    Hint = state.Entry.Hint,
                    EntryCreatedAt = state.Entry.CreatedAt,
                    NotAfter = notAfter,
                };
                _entries[signed.EntryId] = state with
                {
                    Svid = svid,
                    MintedForRevision = state.Entry.RevisionNumber,
                    RenewAt = notBefore + ((notAfter - notBefore) / 2),
                    SignedBy = KeyIdentifiers.SignedBy(leaf),
                    Serial = KeyIdentifiers.Serial(leaf),
                };
                _dirty = true;
                if (state.Svid is not null)
                {
                    _metrics?.SvidRotated(agent: false);
                }

                LogSvidMinted(_logger, signed.SpiffeId, signed.EntryId, notAfter);
            }
        }
    }

    /// <summary>
    /// Fails closed while the issuer is unreachable: an SVID that has expired is taken out of the
    /// snapshot (and so out of every Workload API stream) instead of being served past its NotAfter.
    /// </summary>
    private void DropExpiredSvids()
    {
        if (!_published)
        {
            return;
        }

        var now = _time.GetUtcNow();
        var expired = _entries.Where(e => e.Value.Svid is { } svid && svid.NotAfter <= now).Select(e => e.Key).ToList();
        if (expired.Count == 0)
        {
            return;
        }

        foreach (var id in expired)
        {
            _entries[id] = _entries[id] with { Svid = null };
            LogSvidExpired(_logger, id);
        }

        Publish();
    }
}
