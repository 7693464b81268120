namespace IdentityIssuer.EndToEnd.Support;

/// <summary>One X.509v3 extension as <c>openssl x509 -text</c> prints it.</summary>
public sealed record PrintedExtension(string Name, bool Critical, string Value);

/// <summary>Reads extensions out of <c>openssl x509 -noout -text</c> output.</summary>
public static class CertificateText
{
    /// <summary>
    /// The extensions under "X509v3 extensions:": a header line <c>X509v3 Name: [critical]</c>
    /// followed by more deeply indented value lines.
    /// </summary>
    public static IReadOnlyList<PrintedExtension> Extensions(string text)
    {
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var start = lines.FindIndex(l => l.Trim() == "X509v3 extensions:");
        if (start < 0)
        {
            return [];
        }

        var headerIndent = lines[start + 1].Length - lines[start + 1].TrimStart().Length;
        var extensions = new List<PrintedExtension>();
        string? name = null;
        var critical = false;
        var value = new List<string>();
        foreach (var line in lines.Skip(start + 1))
        {
            var indent = line.Length - line.TrimStart().Length;
            if (line.Trim().Length == 0 || indent < headerIndent)
            {
                break;
            }

            if (indent == headerIndent)
            {
                Flush();
                var header = line.Trim();
                var colon = header.LastIndexOf(':');
                name = header[..colon].Trim();
                critical = header[(colon + 1)..].Trim() == "critical";
            }
            else
            {
                value.Add(line.Trim());
            }
        }

        Flush();
        return extensions;

        void Flush()
        {
            if (name is not null)
            {
                extensions.Add(new PrintedExtension(name, critical, string.Join('\n', value)));
            }

            value.Clear();
        }
    }

    /// <summary>The items of a comma-separated extension value, e.g. <c>URI:spiffe://…</c> or <c>Digital Signature</c>.</summary>
    public static IReadOnlyList<string> Items(PrintedExtension extension) =>
        extension.Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
