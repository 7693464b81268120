namespace IdentityIssuer.Spiffe.Tests;

/// <summary>Every byte value, and how the parser names a character in its messages.</summary>
internal static class CharacterCases
{
    public static TheoryData<int> AllBytes()
    {
        var data = new TheoryData<int>();
        for (var b = 0; b <= 0xFF; b++)
        {
            data.Add(b);
        }

        return data;
    }

    public static bool IsTrustDomainChar(char c) =>
        c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '-' or '_';

    public static bool IsPathChar(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '-' or '_';

    public static string Describe(char c) =>
        c is > ' ' and < (char)0x7F ? $"'{c}'" : $"U+{(int)c:X4}";
}
