using IdentityIssuer.Issuer.KeyManagement;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Issuer.Tests.KeyManagement;

public sealed class AwsKmsKeyManagerOptionsTests
{
    [Fact]
    public void Validate_WithRegionOnly_PassesWithTheDocumentedDefaults()
    {
        var options = new AwsKmsKeyManagerOptions { Region = "eu-west-1" };

        Assert.Empty(Errors(options));
        Assert.Equal(("alias/identity-issuer/", 3, 30, 30), (options.AliasPrefix, options.MaxRetries, options.TimeoutSeconds, options.PendingDeletionDays));
    }

    [Theory]
    [InlineData(null, "KeyManager:AwsKms:Region must be set")]
    [InlineData("Ireland", "KeyManager:AwsKms:Region 'Ireland' is not an AWS region name")]
    public void Validate_WithMissingOrMalformedRegion_NamesTheSetting(string? region, string expected)
    {
        Assert.Contains(Errors(new AwsKmsKeyManagerOptions { Region = region }), e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("kms.eu-west-1.amazonaws.com", "must be an absolute https:// URL")]
    [InlineData("ftp://kms.example", "must be an absolute https:// URL")]
    [InlineData("http://kms.eu-west-1.amazonaws.com", "uses plain http to a host that is not loopback")]
    [InlineData("https://kms.example/?x=1", "must not have a query")]
    public void Validate_WithBadEndpoint_NamesTheSettingAndTheProblem(string endpoint, string problem)
    {
        var error = Assert.Single(Errors(new AwsKmsKeyManagerOptions { Region = "eu-west-1", Endpoint = endpoint }));

        Assert.StartsWith($"KeyManager:AwsKms:Endpoint '{endpoint}' ", error, StringComparison.Ordinal);
        Assert.Contains(problem, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://vpce-0123-abcd.kms.eu-west-1.vpce.amazonaws.com")]
    [InlineData("http://127.0.0.1:4566")]
    [InlineData("http://localhost:4566/")]
    public void Validate_WithHttpsOrLoopbackEndpoint_Passes(string endpoint)
    {
        Assert.Empty(Errors(new AwsKmsKeyManagerOptions { Region = "eu-west-1", Endpoint = endpoint }));
    }

    [Theory]
    [InlineData("identity-issuer/", "must start with 'alias/'")]
    [InlineData("alias/", "must start with 'alias/'")]
    [InlineData("alias/with.dot/", "may only hold A-Z, a-z, 0-9, '/', '_' and '-'")]
    [InlineData("alias/aws/mine/", "is reserved")]
    public void Validate_WithBadAliasPrefix_NamesTheSettingAndTheRule(string prefix, string problem)
    {
        var error = Assert.Single(Errors(new AwsKmsKeyManagerOptions { Region = "eu-west-1", AliasPrefix = prefix }));

        Assert.StartsWith($"KeyManager:AwsKms:AliasPrefix '{prefix}' ", error, StringComparison.Ordinal);
        Assert.Contains(problem, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WithAliasPrefixLeavingNoRoomForALongKeyId_FailsNamingKmsLimit()
    {
        var prefix = "alias/" + new string('p', 123);

        var error = Assert.Single(Errors(new AwsKmsKeyManagerOptions { Region = "eu-west-1", AliasPrefix = prefix }));

        Assert.Contains("longer than 128 characters", error, StringComparison.Ordinal);
        Assert.Empty(Errors(new AwsKmsKeyManagerOptions { Region = "eu-west-1", AliasPrefix = prefix[..^1] }));
    }

    [Fact]
    public void Validate_WithNumbersOutOfRange_ReportsEveryProblemAtOnce()
    {
        var errors = Errors(new AwsKmsKeyManagerOptions { Region = "eu-west-1", MaxRetries = 11, TimeoutSeconds = 0, PendingDeletionDays = 6 });

        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("KeyManager:AwsKms:MaxRetries must be from 0 to 10", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("KeyManager:AwsKms:TimeoutSeconds must be from 1 to 300", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("KeyManager:AwsKms:PendingDeletionDays must be from 7 to 30", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_UnderAnotherSection_NamesSettingsUnderThatSection()
    {
        var errors = new List<string>();

        AwsKmsKeyManagerOptions.Validate(new AwsKmsKeyManagerOptions(), "Ca:Upstream:KeyManager", errors);

        Assert.StartsWith("Ca:Upstream:KeyManager:AwsKms:Region must be set", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void AddKeyManager_WithTypeAwsKms_RegistersTheAwsKmsManager()
    {
        using var services = Build(new()
        {
            ["KeyManager:Type"] = "aws-kms",
            ["KeyManager:AwsKms:Region"] = "eu-west-1",
            ["KeyManager:AwsKms:Endpoint"] = "http://127.0.0.1:1",
        });

        services.GetRequiredService<IStartupValidator>().Validate();
        var manager = Assert.IsType<AwsKmsKeyManager>(services.GetRequiredService<IKeyManager>());
        Assert.Equal("aws-kms", manager.Name);
    }

    [Fact]
    public void AddKeyManager_WithTypeAwsKmsButNoRegion_FailsAtStartNamingTheSetting()
    {
        using var services = Build(new() { ["KeyManager:Type"] = "aws-kms" });

        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(e.Failures, f => f.StartsWith("KeyManager:AwsKms:Region must be set", StringComparison.Ordinal));
    }

    private static List<string> Errors(AwsKmsKeyManagerOptions options)
    {
        var errors = new List<string>();
        AwsKmsKeyManagerOptions.Validate(options, "KeyManager", errors);
        return errors;
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection()
            .AddKeyManager(configuration, Path.Combine(Path.GetTempPath(), "unused-" + Guid.NewGuid().ToString("N")), _ => null)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }
}
