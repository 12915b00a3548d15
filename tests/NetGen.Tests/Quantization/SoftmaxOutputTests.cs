using NetGen.Quantization;

namespace NetGen.Tests.Quantization;

/// <summary>
/// The quantized network's float softmax on its own: the integer reference's rule bit for bit, a double-precision
/// softmax within a few ulps, the edge inputs, and no allocation. (KernelChecks runs the bit-for-bit comparison on
/// every instruction-set path.)
/// </summary>
public class SoftmaxOutputTests
{
    /// <summary>The largest difference from the double-precision softmax, in units in the last place of the float result.</summary>
    private const int UlpTolerance = 4;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(10)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(37)]
    [InlineData(100)]
    public void MatchesTheReferenceBitForBitAndDoublePrecisionWithinAFewUlps(int units)
    {
        var random = new Random(units);
        for (int trial = 0; trial < 200; trial++)
        {
            // Spreads from a fraction of a unit to a few hundred: from near-uniform outputs to ones below the float range.
            float spread = (float)Math.Pow(10, random.NextDouble() * 4 - 1.5);
            float[] scales = Enumerable.Range(0, units).Select(_ => spread * (float)(0.5 + random.NextDouble()) / 10_000).ToArray();
            int[] sums = Enumerable.Range(0, units).Select(_ => random.Next(-10_000, 10_001)).ToArray();
            float[] actual = Run(scales, sums);

            float[] z = sums.Select((a, j) => (float)a * scales[j]).ToArray();
            Assert.Equal(IntegerReference.Softmax(z), actual);
            double max = z.Max();
            double total = z.Sum(v => Math.Exp(v - max));
            for (int j = 0; j < units; j++)
            {
                double expected = Math.Exp(z[j] - max) / total;
                if (expected < Math.ScaleB(1.0, -126))
                {
                    // Below the normal floats the rule may give 0 (exp under 2^-126) or a subnormal.
                    Assert.InRange(actual[j], 0f, (float)Math.ScaleB(1.0, -126));
                    continue;
                }
                int ulps = Ulps(actual[j], expected);
                Assert.True(ulps <= UlpTolerance, $"{units} units, trial {trial}, output {j}: {actual[j]:R} against {expected:R} ({ulps} ulps)");
            }
        }
    }

    [Fact]
    public void EqualInputsShareTheOutputEvenly()
    {
        foreach (int units in new[] { 1, 3, 10, 16, 33 })
        {
            float[] actual = Run(Enumerable.Repeat(0.25f, units).ToArray(), Enumerable.Repeat(-77, units).ToArray());
            Assert.All(actual, v => Assert.Equal((float)(1.0 / units), v));
        }
    }

    [Fact]
    public void HugePreActivationsAreLimitedToTheFloatRangeAndGiveNoNaN()
    {
        // Scale 1e38 turns every sum beyond ±3 into ±∞ before the limit: the two largest share the output, the rest get 0.
        float[] actual = Run([1e38f, 1e38f, 1e38f, 1e38f, 1e38f], [1_000_000, -1_000_000, 1_000_000, 2, int.MinValue]);
        Assert.Equal([0.5f, 0f, 0.5f, 0f, 0f], actual);

        // The largest scale there is with the largest accumulators: still finite.
        actual = Run([float.MaxValue, float.MaxValue, 1e-30f], [int.MaxValue, int.MinValue, 5]);
        Assert.Equal([1f, 0f, 0f], actual);
    }

    [Fact]
    public void OutputsFarBelowTheMaximumAreZero()
    {
        // −∞-like inputs (−float.MaxValue), one just under the float range's exp limit, and one far below it.
        float[] actual = Run([1f, float.MaxValue, 1f, 1f], [0, int.MinValue, -88, -1_000]);
        Assert.Equal([1f, 0f, 0f, 0f], actual);
        actual = Run([1f, 1f], [0, -87]);
        Assert.Equal((float)(1 / (1 + Math.Exp(-87))), actual[0]);
        Assert.True(actual[1] > 0 && Ulps(actual[1], Math.Exp(-87) / (1 + Math.Exp(-87))) <= UlpTolerance, $"{actual[1]:R}");
    }

    [Fact]
    public void ExpIsExactWhereItMustBe()
    {
        Assert.Equal(1f, SoftmaxOutput.Exp(0f, 0f));
        Assert.Equal(1f, SoftmaxOutput.Exp(-0f, 0f));
        Assert.Equal(0f, SoftmaxOutput.Exp(float.NegativeInfinity, 0f));
        Assert.Equal(0f, SoftmaxOutput.Exp(-87.5f, 0f));
        for (float x = -87.3f; x <= 0; x += 0.173f)
            Assert.True(Ulps(SoftmaxOutput.Exp(x, 0f), Math.Exp(x)) <= 2, $"Exp({x:R}) = {SoftmaxOutput.Exp(x, 0f):R}, not {Math.Exp(x):R}");
        Assert.Equal(IntegerReference.Exp(-42.42f, 1e-7f), SoftmaxOutput.Exp(-42.42f, 1e-7f));
    }

    [Fact]
    public void ApplyAllocatesNothing()
    {
        var softmax = new SoftmaxOutput(Enumerable.Repeat(0.01f, 37).ToArray());
        int[] sums = new int[48];
        float[] output = new float[37];
        softmax.Apply(sums, output);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) softmax.Apply(sums, output);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static float[] Run(float[] scales, int[] sums)
    {
        var softmax = new SoftmaxOutput(scales);
        int[] padded = new int[(sums.Length + 15) / 16 * 16];
        sums.CopyTo(padded, 0);
        float[] output = new float[sums.Length];
        softmax.Apply(padded, output);
        return output;
    }

    /// <summary>How many floats lie between <paramref name="actual"/> and the float nearest <paramref name="expected"/>.</summary>
    private static int Ulps(float actual, double expected) =>
        Math.Abs(BitConverter.SingleToInt32Bits(actual) - BitConverter.SingleToInt32Bits((float)expected));
}
