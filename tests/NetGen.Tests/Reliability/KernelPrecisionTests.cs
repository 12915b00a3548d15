using NetGen.CompilerServices;

namespace NetGen.Tests.Reliability;

/// <summary>
/// Precision of the activation kernels where a formula cancels. Found by the generator property tests: a network with
/// an ELU layer gave different outputs for the same sample in a batch and alone.
/// </summary>
public class KernelPrecisionTests
{
    /// <summary>Small negative inputs, where α(eˣ − 1) subtracts two numbers close to 1.</summary>
    private static float[] SmallNegatives() => Enumerable.Range(1, 64).Select(k => -k * 1.5e-4f).ToArray();

    [Fact]
    public void ELUIsAccurateForSmallNegativeInputs()
    {
        float[] x = SmallNegatives();
        float[] y = (float[])x.Clone();
        ActivationKernels.ELU(y, 1f);
        for (int i = 0; i < x.Length; i++)
        {
            double expected = Math.Exp(x[i]) - 1; // exact enough in double: its cancellation costs ~10⁻¹² here
            Assert.True(Math.Abs(y[i] - expected) <= 1e-5 * Math.Abs(expected), $"ELU({x[i]:G9}) = {y[i]:G9}, expected {expected:G9}");
        }
    }

    [Fact]
    public void ELUGivesTheSameValueAloneAndInALongSpan()
    {
        float[] x = SmallNegatives();
        float[] together = (float[])x.Clone();
        ActivationKernels.ELU(together, 1f);
        for (int i = 0; i < x.Length; i++)
        {
            float[] alone = [x[i]];
            ActivationKernels.ELU(alone, 1f);
            Assert.True(Math.Abs(alone[0] - together[i]) <= 1e-6 * Math.Abs(together[i]), $"ELU({x[i]:G9}): {alone[0]:G9} alone, {together[i]:G9} in a span of {x.Length}");
        }
    }
}
