using System.Globalization;

namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>
/// The <c>KeyManager:Pkcs11</c> configuration section: which PKCS#11 module and token hold the CA
/// keys, the user PIN, and how the keys are labelled. The PIN is a secret: it is never logged or
/// echoed in an error message.
/// </summary>
internal sealed class Pkcs11KeyManagerOptions
{
    /// <summary>The sub-section name under the key-manager section.</summary>
    public const string SectionName = "Pkcs11";

    /// <summary>The default <see cref="KeyLabelPrefix"/>.</summary>
    public const string DefaultKeyLabelPrefix = "identity-issuer/";

    /// <summary>The largest <see cref="Sessions"/> accepted.</summary>
    public const int MaxSessions = 64;

    /// <summary>The path of the PKCS#11 module (shared library), e.g. <c>/usr/lib/softhsm/libsofthsm2.so</c>.</summary>
    public string? ModulePath { get; set; }

    /// <summary>The label of the token holding the keys; set this or <see cref="SlotId"/>, not both.</summary>
    public string? TokenLabel { get; set; }

    /// <summary>The slot id (decimal) of the token holding the keys; set this or <see cref="TokenLabel"/>, not both.</summary>
    public string? SlotId { get; set; }

    /// <summary>The token's user PIN; set this (or its environment variable) or <see cref="PinFile"/>, not both.</summary>
    public string? Pin { get; set; }

    /// <summary>A file holding the user PIN (one line); it must be readable by its owner only (0600 or 0400).</summary>
    public string? PinFile { get; set; }

    /// <summary>
    /// Prepended to every key id to make the token object label (<c>identity-issuer/x509-ca-A-…</c>);
    /// objects with other labels are never touched, so several issuers can share a token with different prefixes.
    /// </summary>
    public string? KeyLabelPrefix { get; set; } = DefaultKeyLabelPrefix;

    /// <summary>
    /// How many sessions sign at once; unset means twice the processor count, at least 4 and at most 16.
    /// </summary>
    public int? Sessions { get; set; }

    /// <summary>The session pool size to use: <see cref="Sessions"/> or the default.</summary>
    public int EffectiveSessions => Sessions ?? Math.Clamp(Environment.ProcessorCount * 2, 4, 16);

    /// <summary>Adds every problem with <paramref name="options"/> to <paramref name="errors"/>, naming each setting under <paramref name="sectionPath"/>.</summary>
    internal static void Validate(Pkcs11KeyManagerOptions? options, string sectionPath, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        options ??= new Pkcs11KeyManagerOptions();
        var prefix = $"{sectionPath}:{SectionName}:";
        if (string.IsNullOrWhiteSpace(options.ModulePath))
        {
            errors.Add($"{prefix}ModulePath must be set to the PKCS#11 module (shared library) of the HSM, e.g. /usr/lib/softhsm/libsofthsm2.so");
        }
        else if (options.ModulePath.Contains('\0', StringComparison.Ordinal) || !File.Exists(options.ModulePath))
        {
            errors.Add($"{prefix}ModulePath: no PKCS#11 module at '{Printable(options.ModulePath)}'");
        }

        var hasLabel = !string.IsNullOrEmpty(options.TokenLabel);
        var hasSlot = !string.IsNullOrWhiteSpace(options.SlotId);
        if (hasLabel == hasSlot)
        {
            errors.Add($"{prefix}TokenLabel or {prefix}SlotId must be set (exactly one of them) to choose the token");
        }
        else if (hasSlot && !TryParseSlotId(options.SlotId, out _))
        {
            errors.Add($"{prefix}SlotId must be a non-negative decimal number (got '{Printable(options.SlotId!)}')");
        }
        else if (hasLabel && options.TokenLabel!.Length > 32)
        {
            errors.Add($"{prefix}TokenLabel must be at most 32 characters, the longest label a PKCS#11 token has");
        }

        var hasPin = !string.IsNullOrEmpty(options.Pin);
        var hasPinFile = !string.IsNullOrWhiteSpace(options.PinFile);
        if (hasPin == hasPinFile)
        {
            // Never echo the PIN itself.
            errors.Add($"{prefix}Pin (or the environment variable IDENTITY_ISSUER_{sectionPath.Replace(":", "__", StringComparison.Ordinal)}__{SectionName}__Pin) or {prefix}PinFile must be set (exactly one of them)");
        }
        else if (hasPinFile && PinFileProblem(options.PinFile!) is { } problem)
        {
            errors.Add($"{prefix}PinFile {problem}");
        }

        if (string.IsNullOrEmpty(options.KeyLabelPrefix))
        {
            errors.Add($"{prefix}KeyLabelPrefix must not be empty");
        }
        else if (options.KeyLabelPrefix.Any(char.IsControl) || options.KeyLabelPrefix.Contains(Pkcs11KeyLabels.PendingMarker, StringComparison.Ordinal))
        {
            errors.Add($"{prefix}KeyLabelPrefix must not contain control characters or '{Pkcs11KeyLabels.PendingMarker}'");
        }

        if (options.Sessions is < 1 or > MaxSessions)
        {
            errors.Add($"{prefix}Sessions must be between 1 and {MaxSessions} (got {options.Sessions})");
        }
    }

    /// <summary>Parses a decimal slot id.</summary>
    internal static bool TryParseSlotId(string? value, out ulong slotId) =>
        ulong.TryParse(value?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out slotId);

    /// <summary>Null when the PIN file exists and only its owner may read it; otherwise what is wrong (never its content).</summary>
    internal static string? PinFileProblem(string path)
    {
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            return "is not a valid path";
        }

        if (!File.Exists(path))
        {
            return $"'{path}' does not exist";
        }

        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            const UnixFileMode allowed = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            if ((mode & ~allowed) != 0 || (mode & UnixFileMode.UserRead) == 0)
            {
                return $"'{path}' has mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}; it must be 0600 or 0400 (readable by its owner only)";
            }
        }

        return null;
    }

    private static string Printable(string value) => new([.. value.Select(c => char.IsControl(c) ? '?' : c)]);
}
