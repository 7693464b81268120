namespace IdentityIssuer.Issuer.KeyManagement.AzureKeyVault;

/// <summary>The vault's authentication challenge was refused (it asked for a token for another domain).</summary>
internal sealed class AzureKeyVaultChallengeException : Exception
{
    public AzureKeyVaultChallengeException()
    {
    }

    public AzureKeyVaultChallengeException(string message)
        : base(message)
    {
    }

    public AzureKeyVaultChallengeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
