using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Attestation;
using IdentityIssuer.Issuer.Api.Admin.Contracts;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Datastore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace IdentityIssuer.Issuer.Api.Admin;

/// <summary>
/// <c>GET /v1/authorities/{x509|jwt}</c> lists the CA journal (every replica's); <c>POST …/prepare</c> and
/// <c>…/activate</c> rotate by hand what <see cref="Jobs.CaRotationJob"/> otherwise rotates on schedule;
/// <c>POST …/taint</c> and <c>…/revoke</c> with <c>{"id": …}</c> take an old authority out of use.
/// </summary>
internal static class AuthorityEndpoints
{
    public static void MapAuthorityApi(this RouteGroupBuilder v1)
    {
        v1.MapGet("/authorities/{kind}", async (string kind, CaManager ca, CancellationToken ct) =>
        {
            var rows = await ca.ListAuthoritiesAsync(ParseKind(kind), ct);
            return Results.Ok(new AuthorityListView([.. rows.Select(ToView)]));
        });

        v1.MapPost("/authorities/{kind}/prepare", async (string kind, CaManager ca, CancellationToken ct) =>
            Results.Ok(ToView(await ca.PrepareAsync(ParseKind(kind), ct))));

        v1.MapPost("/authorities/{kind}/activate", async (string kind, CaManager ca, CancellationToken ct) =>
            Results.Ok(ToView(await ca.ActivateAsync(ParseKind(kind), ct))));

        v1.MapPost("/authorities/{kind}/taint", async (string kind, AuthorityActionRequest body, CaManager ca, CancellationToken ct) =>
            Results.Ok(ToView(await ca.TaintAsync(ParseKind(kind), RequireId(body), ct))));

        v1.MapPost("/authorities/{kind}/revoke", async (string kind, AuthorityActionRequest body, CaManager ca, CancellationToken ct) =>
            Results.Ok(ToView(await ca.RevokeAsync(ParseKind(kind), RequireId(body), ct))));
    }

    private static string RequireId(AuthorityActionRequest body) =>
        string.IsNullOrEmpty(body.Id)
            ? throw new Registration.EntryValidationException([new Registration.FieldError("id", "is required (the authority id 'authority … show' lists)")])
            : body.Id;

    private static AuthorityKind ParseKind(string kind) => kind switch
    {
        "x509" => AuthorityKind.X509,
        "jwt" => AuthorityKind.Jwt,
        _ => throw new NotFoundException($"no authority kind '{InputEcho.Of(kind)}'; use x509 or jwt"),
    };

    internal static AuthorityView ToView(CaAuthority a) => new(
        a.Id,
        a.Kind == AuthorityKind.X509 ? "x509" : "jwt",
        a.Slot,
        a.Status.ToString().ToLowerInvariant(),
        a.NotBefore,
        a.NotAfter,
        a.KeyId,
        a.Kind == AuthorityKind.X509 && SignedByUpstream(a.PublicData),
        a.Replica);

    private static bool SignedByUpstream(byte[] der)
    {
        using var certificate = X509CertificateLoader.LoadCertificate(der);
        return !certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);
    }
}
