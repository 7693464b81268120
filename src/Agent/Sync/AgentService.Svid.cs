using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Agent.Issuer;
using IdentityIssuer.Attestation.AgentApi;
using IdentityIssuer.Spiffe.Bundles;
using IdentityIssuer.Spiffe.X509;

namespace IdentityIssuer.Agent.Sync;

/// <summary>The agent's own SVID: resume, attest, renew, forget; and the bundle that authenticates the issuer.</summary>
internal sealed partial class AgentService
{
    private void LoadBootstrapBundle()
    {
        var saved = _state.LoadBundle();
        if (saved is not null)
        {
            UseBundle(SpiffeBundle.Parse(_trustDomain, saved), persist: false);
            return;
        }

        if (_options.TrustBundleFile.Length > 0)
        {
            var roots = DerCertificates.ParsePem(File.ReadAllText(_options.TrustBundleFile));
            _issuer.UseBundle(new X509Bundle(_trustDomain, roots));
        }
    }

    private async Task EnsureSvidAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_svid is null)
        {
            var saved = LoadSavedSvid();
            if (saved is not null && saved.NotAfter > now && saved.Id.IsMemberOf(_trustDomain))
            {
                _svid = saved;
                _issuer.UseSvid(saved);
                LogResumed(_logger, saved.Id.ToString(), saved.NotAfter);
            }
            else
            {
                saved?.Dispose();
                await AttestAsync(cancellationToken);
                return;
            }
        }

        if (_svid.NotAfter <= now)
        {
            LogReattesting(_logger, _svid.Id.ToString(), "the agent SVID expired");
            ForgetSvid();
            await AttestAsync(cancellationToken);
            return;
        }

        if (_svid.ShouldRenew(now, _jitter))
        {
            await RenewAsync(cancellationToken);
        }
    }

    private AgentSvid? LoadSavedSvid()
    {
        try
        {
            return _state.LoadSvid();
        }
        catch (AgentStateException ex)
        {
            LogSavedStateUnusable(_logger, ex.Message);
            return null;
        }
    }

    private async Task AttestAsync(CancellationToken cancellationToken)
    {
        var (key, csr) = WorkloadKeys.Create("ec-p256");
        var response = await _issuer.AttestAsync(
            _attestor.NeedsChallenge ? _attestor.Name : null,
            async (challenge, ct) => new AttestRequest(_attestor.Name, await _attestor.BuildPayloadAsync(challenge, ct), Convert.ToBase64String(csr)),
            cancellationToken);
        var svid = AgentSvid.Create([.. response.SvidChain.Select(c => X509CertificateLoader.LoadCertificate(Convert.FromBase64String(c)))], key);
        UseBundle(_issuer.ParseBundle(response.Bundle), persist: true);
        SaveOrDispose(svid);
        _svid = svid;
        _issuer.UseSvid(svid);
        LogAttested(_logger, _attestor.Name, svid.Id.ToString(), svid.NotAfter);
    }

    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        var (key, csr) = WorkloadKeys.Create("ec-p256");
        RenewResponse response;
        try
        {
            response = await _issuer.RenewAsync(new RenewRequest(Convert.ToBase64String(csr)), cancellationToken);
        }
        catch (IssuerCallException ex) when (ex.NeedsReattestation)
        {
            ex.Data[AuthFailure] = true;
            throw;
        }

        var svid = AgentSvid.Create([.. response.SvidChain.Select(c => X509CertificateLoader.LoadCertificate(Convert.FromBase64String(c)))], key);
        SaveOrDispose(svid);

        // The issuer client owns the SVIDs: it disposes the previous one once no call still presents it.
        _svid = svid;
        _issuer.UseSvid(svid);
        _metrics?.SvidRotated(agent: true);
        LogRenewed(_logger, svid.Id.ToString(), svid.NotAfter);
    }

    /// <summary>Persists a new SVID; one that cannot be saved is not used (the one in use stays) and its key is wiped.</summary>
    private void SaveOrDispose(AgentSvid svid)
    {
        try
        {
            _state.SaveSvid(svid);
        }
        catch
        {
            svid.Dispose();
            throw;
        }
    }

    private void ForgetSvid()
    {
        _issuer.ForgetSvid();
        _svid = null;
        _state.DeleteSvid();
    }

    private void UseBundle(SpiffeBundle bundle, bool persist)
    {
        _bundle = bundle;
        _issuer.UseBundle(bundle.ToX509Bundle());
        if (persist)
        {
            _state.SaveBundle(System.Text.Encoding.UTF8.GetBytes(bundle.ToJson()));
        }
    }
}
