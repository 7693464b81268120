using System.Buffers.Binary;
using System.Security.Cryptography;

namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>
/// How key ids map to PKCS#11 object labels and ids. The label of key <c>k</c> is
/// <c>prefix + k</c>: key ids use only <c>A-Z a-z 0-9 . _ -</c> (see <see cref="KeyIds"/>), which
/// every token accepts in a CKA_LABEL, so the mapping needs no escaping and is reversed by removing
/// the prefix; a label whose remainder is not a valid key id is not ours. A key being generated
/// carries <c>prefix + k + "~pending~" + n</c> until it is complete: '~' is not allowed in key ids,
/// so a pending key is never listed. Each generated pair gets a fresh 16-byte CKA_ID, shared by
/// its private and public object: 8 bytes of creation time (UTC ticks, big-endian) then 8 random
/// bytes, so when a crash leaves two complete keys under one label, the newer one is the key.
/// </summary>
internal static class Pkcs11KeyLabels
{
    /// <summary>Marks the label of a key that is not complete yet.</summary>
    public const string PendingMarker = "~pending~";

    /// <summary>The CKA_ID length of generated keys.</summary>
    public const int ObjectIdLength = 16;

    /// <summary>The label of <paramref name="keyId"/>.</summary>
    public static string Label(string prefix, string keyId) => prefix + keyId;

    /// <summary>A label for a key being generated under <paramref name="keyId"/>, unique to this generation.</summary>
    public static string PendingLabel(string prefix, string keyId) => prefix + keyId + PendingMarker + Guid.NewGuid().ToString("N");

    /// <summary>The key id a label stands for, or null when the label is not one of ours (other prefix, pending, invalid id).</summary>
    public static string? KeyIdOf(string prefix, string? label)
    {
        if (label is null || !label.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var keyId = label[prefix.Length..];
        return KeyIds.IsValid(keyId) ? keyId : null;
    }

    /// <summary>True when the label is a pending key under <paramref name="prefix"/>.</summary>
    public static bool IsPending(string prefix, string? label) =>
        label is not null && label.StartsWith(prefix, StringComparison.Ordinal) && label.Contains(PendingMarker, StringComparison.Ordinal);

    /// <summary>A new CKA_ID: creation time then random bytes.</summary>
    public static byte[] NewObjectId(DateTimeOffset now)
    {
        var id = new byte[ObjectIdLength];
        BinaryPrimitives.WriteInt64BigEndian(id, now.UtcTicks);
        RandomNumberGenerator.Fill(id.AsSpan(8));
        return id;
    }

    /// <summary>When a CKA_ID made by <see cref="NewObjectId"/> was created; null for ids of another shape.</summary>
    public static DateTimeOffset? CreatedAt(byte[] objectId)
    {
        if (objectId.Length != ObjectIdLength)
        {
            return null;
        }

        var ticks = BinaryPrimitives.ReadInt64BigEndian(objectId);
        return ticks is > 0 && ticks <= DateTimeOffset.MaxValue.UtcTicks ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
    }

    /// <summary>Orders CKA_IDs oldest first (creation time, then bytes).</summary>
    public static int CompareAge(byte[] a, byte[] b) => a.AsSpan().SequenceCompareTo(b);
}
