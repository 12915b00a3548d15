using System.Runtime.Intrinsics.X86;
using NetGen.Quantization;
using NetGen.Reference;

namespace NetGen.Tests.Quantization;

/// <summary>
/// The AVX-512 requantization of ReLU and Identity layers against the documented rule,
/// <c>clamp(zeroPoint + round(a · m · 2^-shift), 0, 127)</c> with the multiplier of a's sign, over the whole range of
/// accumulators, multipliers and shifts (on a CPU without AVX-512BW there is nothing to run; KernelChecks covers every
/// path through whole networks).
/// </summary>
public class LinearRequantizer512Tests
{
    [Theory]
    [InlineData(Activation.ReLU, 0)]
    [InlineData(Activation.ReLU, 9)]
    [InlineData(Activation.Identity, 0)]
    [InlineData(Activation.Identity, 63)]
    [InlineData(Activation.Identity, 127)]
    public void GivesTheCodesOfTheFixedPointRule(Activation activation, int zeroPoint)
    {
        const int Channels = 37, Padded = 48;
        var random = new Random(zeroPoint * 7 + (int)activation);
        var positive = new FixedPointMultiplier[Channels];
        for (int j = 0; j < Channels; j++)
        {
            positive[j] = j switch
            {
                0 => new FixedPointMultiplier(int.MaxValue, 1),
                1 => new FixedPointMultiplier(int.MaxValue, FixedPointMultiplier.MaxShift),
                2 => new FixedPointMultiplier(-int.MaxValue, 31),
                3 => new FixedPointMultiplier(0, 1),
                4 => new FixedPointMultiplier(1, 1),
                _ => FixedPointMultiplier.From((random.Next(2) == 0 && activation == Activation.Identity ? -1 : 1) * Math.Pow(10, random.NextDouble() * 16 - 13)),
            };
        }
        var negative = activation == Activation.ReLU ? Enumerable.Repeat(new FixedPointMultiplier(0, 1), Channels).ToArray() : positive;
        QuantizedLayer layer = Layer(activation, zeroPoint, positive, negative);
        int[] offsets = new int[Padded];
        for (int j = 0; j < Channels; j++) offsets[j] = random.Next(int.MinValue, int.MaxValue);

        LinearRequantizer512? requantizer = LinearRequantizer512.TryCreate(layer, offsets);
        if (!Avx512BW.IsSupported || !System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
        {
            Assert.Null(requantizer);
            return;
        }
        Assert.NotNull(requantizer);
        int[] special = [int.MinValue, int.MinValue + 1, -1, 0, 1, int.MaxValue - 1, int.MaxValue];
        var sums = new int[Padded];
        var codes = new byte[Padded];
        for (int trial = 0; trial < 300; trial++)
        {
            for (int j = 0; j < Padded; j++)
            {
                // Accumulators (sum + offset, wrapping as in int32) at the extremes, near 0, and anywhere.
                int a = trial % 3 == 0 ? special[random.Next(special.Length)] : trial % 3 == 1 ? random.Next(-5000, 5001) : random.Next(int.MinValue, int.MaxValue);
                sums[j] = unchecked(a - offsets[j]);
            }
            requantizer.Requantize(sums, codes);
            for (int j = 0; j < Channels; j++)
            {
                int a = unchecked(sums[j] + offsets[j]);
                FixedPointMultiplier m = a >= 0 ? positive[j] : negative[j];
                int expected = (int)Math.Clamp(zeroPoint + IntegerReference.Scale(a, m), 0, 127);
                Assert.True(expected == codes[j], $"channel {j}, a = {a}, multiplier {m}: code {codes[j]}, the rule gives {expected}");
            }
        }
    }

    [Fact]
    public void LeakyReLUAndMaxoutTakeTheGeneralPath()
    {
        var positive = Enumerable.Repeat(FixedPointMultiplier.From(0.01), 16).ToArray();
        var leaky = positive.Select(m => FixedPointMultiplier.From(m.Value * 0.1)).ToArray();
        Assert.Null(LinearRequantizer512.TryCreate(Layer(Activation.LeakyReLU, 0, positive, leaky), new int[16]));
        Assert.Throws<ArgumentException>(() => LinearRequantizer512.TryCreate(Layer(Activation.ReLU, 0, positive, positive), new int[15]));
    }

    private static QuantizedLayer Layer(Activation activation, int zeroPoint, FixedPointMultiplier[] positive, FixedPointMultiplier[] negative)
    {
        int channels = positive.Length;
        return new QuantizedLayer(ReferenceLayerKind.Dense, activation, activation == Activation.LeakyReLU ? 0.1f : 0f, channels, 1, 4,
            inputScale: 0.1f, inputZeroPoint: 0, Requantization.Linear, outputScale: 0.2f, outputZeroPoint: zeroPoint,
            tableScale: 0, tableZeroPoint: 0, table: [], weights: new sbyte[channels * 4], weightScales: Enumerable.Repeat(1f, channels).ToArray(),
            biases: new int[channels], positive, negative);
    }
}
