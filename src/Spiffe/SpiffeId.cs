using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace IdentityIssuer.Spiffe;

/// <summary>
/// A SPIFFE ID: <c>spiffe://&lt;trust-domain&gt;&lt;path&gt;</c>, validated byte by byte per
/// SPIFFE-ID §2. The path is empty for a trust domain's root ID. Compared ordinally.
/// </summary>
public sealed class SpiffeId : IEquatable<SpiffeId>
{
    /// <summary>The longest ID accepted, in UTF-8 bytes of the whole URI including <c>spiffe://</c>.</summary>
    public const int MaxLength = 2048;

    private readonly string _value;

    internal SpiffeId(TrustDomain trustDomain, string path, string value)
    {
        TrustDomain = trustDomain;
        Path = path;
        _value = value;
    }

    /// <summary>The trust domain (the URI authority).</summary>
    public TrustDomain TrustDomain { get; }

    /// <summary>The path: empty, or <c>/segment/...</c> with no trailing slash.</summary>
    public string Path { get; }

    /// <summary>True when the ID has no path (a trust domain or authority ID).</summary>
    public bool IsRoot => Path.Length == 0;

    /// <summary>Parses and validates a SPIFFE ID.</summary>
    /// <exception cref="SpiffeIdFormatException">The input is not a valid SPIFFE ID.</exception>
    public static SpiffeId Parse(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return TryParse(s, out var id, out var error) ? id : throw new SpiffeIdFormatException(error);
    }

    /// <summary>Parses like <see cref="Parse"/> without throwing; <paramref name="error"/> names the defect.</summary>
    public static bool TryParse(string? s, [NotNullWhen(true)] out SpiffeId? id, out string error)
    {
        var message = SpiffeIdSyntax.ValidateId(s, out var trustDomain, out var path);
        if (message is not null)
        {
            id = null;
            error = message;
            return false;
        }

        var td = TrustDomain.FromValidatedName(trustDomain);
        id = path.Length == 0 ? td.Id : new SpiffeId(td, path, s!);
        error = string.Empty;
        return true;
    }

    /// <summary>Builds an ID from a trust domain and a path (empty or starting with <c>/</c>), validating the path.</summary>
    /// <exception cref="SpiffeIdFormatException">The path is invalid or the ID would be too long.</exception>
    public static SpiffeId FromPath(TrustDomain trustDomain, string path)
    {
        ArgumentNullException.ThrowIfNull(trustDomain);
        ArgumentNullException.ThrowIfNull(path);
        var error = SpiffeIdSyntax.ValidatePath(path, 0);
        if (error is not null)
        {
            throw new SpiffeIdFormatException(error);
        }

        if (path.Length == 0)
        {
            return trustDomain.Id;
        }

        var value = trustDomain.IdString + path;
        var byteCount = Encoding.UTF8.GetByteCount(value);
        if (byteCount > MaxLength)
        {
            throw new SpiffeIdFormatException($"SPIFFE ID is longer than {MaxLength} bytes ({byteCount} bytes)");
        }

        return new SpiffeId(trustDomain, path, value);
    }

    /// <summary>True when this ID belongs to <paramref name="trustDomain"/>.</summary>
    public bool IsMemberOf(TrustDomain trustDomain)
    {
        ArgumentNullException.ThrowIfNull(trustDomain);
        return TrustDomain.Equals(trustDomain);
    }

    public bool Equals(SpiffeId? other) =>
        other is not null && string.Equals(_value, other._value, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as SpiffeId);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(_value);

    /// <summary>The full ID string, exactly as parsed.</summary>
    public override string ToString() => _value;

    public static bool operator ==(SpiffeId? left, SpiffeId? right) =>
        left is null ? right is null : left.Equals(right);

    public static bool operator !=(SpiffeId? left, SpiffeId? right) => !(left == right);
}
