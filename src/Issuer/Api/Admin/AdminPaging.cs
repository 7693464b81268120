using System.Globalization;
using IdentityIssuer.Attestation;
using IdentityIssuer.Issuer.Registration;
using Microsoft.AspNetCore.Http;

namespace IdentityIssuer.Issuer.Api.Admin;

/// <summary>
/// The paging parameters of the admin list endpoints (<c>pageSize</c>, <c>pageToken</c>): a bad one is a
/// 400 that names it, never a 500 from deep in the datastore.
/// </summary>
internal static class AdminPaging
{
    /// <summary>Largest page a caller may ask for (the datastore's limit).</summary>
    public const int MaxPageSize = 1000;

    /// <summary>The error for a token the datastore cannot read (not one it handed out).</summary>
    public static FieldError BadToken { get; } = new("pageToken", "is not a page token this issuer handed out (pass back nextPageToken unchanged)");

    /// <summary>The page size (0 = the default) and token (null = the first page); problems are added to <paramref name="errors"/>.</summary>
    public static (int PageSize, string? PageToken) Read(IQueryCollection query, List<FieldError> errors)
    {
        var pageSize = 0;
        if (query.TryGetValue("pageSize", out var sizeText)
            && (!int.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > MaxPageSize))
        {
            errors.Add(new("pageSize", $"must be a number from 1 to {MaxPageSize} (got '{InputEcho.Of(sizeText.ToString())}')"));
        }

        var token = query["pageToken"].ToString();
        return (pageSize, token.Length == 0 ? null : token);
    }
}
