namespace IdentityIssuer.Agent.Revocation;

/// <summary>Whether the agent may go on serving an SVID it holds.</summary>
internal enum SvidStanding
{
    /// <summary>Not decided; never a valid answer.</summary>
    Unspecified = 0,

    /// <summary>Neither tainted nor revoked.</summary>
    Trusted,

    /// <summary>Signed by a tainted authority: still valid, served until its replacement is minted.</summary>
    Tainted,

    /// <summary>Listed by a verified CRL of the CA that signed it: no longer served.</summary>
    Revoked,
}

/// <summary>Decides <see cref="SvidStanding"/> from what the last sync said.</summary>
internal static class SvidStandings
{
    /// <summary>
    /// The standing of an SVID signed by the CA with key id <paramref name="signedBy"/> (lowercase hex; null
    /// when the leaf has no authority key identifier) with serial <paramref name="serial"/> (lowercase hex).
    /// Revoked wins over tainted.
    /// </summary>
    public static SvidStanding Of(string? signedBy, string? serial, IReadOnlySet<string> taintedAuthorities, CrlSet crls)
    {
        ArgumentNullException.ThrowIfNull(taintedAuthorities);
        ArgumentNullException.ThrowIfNull(crls);
        if (crls.IsRevoked(signedBy, serial))
        {
            return SvidStanding.Revoked;
        }

        return signedBy is not null && taintedAuthorities.Contains(signedBy) ? SvidStanding.Tainted : SvidStanding.Trusted;
    }
}
