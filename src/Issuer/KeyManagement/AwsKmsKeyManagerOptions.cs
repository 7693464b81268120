using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>
/// The <c>KeyManager:AwsKms</c> configuration section. Credentials are not settings: the AWS SDK's
/// own chain finds them (<c>AWS_ACCESS_KEY_ID</c>/<c>AWS_SECRET_ACCESS_KEY</c>, <c>AWS_PROFILE</c>
/// and the shared credentials file, web identity, ECS task or EC2 instance role), so no secret ever
/// sits in the issuer's configuration file.
/// </summary>
internal sealed partial class AwsKmsKeyManagerOptions
{
    /// <summary>The name of this section under the key-manager section.</summary>
    public const string SectionName = "AwsKms";

    /// <summary>The default <see cref="AliasPrefix"/>.</summary>
    public const string DefaultAliasPrefix = "alias/identity-issuer/";

    /// <summary>KMS's own limit on an alias name, <c>alias/</c> included.</summary>
    public const int MaxAliasLength = 256;

    /// <summary>The longest prefix that still leaves room for a 128-character key id.</summary>
    public const int MaxAliasPrefixLength = MaxAliasLength - KeyIds.MaxLength;

    /// <summary>The AWS region of the keys, e.g. <c>eu-west-1</c>; required (it is also the SigV4 signing region).</summary>
    public string? Region { get; set; }

    /// <summary>
    /// The KMS endpoint to call instead of the region's public one, e.g. a VPC endpoint
    /// (<c>https://vpce-…kms.eu-west-1.vpce.amazonaws.com</c>). Plain <c>http</c> only to a loopback address.
    /// </summary>
    public string? Endpoint { get; set; }

    /// <summary>
    /// Every key is found by the alias <c>&lt;prefix&gt;&lt;key id with '.' as '/'&gt;</c>; aliases
    /// outside the prefix are ignored. Two issuers sharing an account and region need prefixes
    /// that are not prefixes of each other.
    /// </summary>
    public string AliasPrefix { get; set; } = DefaultAliasPrefix;

    /// <summary>How often the SDK retries a throttled or failed (5xx, network) call, with backoff; 0–10.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>How long one call may take before it counts as failed, in seconds; 1–300.</summary>
    public int TimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// The waiting period, in days (7–30), of a replaced or deleted key's scheduled deletion; until
    /// then it can be recovered with <c>aws kms cancel-key-deletion</c>.
    /// </summary>
    public int PendingDeletionDays { get; set; } = 30;

    /// <summary>Adds every problem with <paramref name="options"/> to <paramref name="errors"/>, naming the setting under <paramref name="sectionPath"/>.</summary>
    internal static void Validate(AwsKmsKeyManagerOptions? options, string sectionPath, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        options ??= new AwsKmsKeyManagerOptions();
        var path = $"{sectionPath}:{SectionName}";
        if (string.IsNullOrWhiteSpace(options.Region))
        {
            errors.Add($"{path}:Region must be set to the AWS region of the keys, e.g. 'eu-west-1'");
        }
        else if (!RegionPattern().IsMatch(options.Region.Trim()))
        {
            errors.Add($"{path}:Region '{options.Region}' is not an AWS region name such as 'eu-west-1'");
        }

        if (!string.IsNullOrWhiteSpace(options.Endpoint) && EndpointProblem(options.Endpoint.Trim()) is { } problem)
        {
            errors.Add($"{path}:Endpoint '{options.Endpoint}' {problem}");
        }

        if (AliasPrefixProblem(options.AliasPrefix) is { } aliasProblem)
        {
            errors.Add($"{path}:AliasPrefix '{options.AliasPrefix}' {aliasProblem}");
        }

        if (options.MaxRetries is < 0 or > 10)
        {
            errors.Add($"{path}:MaxRetries must be from 0 to 10 (got {options.MaxRetries.ToString(CultureInfo.InvariantCulture)})");
        }

        if (options.TimeoutSeconds is < 1 or > 300)
        {
            errors.Add($"{path}:TimeoutSeconds must be from 1 to 300 (got {options.TimeoutSeconds.ToString(CultureInfo.InvariantCulture)})");
        }

        if (options.PendingDeletionDays is < 7 or > 30)
        {
            errors.Add($"{path}:PendingDeletionDays must be from 7 to 30, the waiting period AWS KMS allows (got {options.PendingDeletionDays.ToString(CultureInfo.InvariantCulture)})");
        }
    }

    private static string? EndpointProblem(string endpoint)
    {
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            return "must be an absolute https:// URL";
        }

        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            return "must not have a query, a fragment or user information";
        }

        // SigV4 keeps the secret off the wire, but over plain HTTP anyone on the path could swap the
        // public keys and signatures the issuer receives: only a loopback test server may use it.
        if (uri.Scheme == "http" && !uri.IsLoopback && !(IPAddress.TryParse(uri.Host, out var address) && IPAddress.IsLoopback(address)))
        {
            return "uses plain http to a host that is not loopback; use https";
        }

        return null;
    }

    private static string? AliasPrefixProblem(string? prefix)
    {
        if (string.IsNullOrEmpty(prefix) || !prefix.StartsWith("alias/", StringComparison.Ordinal) || prefix.Length == "alias/".Length)
        {
            return $"must start with 'alias/' and name something after it, e.g. '{DefaultAliasPrefix}'";
        }

        if (!AliasPattern().IsMatch(prefix))
        {
            return "may only hold A-Z, a-z, 0-9, '/', '_' and '-' (the characters AWS KMS allows in alias names)";
        }

        if (prefix.StartsWith("alias/aws/", StringComparison.OrdinalIgnoreCase))
        {
            return "is reserved: AWS KMS keeps 'alias/aws/' for AWS managed keys";
        }

        if (prefix.Length > MaxAliasPrefixLength)
        {
            return $"is longer than {MaxAliasPrefixLength.ToString(CultureInfo.InvariantCulture)} characters: with a 128-character key id the alias would pass KMS's limit of {MaxAliasLength.ToString(CultureInfo.InvariantCulture)}";
        }

        return null;
    }

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex RegionPattern();

    [GeneratedRegex("^alias/[a-zA-Z0-9/_-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex AliasPattern();
}
