using System.Text;
using IdentityIssuer.Attestation;
using IdentityIssuer.Attestation.Selectors;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Configuration;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Spiffe;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Issuer.Registration;

/// <summary>
/// Creates, updates and deletes registration entries. Every request is validated as a whole and
/// refused with every problem named before anything is written.
/// </summary>
internal sealed partial class EntryService
{
    /// <summary>Most selectors one entry may have.</summary>
    public const int MaxSelectors = 64;

    /// <summary>Longest hint, in UTF-8 bytes.</summary>
    public const int MaxHintBytes = 1024;

    private readonly IDataStore _store;
    private readonly CaManager _ca;
    private readonly IssuerOptions _issuer;
    private readonly TimeProvider _time;
    private readonly ILogger<EntryService> _logger;

    public EntryService(IDataStore store, CaManager ca, IOptions<IssuerOptions> issuer, TimeProvider time, ILogger<EntryService> logger)
    {
        _store = store;
        _ca = ca;
        _issuer = issuer.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Validates and stores a new entry.</summary>
    public async Task<RegistrationEntry> CreateAsync(EntryInput input, CancellationToken cancellationToken)
    {
        var entry = await ValidateAsync(input, string.Empty, cancellationToken);
        var created = await _store.CreateEntryAsync(entry, cancellationToken);
        LogEntryCreated(_logger, created.Id, created.SpiffeId, created.ParentId, created.RevisionNumber);
        return created;
    }

    /// <summary>Validates and replaces an existing entry.</summary>
    public async Task<RegistrationEntry> UpdateAsync(string id, EntryInput input, CancellationToken cancellationToken)
    {
        _ = await _store.GetEntryAsync(id, cancellationToken) ?? throw new NotFoundException($"no entry with id '{InputEcho.Of(id)}'");
        var entry = await ValidateAsync(input, id, cancellationToken);
        var updated = await _store.UpdateEntryAsync(entry, cancellationToken);
        LogEntryUpdated(_logger, updated.Id, updated.SpiffeId, updated.RevisionNumber);
        return updated;
    }

    /// <summary>Deletes an entry; throws <see cref="NotFoundException"/> when there is none.</summary>
    public async Task<RegistrationEntry> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        var deleted = await _store.DeleteEntryAsync(id, cancellationToken) ?? throw new NotFoundException($"no entry with id '{InputEcho.Of(id)}'");
        LogEntryDeleted(_logger, deleted.Id, deleted.SpiffeId);
        return deleted;
    }

    /// <summary>Checks every field and returns the normalized entry, or throws listing every problem.</summary>
    public async Task<RegistrationEntry> ValidateAsync(EntryInput input, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new List<FieldError>();
        var td = _ca.TrustDomain;

        var spiffeId = ParseId(errors, "spiffeId", input.SpiffeId, td);
        if (spiffeId is not null)
        {
            if (spiffeId.IsRoot)
            {
                errors.Add(new("spiffeId", $"'{spiffeId}' has no path; an entry's SPIFFE ID needs one"));
            }
            else if (ReservedIds.IsReserved(spiffeId))
            {
                errors.Add(new("spiffeId", $"'{spiffeId}' is in the reserved namespace {ReservedIds.ReservedPrefix}"));
            }
        }

        var parentId = ParseId(errors, "parentId", input.ParentId, td);
        var selectors = ParseSelectors(errors, input.Selectors);
        var x509Ttl = CheckTtl(errors, "x509SvidTtl", input.X509SvidTtl, _issuer.MaxX509SvidTtl);
        var jwtTtl = CheckTtl(errors, "jwtSvidTtl", input.JwtSvidTtl, _issuer.MaxJwtSvidTtl);
        var dnsNames = CheckDnsNames(errors, input.DnsNames);
        var hint = input.Hint ?? string.Empty;
        if (Encoding.UTF8.GetByteCount(hint) > MaxHintBytes)
        {
            errors.Add(new("hint", $"is longer than the limit of {MaxHintBytes} bytes"));
        }
        else if (hint.Any(char.IsControl))
        {
            errors.Add(new("hint", "contains a control character"));
        }

        if (input.ExpiresAt is { } expiresAt && expiresAt <= _time.GetUtcNow())
        {
            errors.Add(new("expiresAt", $"{expiresAt:O} is in the past"));
        }

        if (parentId is not null && spiffeId is not null && parentId.Equals(spiffeId))
        {
            errors.Add(new("parentId", "an entry cannot be its own parent"));
        }
        else if (parentId is not null && !await IsKnownParentAsync(parentId, cancellationToken))
        {
            errors.Add(new("parentId", $"unknown parent '{parentId}': not the issuer ({ReservedIds.Server(td)}), not an agent ID under {ReservedIds.AgentPrefix}, not an attested node and not the SPIFFE ID of another entry"));
        }

        if (errors.Count > 0)
        {
            throw new EntryValidationException(errors);
        }

        return new RegistrationEntry
        {
            Id = id,
            SpiffeId = spiffeId!.ToString(),
            ParentId = parentId!.ToString(),
            Selectors = selectors,
            X509SvidTtlSeconds = x509Ttl,
            JwtSvidTtlSeconds = jwtTtl,
            DnsNames = dnsNames,
            Hint = hint,
            Admin = input.Admin,
            Downstream = input.Downstream,
            ExpiresAt = input.ExpiresAt,
        };
    }

    private async Task<bool> IsKnownParentAsync(SpiffeId parentId, CancellationToken cancellationToken)
    {
        if (parentId.Equals(ReservedIds.Server(_ca.TrustDomain)) || ReservedIds.IsAgent(parentId))
        {
            return true;
        }

        if (await _store.GetAttestedNodeAsync(parentId.ToString(), cancellationToken) is not null)
        {
            return true;
        }

        var page = await _store.ListEntriesAsync(new EntryFilter { SpiffeId = parentId.ToString(), PageSize = 1 }, cancellationToken);
        return page.Items.Count > 0;
    }

    private static SpiffeId? ParseId(List<FieldError> errors, string field, string? value, TrustDomain td)
    {
        if (string.IsNullOrEmpty(value))
        {
            errors.Add(new(field, "is required"));
            return null;
        }

        if (!SpiffeId.TryParse(value, out var id, out var error))
        {
            errors.Add(new(field, $"'{InputEcho.Of(value)}' is not a valid SPIFFE ID: {error}"));
            return null;
        }

        if (!id.IsMemberOf(td))
        {
            errors.Add(new(field, $"'{InputEcho.Of(value)}' is not in trust domain {td}"));
            return null;
        }

        return id;
    }

    private static IReadOnlyList<Selector> ParseSelectors(List<FieldError> errors, IReadOnlyList<string>? values)
    {
        if (values is null || values.Count == 0)
        {
            errors.Add(new("selectors", "at least one selector (type:value) is required"));
            return [];
        }

        if (values.Count > MaxSelectors)
        {
            errors.Add(new("selectors", $"{values.Count} selectors is more than the limit of {MaxSelectors} per entry"));
            return [];
        }

        var parsed = new List<Selector>();
        foreach (var value in values)
        {
            if (!Selector.TryParse(value, out var selector, out var error))
            {
                errors.Add(new("selectors", error));
                continue;
            }

            var shape = SelectorShapes.Check(selector);
            if (shape is not null)
            {
                errors.Add(new("selectors", shape));
                continue;
            }

            parsed.Add(selector);
        }

        return SelectorSet.Normalize(parsed);
    }

    private static int CheckTtl(List<FieldError> errors, string field, long seconds, TimeSpan max)
    {
        if (seconds == 0)
        {
            return 0;
        }

        if (seconds < SvidTtlLimits.Minimum.TotalSeconds || seconds > max.TotalSeconds)
        {
            errors.Add(new(field, $"{seconds}s is outside {SvidTtlLimits.Minimum.TotalSeconds}s..{max.TotalSeconds}s"));
            return 0;
        }

        return (int)seconds;
    }

    private static IReadOnlyList<string> CheckDnsNames(List<FieldError> errors, IReadOnlyList<string>? values)
    {
        if (values is null)
        {
            return [];
        }

        if (DnsNames.CheckCount(values) is { } tooMany)
        {
            errors.Add(new("dnsNames", tooMany));
            return [];
        }

        var result = new List<string>();
        foreach (var name in values)
        {
            var problem = DnsNames.Check(name);
            if (problem is not null)
            {
                errors.Add(new("dnsNames", problem));
            }
            else if (!result.Contains(name, StringComparer.Ordinal))
            {
                result.Add(name);
            }
        }

        return result;
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Created entry {EntryId} for {SpiffeId} under {ParentId} at revision {Revision}")]
    private static partial void LogEntryCreated(ILogger logger, string entryId, string spiffeId, string parentId, long revision);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Updated entry {EntryId} for {SpiffeId} at revision {Revision}")]
    private static partial void LogEntryUpdated(ILogger logger, string entryId, string spiffeId, long revision);

    [LoggerMessage(EventId = 302, Level = LogLevel.Information, Message = "Deleted entry {EntryId} for {SpiffeId}")]
    private static partial void LogEntryDeleted(ILogger logger, string entryId, string spiffeId);
}
