using System.Globalization;

namespace IdentityIssuer.Attestation.Workload;

/// <summary>
/// User and group names from the local account files (<c>/etc/passwd</c>, <c>/etc/group</c>), parsed
/// directly rather than through the C library. Accounts that live only in a directory service (NSS
/// modules such as sssd or LDAP) are not found, so their name selectors are not produced.
/// </summary>
internal sealed class UnixAccountDatabase
{
    private readonly Dictionary<long, string> _users;
    private readonly Dictionary<long, string> _groups;

    private UnixAccountDatabase(Dictionary<long, string> users, Dictionary<long, string> groups)
    {
        _users = users;
        _groups = groups;
    }

    /// <summary>Reads both files; a missing file means no names of that kind.</summary>
    public static async Task<UnixAccountDatabase> LoadAsync(string passwdPath, string groupPath, CancellationToken cancellationToken)
    {
        var passwd = await ReadIfExistsAsync(passwdPath, cancellationToken);
        var group = await ReadIfExistsAsync(groupPath, cancellationToken);
        return new UnixAccountDatabase(ParseIdFile(passwd), ParseIdFile(group));
    }

    public string? UserName(long userId) => _users.GetValueOrDefault(userId);

    public string? GroupName(long groupId) => _groups.GetValueOrDefault(groupId);

    /// <summary>
    /// Maps the id (third field) to the name (first field) of <c>name:password:id:...</c> lines. The
    /// first line for an id wins, as getpwuid and getgrgid do; comments, NIS <c>+</c>/<c>-</c> lines
    /// and malformed lines are skipped.
    /// </summary>
    internal static Dictionary<long, string> ParseIdFile(string text)
    {
        var names = new Dictionary<long, string>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] is '#' or '+' or '-')
            {
                continue;
            }

            var fields = line.Split(':');
            if (fields.Length < 3 || fields[0].Length == 0)
            {
                continue;
            }

            if (long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                names.TryAdd(id, fields[0]);
            }
        }

        return names;
    }

    private static async Task<string> ReadIfExistsAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return string.Empty;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WorkloadAttestationException($"cannot read {path}: {e.Message}", e);
        }
    }
}
