using IdentityIssuer.Spiffe;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Agent.Configuration;

/// <summary>Checks the <c>Agent</c> section at start, reporting every problem with its key.</summary>
internal sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        var errors = new List<string>();
        if (!TrustDomain.TryParse(options.TrustDomain, out _, out var tdError))
        {
            errors.Add($"Agent:TrustDomain is not a valid trust domain name: {tdError}");
        }

        if (options.IssuerAddress.Length > 0 && options.IssuerAddresses.Count > 0)
        {
            errors.Add("Agent:IssuerAddress and Agent:IssuerAddresses are both set; use Agent:IssuerAddresses alone to list every issuer");
        }
        else if (options.IssuerAddress.Length > 0 && !IsIssuerUrl(options.IssuerAddress))
        {
            errors.Add($"Agent:IssuerAddress must be an https:// URL without user info (got '{options.IssuerAddress}')");
        }

        for (var i = 0; i < options.IssuerAddresses.Count; i++)
        {
            var address = options.IssuerAddresses[i];
            if (!IsIssuerUrl(address))
            {
                errors.Add($"Agent:IssuerAddresses:{i} must be an https:// URL without user info (got '{address}')");
            }
            else if (options.IssuerAddresses.Take(i).Any(a => SameAddress(a, address)))
            {
                errors.Add($"Agent:IssuerAddresses:{i} repeats an earlier address ('{address}')");
            }
        }

        if (!options.InsecureBootstrap && options.TrustBundleFile.Length == 0)
        {
            errors.Add("Agent:TrustBundleFile is required (the bundle that authenticates the issuer at first attestation); Agent:InsecureBootstrap=true skips that check for development only");
        }
        else if (options.TrustBundleFile.Length > 0 && !File.Exists(options.TrustBundleFile))
        {
            errors.Add($"Agent:TrustBundleFile '{options.TrustBundleFile}' does not exist");
        }

        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            errors.Add("Agent:DataDirectory is required");
        }

        switch (options.NodeAttestor)
        {
            case "join_token":
                break;
            case "x509pop":
                if (!File.Exists(options.X509PopCertificateFile))
                {
                    errors.Add($"Agent:X509PopCertificateFile must name an existing PEM file for the x509pop attestor (got '{options.X509PopCertificateFile}')");
                }

                if (!File.Exists(options.X509PopKeyFile))
                {
                    errors.Add($"Agent:X509PopKeyFile must name an existing PEM file for the x509pop attestor (got '{options.X509PopKeyFile}')");
                }

                break;
            default:
                errors.Add($"Agent:NodeAttestor must be 'join_token' or 'x509pop' (got '{options.NodeAttestor}')");
                break;
        }

        if (options.SyncInterval < TimeSpan.FromMilliseconds(200) || options.SyncInterval > TimeSpan.FromMinutes(10))
        {
            errors.Add($"Agent:SyncInterval must be between 00:00:00.2 and 00:10:00 (got '{options.SyncInterval}')");
        }

        if (options.WorkloadKeyType is not ("ec-p256" or "ec-p384" or "rsa-2048"))
        {
            errors.Add($"Agent:WorkloadKeyType must be 'ec-p256', 'ec-p384' or 'rsa-2048' (got '{options.WorkloadKeyType}')");
        }

        if (options.JwtSvidCacheSize is < 1 or > 1_000_000)
        {
            errors.Add($"Agent:JwtSvidCacheSize must be between 1 and 1000000 (got {options.JwtSvidCacheSize})");
        }

        if (options.NewJwtAudiencesPerMinute is < 1 or > 100_000)
        {
            errors.Add($"Agent:NewJwtAudiencesPerMinute must be between 1 and 100000 (got {options.NewJwtAudiencesPerMinute})");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsIssuerUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps && string.IsNullOrEmpty(uri.UserInfo);

    private static bool SameAddress(string a, string b) =>
        Uri.TryCreate(a, UriKind.Absolute, out var x) && Uri.TryCreate(b, UriKind.Absolute, out var y) && Uri.Compare(x, y, UriComponents.SchemeAndServer, UriFormat.UriEscaped, StringComparison.OrdinalIgnoreCase) == 0;
}
