using System.Globalization;

namespace IdentityIssuer.Attestation.Workload;

/// <summary>The identity lines of <c>/proc/&lt;pid&gt;/status</c>: real and effective ids and supplementary groups.</summary>
internal sealed record ProcessStatus(long RealUserId, long EffectiveUserId, long RealGroupId, long EffectiveGroupId, IReadOnlyList<long> SupplementaryGroupIds)
{
    /// <summary>Parses the file; null when a Uid:, Gid: or Groups: line is missing or malformed.</summary>
    public static ProcessStatus? Parse(string text)
    {
        long[]? uids = null;
        long[]? gids = null;
        long[]? groups = null;
        foreach (var line in text.Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }

            var key = line[..colon];
            var values = line[(colon + 1)..];
            switch (key)
            {
                case "Uid":
                    uids = Numbers(values);
                    break;
                case "Gid":
                    gids = Numbers(values);
                    break;
                case "Groups":
                    groups = Numbers(values);
                    break;
            }
        }

        // Uid: and Gid: list real, effective, saved and filesystem ids.
        if (uids is not { Length: >= 2 } || gids is not { Length: >= 2 } || groups is null)
        {
            return null;
        }

        return new ProcessStatus(uids[0], uids[1], gids[0], gids[1], groups);
    }

    private static long[]? Numbers(string values)
    {
        var parts = values.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        var numbers = new long[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i]))
            {
                return null;
            }
        }

        return numbers;
    }
}
