using NetGen.CompilerServices;

namespace NetGen.Tests.Kernels;

/// <summary>
/// The batched loss kernels against a double-precision evaluation of the same formulas. (Generated networks are also
/// checked end to end against the reference network and finite differences by the generator's compile-and-run tests.)
/// </summary>
public class LossKernelsTests
{
    [Theory]
    [InlineData(1, 1, 0.5)]
    [InlineData(10, 64, 3.0)]
    [InlineData(3, 7, 40.0)] // logits up to ±40: exp(z) alone would lose the small classes, the max shift keeps them
    [InlineData(17, 5, 90.0)] // beyond exp's float range (88.7) without the shift
    [InlineData(16, 33, 0.001)]
    public void CrossEntropyMatchesDoublePrecision(int width, int rows, double spread)
    {
        var random = new Random(width * 1000 + rows);
        int n = width * rows;
        var z = new float[n];
        var y = new float[n];
        for (int i = 0; i < n; i++) z[i] = (float)((random.NextDouble() * 2 - 1) * spread);
        for (int r = 0; r < rows; r++)
        {
            if (r % 3 == 2) // a soft target distribution (label smoothing, mixup) on every third row
                for (int k = 0; k < width; k++) y[r * width + k] = (float)random.NextDouble() / width;
            else
                y[r * width + random.Next(width)] = 1f;
        }
        var g = new float[n];

        float loss = LossKernels.CrossEntropyWithLogits(z, y, g, width);

        var (expectedLoss, expectedGradient) = LossReference.CrossEntropy(z, y, width);
        for (int i = 0; i < n; i++)
            Assert.True(Math.Abs(g[i] - expectedGradient[i]) <= 1e-6 / rows + 2e-6 * Math.Abs(expectedGradient[i]),
                $"row {i / width}, class {i % width}: gradient {g[i]:G9}, expected {expectedGradient[i]:G9}");
        Assert.True(Math.Abs(loss - expectedLoss) <= 2e-6 * Math.Max(1, Math.Abs(expectedLoss)), $"loss {loss:G9}, expected {expectedLoss:G9}");
    }

    [Fact]
    public void CrossEntropyOfEqualLogitsIsLogOfTheClassCount()
    {
        var z = new float[20];
        var y = new float[20];
        y[3] = 1;
        y[17] = 1;
        var g = new float[20];
        float loss = LossKernels.CrossEntropyWithLogits(z, y, g, 10);
        Assert.Equal(Math.Log(10), loss, 6);
        Assert.Equal((0.1 - 1) / 2, g[3], 6);
        Assert.Equal(0.1 / 2, g[4], 6);
    }

    [Fact]
    public void CrossEntropyPropagatesNaN()
    {
        var z = new float[] { 0, float.NaN, 1, 2, 3, 4 };
        var y = new float[] { 1, 0, 0, 0, 1, 0 };
        var g = new float[6];
        float loss = LossKernels.CrossEntropyWithLogits(z, y, g, 3);
        Assert.True(float.IsNaN(loss));
        Assert.True(float.IsNaN(g[0]) && float.IsNaN(g[2]));
        Assert.False(float.IsNaN(g[3]) || float.IsNaN(g[5])); // the other row is unaffected
    }

    [Fact]
    public void CrossEntropyRejectsAGradientOverlappingTheLogitsAndPartialRows()
    {
        var buffer = new float[20];
        var y = new float[10];
        var e = Assert.Throws<ArgumentException>(() => LossKernels.CrossEntropyWithLogits(buffer.AsSpan(0, 10), y, buffer.AsSpan(5, 10), 10));
        Assert.Equal("gradient", e.ParamName);
        Assert.Contains("separate from the logits", e.Message);

        e = Assert.Throws<ArgumentException>(() => LossKernels.CrossEntropyWithLogits(new float[10], y, new float[10], 4));
        Assert.Equal("width", e.ParamName);
        Assert.Contains("10 logits", e.Message);
        Assert.Contains("rows of 4 classes", e.Message);
    }
}
