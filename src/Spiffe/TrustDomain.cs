using System.Diagnostics.CodeAnalysis;

namespace IdentityIssuer.Spiffe;

/// <summary>
/// A SPIFFE trust domain name such as <c>example.org</c>: lowercase letters, digits, dots, dashes
/// and underscores, at most 255 bytes. Compared ordinally.
/// </summary>
public sealed class TrustDomain : IEquatable<TrustDomain>
{
    /// <summary>The longest trust domain name accepted, in bytes (the RFC 3986 host limit).</summary>
    public const int MaxLength = 255;

    private TrustDomain(string name)
    {
        Name = name;
        IdString = SpiffeIdSyntax.Scheme + name;
        Id = new SpiffeId(this, string.Empty, IdString);
    }

    /// <summary>The bare name, e.g. <c>example.org</c>.</summary>
    public string Name { get; }

    /// <summary>The trust domain's root ID as a string, e.g. <c>spiffe://example.org</c>.</summary>
    public string IdString { get; }

    /// <summary>The trust domain's root SPIFFE ID (no path).</summary>
    public SpiffeId Id { get; }

    /// <summary>
    /// Parses a bare name (<c>example.org</c>) or a root ID (<c>spiffe://example.org</c>).
    /// An ID with a path is rejected.
    /// </summary>
    /// <exception cref="SpiffeIdFormatException">The input is not a valid trust domain.</exception>
    public static TrustDomain Parse(string nameOrId)
    {
        ArgumentNullException.ThrowIfNull(nameOrId);
        return TryParse(nameOrId, out var td, out var error) ? td : throw new SpiffeIdFormatException(error);
    }

    /// <summary>Parses like <see cref="Parse"/> without throwing; <paramref name="error"/> names the defect.</summary>
    public static bool TryParse(string? s, [NotNullWhen(true)] out TrustDomain? td, out string error)
    {
        td = null;
        if (string.IsNullOrEmpty(s))
        {
            error = SpiffeIdSyntax.MissingTrustDomain;
            return false;
        }

        // Like go-spiffe, anything that looks like it has a scheme separator is read as an ID, which
        // gives a better message for inputs such as "spiffe:/example.org".
        if (s.Contains(":/", StringComparison.Ordinal))
        {
            if (!SpiffeId.TryParse(s, out var id, out error))
            {
                return false;
            }

            if (!id.IsRoot)
            {
                error = $"a trust domain ID cannot have a path (found '{id.Path}')";
                return false;
            }

            td = id.TrustDomain;
            return true;
        }

        var nameError = SpiffeIdSyntax.ValidateTrustDomainName(s);
        if (nameError is not null)
        {
            error = nameError;
            return false;
        }

        td = new TrustDomain(s);
        error = string.Empty;
        return true;
    }

    /// <summary>Creates a trust domain from a name already validated by <see cref="SpiffeIdSyntax"/>.</summary>
    internal static TrustDomain FromValidatedName(string name) => new(name);

    public bool Equals(TrustDomain? other) =>
        other is not null && string.Equals(Name, other.Name, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as TrustDomain);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Name);

    public override string ToString() => Name;

    public static bool operator ==(TrustDomain? left, TrustDomain? right) =>
        left is null ? right is null : left.Equals(right);

    public static bool operator !=(TrustDomain? left, TrustDomain? right) => !(left == right);
}
