using System.Runtime.Intrinsics;
using NetGen.CompilerServices;

namespace NetGen.Tests.Kernels;

/// <summary>
/// The helpers of the generated lane-parallel training code for tiny networks, against double precision. (The generated
/// code itself is checked against the reference network and finite differences by the generator's compile-and-run tests.)
/// </summary>
public class LaneKernelsTests
{
    [Fact]
    public void LogIsWithinAFewUlpsOverTheNormalRange()
    {
        var values = new List<float>();
        for (double e = -37; e <= 38; e += 0.013) values.Add((float)Math.Pow(10, e));
        for (float v = 1f; v <= 16f; v += 1f / 1024) values.Add(v); // log-sum-exp's range: a sum of exponentials with the max subtracted
        foreach (float v in values)
        {
            double expected = Math.Log(v);
            double actual = LaneKernels.Log(Vector128.Create(v))[0];
            Assert.True(Math.Abs(actual - expected) <= 3e-7 * Math.Max(Math.Abs(expected), 1), $"ln({v:G9}) = {actual:G9}, expected {expected:G9}");
        }
    }

    [Fact]
    public void LogOfOneIsZeroAndLanesAreIndependent()
    {
        var x = Vector128.Create(1f, 2f, 0.5f, 1e10f);
        var y = LaneKernels.Log(x);
        Assert.Equal(0f, y[0]);
        for (int k = 1; k < 4; k++)
            Assert.Equal(Math.Log(x[k]), y[k], 1e-6 * Math.Abs(Math.Log(x[k])));
    }

    [Fact]
    public void BinaryCrossEntropyMatchesTheDoubleFormulaForAnyLogit()
    {
        foreach (float y in new[] { 0f, 0.3f, 1f })
        {
            for (double zd = -120; zd <= 120; zd += 0.0371)
            {
                float z = (float)zd;
                double expectedLoss = Math.Max(z, 0.0) - (double)z * y + Math.Log(1 + Math.Exp(-Math.Abs((double)z)));
                double sigmoid = 1 / (1 + Math.Exp(-(double)z)), expectedGradient = sigmoid - y;
                var loss = LaneKernels.BinaryCrossEntropyWithLogits(Vector128.Create(z), Vector128.Create(y), out var dz);
                Assert.True(Math.Abs(loss[0] - expectedLoss) <= 1e-6 * Math.Max(expectedLoss, 1e-3) + 1e-12,
                    $"BCE(z = {z:G9}, y = {y}) = {loss[0]:G9}, expected {expectedLoss:G9}");
                // σ − y cancels when σ is close to y: the bound is relative to the larger of the two.
                Assert.True(Math.Abs(dz[0] - expectedGradient) <= 1e-6 * Math.Max(sigmoid, y) + 1e-30,
                    $"dBCE/dz(z = {z:G9}, y = {y}) = {dz[0]:G9}, expected {expectedGradient:G9}");
            }
        }
    }

    [Fact]
    public void ColumnGathersOneColumnOfTheGroupAndZeroFillsMissingSamples()
    {
        float[] data = Enumerable.Range(0, 3 * 6).Select(i => (float)i).ToArray(); // 6 samples × 3 columns
        Assert.Equal(Vector128.Create(4f, 7f, 10f, 13f), LaneKernels.Column(data, 3, 1, 4, 1));
        Assert.Equal(Vector128.Create(14f, 17f, 0f, 0f), LaneKernels.Column(data, 3, 4, 2, 2));
        Assert.Equal(Vector128.Create(15f, 0f, 0f, 0f), LaneKernels.Column(data, 3, 5, 1, 0));
        Assert.Equal(Vector128.Create(9f, 12f, 15f, 0f), LaneKernels.Column(data, 3, 3, 3, 0));
    }

    [Theory]
    [InlineData(4, 4, 0)] // samples 4-7 of 6
    [InlineData(5, 2, 0)]
    [InlineData(0, 0, 0)] // an empty group
    [InlineData(0, 5, 0)] // more than four lanes
    [InlineData(0, 1, 3)] // a column past the width
    [InlineData(-1, 1, 0)]
    public void ColumnRejectsAGroupOutsideTheData(int sample, int valid, int column)
    {
        float[] data = new float[3 * 6];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => LaneKernels.Column(data, 3, sample, valid, column));
        Assert.Contains("reach outside data of 18 values", e.Message);
    }

    [Fact]
    public void StoreSumsWritesEachAccumulatorsLaneSumInOrderAndNothingElse()
    {
        // Accumulator k holds lanes 100k + 1, 100k + 2, 100k + 4, 100k + 8: its lane sum is 400k + 15, exact in float.
        var acc = Enumerable.Range(0, 8).Select(k => Vector128.Create(100f * k + 1, 100f * k + 2, 100f * k + 4, 100f * k + 8)).ToArray();
        float[] four = Enumerable.Repeat(-1f, 7).ToArray(), eight = Enumerable.Repeat(-1f, 11).ToArray();
        LaneKernels.StoreSums(four, 2, acc[0], acc[1], acc[2], acc[3]);
        LaneKernels.StoreSums(eight, 2, acc[0], acc[1], acc[2], acc[3], acc[4], acc[5], acc[6], acc[7]);
        Assert.Equal([-1f, -1f, 15f, 415f, 815f, 1215f, -1f], four);
        Assert.Equal([-1f, -1f, 15f, 415f, 815f, 1215f, 1615f, 2015f, 2415f, 2815f, -1f], eight);
        // The four- and eight-accumulator forms add the lanes in the same order, so they give the same bits.
        var r = new Random(5);
        Vector128<float> Noise() => Vector128.Create((float)r.NextDouble() - 0.5f, (float)r.NextDouble() * 1e-4f, (float)r.NextDouble() * 1e4f, -(float)r.NextDouble());
        var noisy = Enumerable.Range(0, 8).Select(_ => Noise()).ToArray();
        float[] twice = new float[8], once = new float[8];
        LaneKernels.StoreSums(twice, 0, noisy[0], noisy[1], noisy[2], noisy[3]);
        LaneKernels.StoreSums(twice, 4, noisy[4], noisy[5], noisy[6], noisy[7]);
        LaneKernels.StoreSums(once, 0, noisy[0], noisy[1], noisy[2], noisy[3], noisy[4], noisy[5], noisy[6], noisy[7]);
        Assert.Equal(twice, once);
    }

    [Fact]
    public void StoreSumsRejectsADestinationTooShort()
    {
        var v = Vector128<float>.One;
        Assert.Throws<ArgumentOutOfRangeException>(() => LaneKernels.StoreSums(new float[10], 3, v, v, v, v, v, v, v, v));
        Assert.Throws<ArgumentOutOfRangeException>(() => LaneKernels.StoreSums(new float[6], 3, v, v, v, v));
    }

    [Fact]
    public void MaskKeepsTheValidLanes()
    {
        Assert.Equal(Vector128.Create(1f, 0f, 0f, 0f), LaneKernels.Mask(1));
        Assert.Equal(Vector128.Create(1f, 1f, 1f, 0f), LaneKernels.Mask(3));
        Assert.Equal(Vector128<float>.One, LaneKernels.Mask(4));
    }

    [Fact]
    public void TanhIsWithinAFewUlpsAndTheSameScalarAndVector()
    {
        for (double xd = -12; xd <= 12; xd += 1e-3)
        {
            float x = (float)xd;
            double expected = Math.Tanh(x);
            float vector = ActivationKernels.Tanh(Vector128.Create(x))[0];
            Assert.True(Math.Abs(vector - expected) <= 4e-7 * Math.Abs(expected) + 1e-38, $"tanh({x:G9}) = {vector:G9}, expected {expected:G9}");
            Assert.Equal(vector, ActivationKernels.Tanh(x));
        }
        Assert.True(float.IsNaN(ActivationKernels.Tanh(float.NaN)));
        Assert.True(float.IsNaN(ActivationKernels.Tanh(Vector128.Create(float.NaN))[2]));
        Assert.Equal(1f, ActivationKernels.Tanh(float.PositiveInfinity), 1e-6f);
        Assert.Equal(-1f, ActivationKernels.Tanh(float.NegativeInfinity), 1e-6f);
    }
}
