using NetGen.Data;
using NetGen.Samples;

// Not NetGen.Tests.Mnist: a namespace of that name would hide NetGen.Data.Mnist from every NetGen.Tests.* file.
namespace NetGen.Tests.MnistSample;

/// <summary>The sample's pixel normalization (samples/Mnist/PixelNormalization.cs, compiled into this project).</summary>
public class PixelNormalizationTests
{
    [Fact]
    public void FitMeasuresTheMeanAndStandardDeviationOfAllPixels()
    {
        var data = new Dataset([0f, 0f, 1f, 1f, 0f, 1f, 0f, 1f], new float[2 * 10], 4, 10);
        PixelNormalization n = PixelNormalization.Fit(data);
        Assert.Equal(0.5f, n.Mean);
        Assert.Equal(0.5f, n.StandardDeviation);
        Assert.Equal([-1f, -1f, 1f, 1f, -1f, 1f, -1f, 1f], n.Apply(data).Features);
        Assert.Throws<InvalidDataException>(() => PixelNormalization.Fit(new Dataset(new float[8], new float[20], 4, 10)));
    }

    [Fact]
    public void FoldingIntoTheFirstLayerGivesTheSameOutputsOnRawPixels()
    {
        var rng = new Random(3);
        float[] raw = [.. Enumerable.Range(0, 16 * 784).Select(_ => rng.NextSingle() < 0.8f ? 0f : rng.NextSingle())];
        var data = new Dataset(raw, new float[16 * 10], 784, 10);
        PixelNormalization n = PixelNormalization.Fit(data);
        var network = new TestMnistNet(seed: 5);
        for (int j = 0; j < 128; j++) network.Parameters[100352 + j] = 0.01f * (j - 64); // non-zero first-layer biases

        var expected = new float[16 * 10];
        network.Forward(n.Apply(data).Features, expected, 16);
        n.FoldInto(network, firstLayerUnits: 128);
        var actual = new float[16 * 10];
        network.Forward(raw, actual, 16);

        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-4f);
    }
}
