using NetGen.Training;

namespace NetGen.Tests.Training;

public class RegularizationTests
{
    [Fact]
    public void L1AddsLambdaTimesSignAndReturnsPenalty()
    {
        // 19 elements: a vector block plus a scalar tail on every machine.
        float[] p = [.. Enumerable.Range(0, 19).Select(i => (i % 3 - 1) * (i + 1) * 0.5f)];
        float[] g = [.. Enumerable.Range(0, 19).Select(i => i * 0.1f)];
        float[] expectedGradient = [.. g.Select((v, i) => v + 0.01f * MathF.Sign(p[i]))];
        float penalty = Regularization.L1(p, g, 0.01f);
        Assert.Equal(0.01f * p.Sum(MathF.Abs), penalty, 1e-6f);
        Assert.Equal(expectedGradient, g);
    }

    [Fact]
    public void L1RejectsBadArguments()
    {
        Assert.Throws<ArgumentException>("gradients", () => Regularization.L1(new float[3], new float[2], 0.1f));
        Assert.Throws<ArgumentOutOfRangeException>("lambda", () => Regularization.L1(new float[3], new float[3], -0.1f));
    }

    [Fact]
    public void ClipScalesToMaxNormAndReturnsPreClipNorm()
    {
        float[] g = [3f, 4f, 0f];
        float norm = Regularization.ClipGradNorm(g, 1f);
        Assert.Equal(5f, norm);
        float scale = 1f / (5f + 1e-6f);
        Assert.Equal([3f * scale, 4f * scale, 0f], g);
    }

    [Fact]
    public void ClipLeavesSmallGradientUnchanged()
    {
        float[] g = [0.3f, -0.4f];
        Assert.Equal(0.5f, Regularization.ClipGradNorm(g, 1f), 1e-6f);
        Assert.Equal([0.3f, -0.4f], g);
        Assert.Throws<ArgumentOutOfRangeException>("maxNorm", () => Regularization.ClipGradNorm(g, 0f));
    }
}
