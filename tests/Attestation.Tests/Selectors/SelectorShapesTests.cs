using IdentityIssuer.Attestation.Selectors;

namespace IdentityIssuer.Attestation.Tests.Selectors;

public sealed class SelectorShapesTests
{
    [Theory]
    [InlineData("unix:uid:0")]
    [InlineData("unix:gid:1000")]
    [InlineData("unix:supplementary_gid:27")]
    [InlineData("unix:user:www-data")]
    [InlineData("unix:group:adm")]
    [InlineData("unix:supplementary_group:docker")]
    [InlineData("unix:path:/usr/bin/python3")]
    [InlineData("unix:sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("systemd:id:nginx.service")]
    [InlineData("docker:label:com.example.tier:frontend")]
    [InlineData("docker:image_id:registry.example/app@sha256:abc")]
    [InlineData("k8s:ns:payments")]
    [InlineData("k8s:sa:checkout")]
    [InlineData("k8s:pod-label:app:web")]
    [InlineData("k8s:pod-uid:0b5c2a1e-77aa-4c1e-9b34-1f0e2c3d4e5f")]
    [InlineData("k8s:container-image:nginx:1.27")]
    [InlineData("x509pop:subject:cn:node-1")]
    [InlineData("x509pop:ca:fingerprint:0123456789abcdef0123456789abcdef01234567")]
    [InlineData("join_token:anything")]
    public void Check_AcceptsEveryShapeAnAttestorProduces(string text)
    {
        Assert.Null(SelectorShapes.Check(Selector.Parse(text)));
    }

    [Theory]
    [InlineData("bogus:thing", "unknown selector type 'bogus'")]
    [InlineData("unix:uid:root", "does not fit type 'unix'")]
    [InlineData("unix:supplementary_group:", "does not fit type 'unix'")]
    [InlineData("unix:path:relative/path", "does not fit type 'unix'")]
    [InlineData("unix:sha256:ABC", "does not fit type 'unix'")]
    [InlineData("systemd:nginx", "does not fit type 'systemd'")]
    [InlineData("k8s:ns:Payments", "does not fit type 'k8s'")]
    [InlineData("docker:container_id:short", "does not fit type 'docker'")]
    public void Check_RefusesSelectorsNoAttestorCanProduce(string text, string problem)
    {
        var error = SelectorShapes.Check(Selector.Parse(text));

        Assert.NotNull(error);
        Assert.Contains(problem, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_UnknownType_ListsTheKnownTypes()
    {
        var error = SelectorShapes.Check(Selector.Parse("spiffe:x"));

        foreach (var type in SelectorShapes.KnownTypes)
        {
            Assert.Contains(type, error, StringComparison.Ordinal);
        }
    }
}
