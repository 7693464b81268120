using IdentityIssuer.Issuer.Datastore;

namespace IdentityIssuer.Issuer.Ca;

/// <summary>
/// A/B rotation. The next authority is prepared in the other slot at <see cref="CaOptions.PrepareAt"/>
/// of the active one's lifetime — appended to the bundle before its journal row exists — and takes
/// over signing at <see cref="CaOptions.ActivateAt"/>. X.509 CA and JWT key rotate independently.
/// </summary>
internal sealed partial class CaManager
{
    /// <summary>The prepared X.509 CA (in the bundle, not signing), if any.</summary>
    public X509Authority? PreparedX509 => _preparedX509;

    /// <summary>The prepared JWT key (in the bundle, not signing), if any.</summary>
    public JwtSigningAuthority? PreparedJwt => _preparedJwt;

    /// <summary>The journal rows of one kind, oldest first.</summary>
    public Task<IReadOnlyList<CaAuthority>> ListAuthoritiesAsync(AuthorityKind kind, CancellationToken cancellationToken) =>
        _store.ListAuthoritiesAsync(kind, cancellationToken);

    /// <summary>
    /// Prepares and activates whatever is due for both kinds: prepare once <c>PrepareAt</c> of the active
    /// authority's lifetime has passed and nothing is prepared, activate once <c>ActivateAt</c> has passed.
    /// </summary>
    public async Task RotateIfDueAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!IsReady)
            {
                return;
            }

            foreach (var kind in (AuthorityKind[])[AuthorityKind.X509, AuthorityKind.Jwt])
            {
                var active = ActiveRecord(kind);
                var now = _time.GetUtcNow();
                if (PreparedRecord(kind) is null && now >= At(active, _options.PrepareAt))
                {
                    await PrepareLockedAsync(kind, cancellationToken);
                }

                if (PreparedRecord(kind) is not null && now >= At(active, _options.ActivateAt))
                {
                    await ActivateLockedAsync(kind, cancellationToken);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Prepares the next authority of a kind now; fails when one is already prepared.</summary>
    public async Task<CaAuthority> PrepareAsync(AuthorityKind kind, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ThrowIfNotReady();
            if (PreparedRecord(kind) is { } existing)
            {
                throw new CaException($"{KindName(kind)} authority {existing.Id} is already prepared in slot {existing.Slot}; activate it first");
            }

            return await PrepareLockedAsync(kind, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Makes the prepared authority of a kind the active one now; fails when none is prepared.</summary>
    public async Task<CaAuthority> ActivateAsync(AuthorityKind kind, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ThrowIfNotReady();
            if (PreparedRecord(kind) is null)
            {
                throw new CaException($"no {KindName(kind)} authority is prepared; run prepare first");
            }

            return await ActivateLockedAsync(kind, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<CaAuthority> PrepareLockedAsync(AuthorityKind kind, CancellationToken cancellationToken)
    {
        var slot = OtherSlot(ActiveRecord(kind).Slot);
        CaAuthority record;
        if (kind == AuthorityKind.X509)
        {
            var prepared = await CreateX509Async(slot, AuthorityStatus.Prepared, cancellationToken);
            _preparedX509 = prepared;
            record = prepared.Record;
        }
        else
        {
            var prepared = await CreateJwtAsync(slot, AuthorityStatus.Prepared, cancellationToken);
            _preparedJwt = prepared;
            record = prepared.Record;
        }

        LogAuthorityPrepared(_logger, KindName(kind), record.Id, slot, record.NotAfter);
        return record;
    }

    /// <summary>
    /// Two journal writes, in this order: the prepared row becomes Active, then the previous one Old.
    /// A crash between them leaves two Active rows; start-up keeps the newer one and marks the other
    /// Old, which is exactly where the second write would have taken the journal.
    /// </summary>
    private async Task<CaAuthority> ActivateLockedAsync(AuthorityKind kind, CancellationToken cancellationToken)
    {
        var prepared = PreparedRecord(kind)!;
        var previous = ActiveRecord(kind);
        var bundle = await _store.GetBundleAsync(_trustDomain.Name, cancellationToken);
        if (!InBundle(prepared, bundle))
        {
            throw new CaException($"{KindName(kind)} authority {prepared.Id} is not in the trust bundle; it cannot be activated");
        }

        var activated = await _store.UpsertAuthorityAsync(prepared with { Status = AuthorityStatus.Active }, cancellationToken);
        if (kind == AuthorityKind.X509)
        {
            _x509 = new X509Authority(activated, _preparedX509!.Certificate, _preparedX509.Signer, _preparedX509.ChainAbove);
            _preparedX509 = null;
        }
        else
        {
            _jwt = new JwtSigningAuthority(activated, _preparedJwt!.Signer);
            _preparedJwt = null;
        }

        await _store.UpsertAuthorityAsync(previous with { Status = AuthorityStatus.Old }, cancellationToken);
        LogAuthorityActivated(_logger, KindName(kind), activated.Id, previous.Id);
        return activated;
    }

    private CaAuthority ActiveRecord(AuthorityKind kind) => kind == AuthorityKind.X509 ? ActiveX509.Record : ActiveJwt.Record;

    private CaAuthority? PreparedRecord(AuthorityKind kind) => kind == AuthorityKind.X509 ? _preparedX509?.Record : _preparedJwt?.Record;

    private static DateTimeOffset At(CaAuthority authority, double fraction) =>
        authority.NotBefore + ((authority.NotAfter - authority.NotBefore) * fraction);

    private void ThrowIfNotReady()
    {
        if (!IsReady)
        {
            throw new CaException("the CA is not initialized yet");
        }
    }
}
