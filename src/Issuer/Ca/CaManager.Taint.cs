using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Attestation;
using IdentityIssuer.Issuer.Datastore;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Issuer.Ca;

/// <summary>
/// Taint and revoke. Taint marks an old authority (of any replica) as not to be trusted: agents replace
/// everything it signed within a sync interval while verifiers still accept it, so nothing breaks.
/// Revoke then removes the tainted authority from the bundle; what it signed no longer validates. The
/// active and the prepared authority cannot be tainted: rotate first (prepare, activate), then taint.
/// </summary>
internal sealed partial class CaManager
{
    /// <summary>Raised after an authority was tainted or revoked, so caches of the journal refresh.</summary>
    public event EventHandler? AuthoritiesChanged;

    /// <summary>Taints an old authority; a tainted one is returned unchanged.</summary>
    public async Task<CaAuthority> TaintAsync(AuthorityKind kind, string id, CancellationToken cancellationToken)
    {
        var row = await FindAsync(kind, id, cancellationToken);
        switch (row.Status)
        {
            case AuthorityStatus.Tainted:
                return row;
            case AuthorityStatus.Active:
                throw new CaException($"{KindName(kind)} authority {id} is active on replica {row.Replica}; prepare and activate a new one first, then taint {id}");
            case AuthorityStatus.Prepared:
                throw new CaException($"{KindName(kind)} authority {id} is prepared on replica {row.Replica}; only an old authority can be tainted (activate it and a newer one first)");
            case AuthorityStatus.Revoked:
                throw new CaException($"{KindName(kind)} authority {id} is already revoked");
        }

        if (!await _store.SetAuthorityStatusAsync(id, AuthorityStatus.Old, AuthorityStatus.Tainted, cancellationToken))
        {
            var now = await FindAsync(kind, id, cancellationToken);
            if (now.Status != AuthorityStatus.Tainted)
            {
                throw new CaException($"{KindName(kind)} authority {id} changed to {now.Status.ToString().ToLowerInvariant()} meanwhile; look again with 'authority {KindName(kind)} show'");
            }
        }

        LogAuthorityTainted(_logger, KindName(kind), id, row.Replica);
        AuthoritiesChanged?.Invoke(this, EventArgs.Empty);
        return row with { Status = AuthorityStatus.Tainted };
    }

    /// <summary>
    /// Revokes a tainted authority: removes it from the bundle (raising the bundle sequence), then marks it
    /// revoked. A crash between the two leaves it tainted and out of the bundle; revoking again finishes.
    /// </summary>
    public async Task<CaAuthority> RevokeAsync(AuthorityKind kind, string id, CancellationToken cancellationToken)
    {
        var row = await FindAsync(kind, id, cancellationToken);
        if (row.Status != AuthorityStatus.Tainted)
        {
            throw new CaException($"{KindName(kind)} authority {id} is {row.Status.ToString().ToLowerInvariant()}; only a tainted authority can be revoked (taint it first)");
        }

        if (kind == AuthorityKind.X509)
        {
            if (row.UpstreamChain.Length > 0 || !IsSelfSigned(row.PublicData))
            {
                throw new CaException($"x509 authority {id} is signed by the upstream CA, so the bundle holds the upstream roots, not it; revoke it at the upstream CA");
            }

            await _store.RemoveFromBundleAsync(_trustDomain.Name, [row.PublicData], [], cancellationToken);
        }
        else
        {
            await _store.RemoveFromBundleAsync(_trustDomain.Name, [], [row.Id], cancellationToken);
        }

        await _store.SetAuthorityStatusAsync(id, AuthorityStatus.Tainted, AuthorityStatus.Revoked, cancellationToken);
        LogAuthorityRevoked(_logger, KindName(kind), id, row.Replica);
        AuthoritiesChanged?.Invoke(this, EventArgs.Empty);
        return row with { Status = AuthorityStatus.Revoked };
    }

    private async Task<CaAuthority> FindAsync(AuthorityKind kind, string id, CancellationToken cancellationToken)
    {
        var rows = await _store.ListAuthoritiesAsync(kind, cancellationToken);
        return rows.FirstOrDefault(r => string.Equals(r.Id, id, StringComparison.Ordinal))
            ?? throw new NotFoundException($"no {KindName(kind)} authority '{InputEcho.Of(id)}'; 'authority {KindName(kind)} show' lists them");
    }

    private static bool IsSelfSigned(byte[] der)
    {
        using var certificate = X509CertificateLoader.LoadCertificate(der);
        return certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);
    }

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "Tainted {Kind} authority {AuthorityId} of replica {Replica}: agents replace what it signed")]
    private static partial void LogAuthorityTainted(ILogger logger, string kind, string authorityId, string replica);

    [LoggerMessage(EventId = 107, Level = LogLevel.Warning, Message = "Revoked {Kind} authority {AuthorityId} of replica {Replica}: removed from the trust bundle")]
    private static partial void LogAuthorityRevoked(ILogger logger, string kind, string authorityId, string replica);
}
