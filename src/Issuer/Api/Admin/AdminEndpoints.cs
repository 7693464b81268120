using System.Security.Cryptography;
using IdentityIssuer.Attestation;
using IdentityIssuer.Attestation.Selectors;
using IdentityIssuer.Issuer.Api.Admin.Contracts;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Registration;
using IdentityIssuer.Spiffe;
using IdentityIssuer.Spiffe.X509;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityIssuer.Issuer.Api.Admin;

/// <summary>The admin API, served only on the admin Unix socket. JSON in and out; errors as <see cref="ErrorView"/>.</summary>
internal static class AdminEndpoints
{
    private static readonly TimeSpan DefaultJoinTokenTtl = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan MaxJoinTokenTtl = TimeSpan.FromDays(7);

    public static void MapAdminApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1").AddEndpointFilter<AdminErrorFilter>();
        v1.MapAuthorityApi();
        v1.MapKeyApi();

        v1.MapGet("/health", (CaManager ca) =>
        {
            var x509 = ca.ActiveX509;
            return Results.Ok(new HealthView("ok", ca.TrustDomain.Name, x509.Id, x509.Record.NotAfter, ca.ActiveJwt.KeyId));
        });

        v1.MapPost("/entries/simulate", async (EntrySimulateRequest body, EntrySimulator simulator, CancellationToken ct) =>
            Results.Ok(await simulator.SimulateAsync(body, ct)));

        v1.MapPost("/entries", async (EntryInput input, HttpRequest request, EntryService entries, EntrySimulator simulator, CancellationToken ct) =>
        {
            if (IsDryRun(request))
            {
                return Results.Ok(await simulator.CreateAsync(input, ct));
            }

            var created = await entries.CreateAsync(input, ct);
            return Results.Created($"/v1/entries/{created.Id}", ToView(created));
        });

        v1.MapGet("/entries/{id}", async (string id, IDataStore store, CancellationToken ct) =>
            await store.GetEntryAsync(id, ct) is { } entry
                ? Results.Ok(ToView(entry))
                : throw new NotFoundException($"no entry with id '{InputEcho.Of(id)}'"));

        v1.MapPut("/entries/{id}", async (string id, EntryInput input, HttpRequest request, EntryService entries, EntrySimulator simulator, CancellationToken ct) =>
            IsDryRun(request)
                ? Results.Ok(await simulator.UpdateAsync(id, input, ct))
                : Results.Ok(ToView(await entries.UpdateAsync(id, input, ct))));

        v1.MapDelete("/entries/{id}", async (string id, HttpRequest request, EntryService entries, EntrySimulator simulator, CancellationToken ct) =>
            IsDryRun(request)
                ? Results.Ok(await simulator.DeleteAsync(id, ct))
                : Results.Ok(ToView(await entries.DeleteAsync(id, ct))));

        v1.MapGet("/entries", async (HttpRequest request, IDataStore store, CancellationToken ct) =>
        {
            var filter = ParseFilter(request.Query);
            Page<RegistrationEntry> page;
            try
            {
                page = await store.ListEntriesAsync(filter, ct);
            }
            catch (ArgumentException) when (filter.PageToken is not null)
            {
                throw new EntryValidationException([AdminPaging.BadToken]);
            }

            return Results.Ok(new EntryListView([.. page.Items.Select(ToView)], page.NextPageToken));
        });

        v1.MapPost("/join-tokens", async (JoinTokenRequest body, IDataStore store, CaManager ca, TimeProvider time, CancellationToken ct) =>
        {
            var ttl = body.Ttl == 0 ? DefaultJoinTokenTtl : TimeSpan.FromSeconds(body.Ttl);
            if (ttl < TimeSpan.FromSeconds(1) || ttl > MaxJoinTokenTtl)
            {
                throw new EntryValidationException([new FieldError("ttl", $"{body.Ttl}s is outside 1s..{MaxJoinTokenTtl.TotalSeconds}s")]);
            }

            var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            var hash = JoinTokens.Hash(token);
            var now = time.GetUtcNow();
            await store.CreateJoinTokenAsync(new JoinToken(hash, now + ttl, now), ct);
            return Results.Ok(new JoinTokenView(token, JoinTokens.AgentId(ca.TrustDomain, hash).ToString(), now + ttl));
        });

        v1.MapGet("/bundle", async (string? format, TrustBundleService bundles, CancellationToken ct) =>
        {
            var bundle = await bundles.GetOwnBundleAsync(ct);
            return (format ?? "pem") switch
            {
                "pem" => Results.Text(DerCertificates.ToPem(bundle.X509Authorities), "application/x-pem-file"),
                "spiffe" => Results.Text(bundle.ToJson(), "application/json"),
                _ => throw new EntryValidationException([new FieldError("format", $"must be 'pem' or 'spiffe' (got '{InputEcho.Of(format)}')")]),
            };
        });

        v1.MapPost("/svids/x509", async (X509MintRequest body, HttpContext context, X509SvidMinter minter, TrustBundleService bundles, CancellationToken ct) =>
        {
            var errors = new List<FieldError>();
            var id = ParseMintId(errors, body.SpiffeId);
            byte[] csr = [];
            if (string.IsNullOrEmpty(body.Csr))
            {
                errors.Add(new("csr", "is required (base64 DER PKCS#10)"));
            }
            else if (!TryBase64(body.Csr, out csr))
            {
                errors.Add(new("csr", "is not valid base64"));
            }

            if (DnsNames.CheckCount(body.DnsNames) is { } tooMany)
            {
                errors.Add(new("dnsNames", tooMany));
            }
            else
            {
                foreach (var dns in body.DnsNames ?? [])
                {
                    if (DnsNames.Check(dns) is { } problem)
                    {
                        errors.Add(new("dnsNames", problem));
                    }
                }
            }

            if (body.Ttl < 0)
            {
                errors.Add(new("ttl", "must not be negative"));
            }

            if (errors.Count > 0)
            {
                throw new EntryValidationException(errors);
            }

            var minted = await minter.MintAsync(
                new X509SvidParams
                {
                    SpiffeId = id!,
                    Csr = csr,
                    Ttl = TimeSpan.FromSeconds(body.Ttl),
                    DnsNames = body.DnsNames ?? [],
                    Caller = AdminCaller.Describe(context),
                },
                ct);
            var bundle = await bundles.GetOwnBundleAsync(ct);
            var chain = new[] { minted.CertificateDer }.Concat(minted.ChainAboveDer.Skip(ChainStartsWithRoot(minted, bundle) ? 1 : 0));
            return Results.Ok(new X509MintView(
                minted.SpiffeId.ToString(),
                minted.Serial,
                minted.NotAfter,
                Pem(chain),
                DerCertificates.ToPem(bundle.X509Authorities)));
        });

        v1.MapPost("/svids/jwt", async (JwtMintRequest body, HttpContext context, JwtSvidMinter minter, CancellationToken ct) =>
        {
            var errors = new List<FieldError>();
            var id = ParseMintId(errors, body.SpiffeId);
            if (body.Audience is null || body.Audience.Count == 0 || body.Audience.Any(string.IsNullOrWhiteSpace))
            {
                errors.Add(new("audience", "at least one non-empty audience is required"));
            }

            if (body.Ttl < 0)
            {
                errors.Add(new("ttl", "must not be negative"));
            }

            if (errors.Count > 0)
            {
                throw new EntryValidationException(errors);
            }

            var minted = await minter.MintAsync(id!, body.Audience!, TimeSpan.FromSeconds(body.Ttl), null, AdminCaller.Describe(context), ct);
            return Results.Ok(new JwtMintView(minted.SpiffeId.ToString(), minted.Token, minted.ExpiresAt));
        });

        v1.MapAgentAdminApi();
        v1.MapRevocationApi();
        v1.MapSvidRecordApi();
    }

    /// <summary>The self-signed CA is both the SVID's issuer and the bundle root; it is not sent in the chain.</summary>
    private static bool ChainStartsWithRoot(MintedX509Svid minted, Spiffe.Bundles.SpiffeBundle bundle) =>
        minted.ChainAboveDer.Count > 0 && bundle.X509Authorities.Any(a => a.RawData.AsSpan().SequenceEqual(minted.ChainAboveDer[0]));

    private static string Pem(IEnumerable<byte[]> ders) =>
        string.Concat(ders.Select(d => new string(System.Security.Cryptography.PemEncoding.Write("CERTIFICATE", d)) + "\n"));

    private static SpiffeId? ParseMintId(List<FieldError> errors, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            errors.Add(new("spiffeId", "is required"));
            return null;
        }

        if (!SpiffeId.TryParse(value, out var id, out var error))
        {
            errors.Add(new("spiffeId", $"'{InputEcho.Of(value)}' is not a valid SPIFFE ID: {error}"));
            return null;
        }

        return id;
    }

    private static bool TryBase64(string value, out byte[] bytes)
    {
        bytes = new byte[value.Length];
        if (Convert.TryFromBase64String(value, bytes, out var written))
        {
            bytes = bytes[..written];
            return true;
        }

        bytes = [];
        return false;
    }

    private static EntryFilter ParseFilter(IQueryCollection query)
    {
        var errors = new List<FieldError>();
        var selectors = new List<Selector>();
        foreach (var text in query["selector"])
        {
            if (Selector.TryParse(text, out var selector, out var error))
            {
                selectors.Add(selector);
            }
            else
            {
                errors.Add(new("selector", error));
            }
        }

        var match = SelectorMatch.Unspecified;
        var matchText = query["match"].ToString();
        if (selectors.Count > 0)
        {
            match = (matchText.Length == 0 ? "exact" : matchText) switch
            {
                "exact" => SelectorMatch.Exact,
                "subset" => SelectorMatch.Subset,
                "superset" => SelectorMatch.Superset,
                _ => SelectorMatch.Unspecified,
            };
            if (match == SelectorMatch.Unspecified)
            {
                errors.Add(new("match", $"must be 'exact', 'subset' or 'superset' (got '{InputEcho.Of(matchText)}')"));
            }
        }

        var (pageSize, pageToken) = AdminPaging.Read(query, errors);

        if (errors.Count > 0)
        {
            throw new EntryValidationException(errors);
        }

        return new EntryFilter
        {
            SpiffeId = NullIfEmpty(query["spiffeId"].ToString()),
            ParentId = NullIfEmpty(query["parentId"].ToString()),
            Selectors = selectors.Count > 0 ? selectors : null,
            Match = match,
            PageSize = pageSize,
            PageToken = pageToken,
        };
    }

    /// <summary><c>?dryRun=true</c>: compute what the change would do (see <see cref="EntrySimulator"/>) and store nothing.</summary>
    private static bool IsDryRun(HttpRequest request)
    {
        var text = request.Query["dryRun"].ToString();
        if (text.Length == 0)
        {
            return false;
        }

        return bool.TryParse(text, out var dryRun)
            ? dryRun
            : throw new EntryValidationException([new FieldError("dryRun", $"must be true or false (got '{InputEcho.Of(text)}')")]);
    }

        private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    internal static EntryView ToView(RegistrationEntry e) => new(
        e.Id,
        e.SpiffeId,
        e.ParentId,
        [.. e.Selectors.Select(s => s.ToString())],
        e.X509SvidTtlSeconds,
        e.JwtSvidTtlSeconds,
        e.DnsNames,
        e.Hint,
        e.Admin,
        e.Downstream,
        e.ExpiresAt,
        e.RevisionNumber,
        e.CreatedAt);
}
