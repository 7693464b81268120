using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Gateway.Identity;
using IdentityIssuer.Tests.Common.Certificates;

namespace IdentityIssuer.Gateway.Tests.Identity;

public sealed class CallerValidatorTests
{
    private readonly TestIdentity _td = new();

    [Fact]
    public void Validate_SvidOfTheTrustDomain_GivesItsIdAndSerial()
    {
        var leaf = _td.Leaf("/agents/a");
        var result = CallerValidator.Validate(leaf, [], _td.With(), DateTimeOffset.UtcNow);
        Assert.True(result.IsValid, result.Error);
        Assert.Equal("spiffe://example.org/agents/a", result.Id!.ToString());
        Assert.Equal(leaf.SerialNumber.ToLowerInvariant(), result.Serial);
    }

    [Fact]
    public void Validate_NoCertificate_IsMissing()
    {
        var result = CallerValidator.Validate(null, [], _td.With(), DateTimeOffset.UtcNow);
        Assert.False(result.IsValid);
        Assert.True(result.IsMissing);
    }

    [Fact]
    public void Validate_Expired_IsRefusedWithTheReason()
    {
        var leaf = TestCertificates.CreateLeaf(_td.Ca, "spiffe://example.org/agents/a", s =>
        {
            s.NotBefore = DateTimeOffset.UtcNow.AddHours(-2);
            s.NotAfter = DateTimeOffset.UtcNow.AddHours(-1);
        });
        var result = CallerValidator.Validate(leaf, [], _td.With(), DateTimeOffset.UtcNow);
        Assert.False(result.IsValid);
        Assert.False(result.IsMissing);
        Assert.Contains("expired", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_AnotherTrustDomainsSvid_IsRefused()
    {
        var other = new TestIdentity("other.org");
        var leaf = TestCertificates.CreateLeaf(other.Ca, "spiffe://other.org/agents/a");
        var result = CallerValidator.Validate(leaf, [], _td.With(), DateTimeOffset.UtcNow);
        Assert.False(result.IsValid);
        Assert.Contains("no bundle for trust domain other.org", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_LeafClaimingOurTrustDomainButSignedByAnotherCa_IsRefused()
    {
        var other = new TestIdentity("other.org");
        var leaf = TestCertificates.CreateLeaf(other.Ca, "spiffe://example.org/agents/a");
        var result = CallerValidator.Validate(leaf, [], _td.With(), DateTimeOffset.UtcNow);
        Assert.False(result.IsValid);
        Assert.Contains("does not chain", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RevokedByTheCasCrl_IsRefused_AndOthersPass()
    {
        var revoked = _td.Leaf("/agents/revoked");
        var fine = _td.Leaf("/agents/fine");
        var identity = _td.With(TestIdentity.Crl(_td.Ca, revoked));

        var refused = CallerValidator.Validate(revoked, [], identity, DateTimeOffset.UtcNow);
        Assert.False(refused.IsValid);
        Assert.Contains($"serial {revoked.SerialNumber.ToLowerInvariant()} is revoked", refused.Error, StringComparison.Ordinal);
        Assert.True(CallerValidator.Validate(fine, [], identity, DateTimeOffset.UtcNow).IsValid);
    }

    [Fact]
    public void Validate_RevokedIntermediate_RefusesItsLeaves()
    {
        var intermediate = TestCertificates.CreateIntermediateCa(_td.Ca, "spiffe://example.org");
        var leaf = TestCertificates.CreateLeaf(intermediate, "spiffe://example.org/agents/a");
        Assert.True(CallerValidator.Validate(leaf, [intermediate], _td.With(), DateTimeOffset.UtcNow).IsValid);

        var result = CallerValidator.Validate(leaf, [intermediate], _td.With(TestIdentity.Crl(_td.Ca, intermediate)), DateTimeOffset.UtcNow);
        Assert.False(result.IsValid);
        Assert.Contains("is revoked", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_CrlOfAnotherCa_DoesNotApply()
    {
        var other = new TestIdentity("other.org");
        var leaf = _td.Leaf("/agents/a");
        var result = CallerValidator.Validate(leaf, [], _td.With(TestIdentity.Crl(other.Ca, other.Server)), DateTimeOffset.UtcNow);
        Assert.True(result.IsValid, result.Error);
    }

    [Fact]
    public void Validate_CrlNamingOurCaButSignedWithAnotherKey_FailsClosed()
    {
        var leaf = _td.Leaf("/agents/a");
        using var forger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var aki = X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_td.Ca, includeKeyIdentifier: true, includeIssuerAndSerial: false);
        var forged = new CertificateRevocationListBuilder().Build(
            _td.Ca.SubjectName,
            X509SignatureGenerator.CreateForECDsa(forger),
            BigInteger.One,
            DateTimeOffset.UtcNow.AddDays(1),
            HashAlgorithmName.SHA256,
            aki);

        var result = CallerValidator.Validate(leaf, [], _td.With(forged), DateTimeOffset.UtcNow);
        Assert.False(result.IsValid);
        Assert.Contains("does not verify with that CA's key", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnparseableCrl_FailsClosed()
    {
        var leaf = _td.Leaf("/agents/a");
        var result = CallerValidator.Validate(leaf, [], _td.With([0x30, 0x03, 0x02, 0x01, 0x01]), DateTimeOffset.UtcNow);
        Assert.False(result.IsValid);
        Assert.Contains("revocation cannot be checked", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_CrlPastNextUpdateAndTheGrace_FailsClosed()
    {
        var now = DateTimeOffset.UtcNow;
        var leaf = _td.Leaf("/agents/a");
        var result = CallerValidator.Validate(leaf, [], _td.With(TestIdentity.Crl(_td.Ca, now.AddHours(-2), now.AddMinutes(-6))), now);
        Assert.False(result.IsValid);
        Assert.Contains("is past its nextUpdate", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_CrlPastNextUpdateWithinTheGrace_StillApplies()
    {
        var now = DateTimeOffset.UtcNow;
        var revoked = _td.Leaf("/agents/revoked");
        var identity = _td.With(TestIdentity.Crl(_td.Ca, now.AddHours(-2), now.AddMinutes(-4), revoked));
        Assert.True(CallerValidator.Validate(_td.Leaf("/agents/a"), [], identity, now).IsValid);
        Assert.Contains("is revoked", CallerValidator.Validate(revoked, [], identity, now).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_CrlIssuedInTheFutureBeyondTheClockSkew_FailsClosed()
    {
        var now = DateTimeOffset.UtcNow;
        var leaf = _td.Leaf("/agents/a");
        var result = CallerValidator.Validate(leaf, [], _td.With(TestIdentity.Crl(_td.Ca, now.AddMinutes(10), now.AddDays(1))), now);
        Assert.False(result.IsValid);
        Assert.Contains("thisUpdate", result.Error, StringComparison.Ordinal);
        Assert.True(CallerValidator.Validate(leaf, [], _td.With(TestIdentity.Crl(_td.Ca, now.AddSeconds(30), now.AddDays(1))), now).IsValid);
    }
}
