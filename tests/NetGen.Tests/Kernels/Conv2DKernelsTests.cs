using NetGen.CompilerServices;
using static NetGen.Tests.Kernels.KernelTestData;

namespace NetGen.Tests.Kernels;

// The two layers, and shapes that reach every edge: odd sizes, stride 2, padding beyond K − 1, 1×1 kernels, a
// kernel as large as the input (one output position), one channel and several, rows wider than two vectors, filters
// over several vectors with the last one part-filled.
internal readonly struct ConvMnist1 : IConv2DShape { public static int Channels => 1; public static int Height => 28; public static int Width => 28; public static int Filters => 16; public static int KernelSize => 5; public static int Stride => 1; public static int Padding => 2; }
internal readonly struct ConvMnist2 : IConv2DShape { public static int Channels => 16; public static int Height => 14; public static int Width => 14; public static int Filters => 32; public static int KernelSize => 5; public static int Stride => 1; public static int Padding => 2; }
internal readonly struct ConvOddStride2 : IConv2DShape { public static int Channels => 3; public static int Height => 7; public static int Width => 9; public static int Filters => 5; public static int KernelSize => 3; public static int Stride => 2; public static int Padding => 1; }
internal readonly struct ConvPointwise : IConv2DShape { public static int Channels => 3; public static int Height => 5; public static int Width => 6; public static int Filters => 4; public static int KernelSize => 1; public static int Stride => 1; public static int Padding => 0; }
internal readonly struct ConvWhole : IConv2DShape { public static int Channels => 2; public static int Height => 4; public static int Width => 4; public static int Filters => 3; public static int KernelSize => 4; public static int Stride => 1; public static int Padding => 0; }
internal readonly struct ConvOdd : IConv2DShape { public static int Channels => 3; public static int Height => 11; public static int Width => 13; public static int Filters => 7; public static int KernelSize => 3; public static int Stride => 1; public static int Padding => 1; }
internal readonly struct ConvWidePad : IConv2DShape { public static int Channels => 1; public static int Height => 6; public static int Width => 5; public static int Filters => 2; public static int KernelSize => 2; public static int Stride => 2; public static int Padding => 2; }
internal readonly struct ConvWide : IConv2DShape { public static int Channels => 2; public static int Height => 5; public static int Width => 37; public static int Filters => 9; public static int KernelSize => 3; public static int Stride => 1; public static int Padding => 0; }
internal readonly struct ConvManyFilters : IConv2DShape { public static int Channels => 2; public static int Height => 6; public static int Width => 6; public static int Filters => 40; public static int KernelSize => 3; public static int Stride => 1; public static int Padding => 1; }

/// <summary>
/// The convolution kernels against the double-precision definition (ConvReference) on every shape, by every method
/// (direct, packed, filters in lanes), which give the same bits; sample and filter ranges against the whole call, bit for bit; gradients against finite
/// differences; no allocation; and the errors for bad calls.
/// </summary>
public class Conv2DKernelsTests
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (string shape in new[] { "Mnist1", "Mnist2", "OddStride2", "Pointwise", "Whole", "Odd", "WidePad", "Wide", "ManyFilters" })
            foreach (int batch in new[] { 1, 5 })
                data.Add(shape, batch);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchTheDefinition(string shape, int batch)
    {
        switch (shape)
        {
            case "Mnist1": Check<ConvMnist1>(batch); break;
            case "Mnist2": Check<ConvMnist2>(batch); break;
            case "OddStride2": Check<ConvOddStride2>(batch); break;
            case "Pointwise": Check<ConvPointwise>(batch); break;
            case "Whole": Check<ConvWhole>(batch); break;
            case "Odd": Check<ConvOdd>(batch); break;
            case "WidePad": Check<ConvWidePad>(batch); break;
            case "ManyFilters": Check<ConvManyFilters>(batch); break;
            default: Check<ConvWide>(batch); break;
        }
    }

    internal static ConvGeometry Geometry<TShape>() where TShape : IConv2DShape =>
        new(TShape.Channels, TShape.Height, TShape.Width, TShape.Filters, TShape.KernelSize, TShape.Stride, TShape.Padding);

    internal static IEnumerable<ConvMethod> ForwardMethods<TShape>() where TShape : IConv2DShape =>
        TShape.Stride == 1 ? [ConvMethod.Direct, ConvMethod.Packed, ConvMethod.FilterLanes] : [ConvMethod.Packed, ConvMethod.FilterLanes];

    private static IEnumerable<ConvMethod> InputMethods<TShape>() where TShape : IConv2DShape =>
        TShape.Stride == 1 && TShape.Padding <= TShape.KernelSize - 1 ? [ConvMethod.Direct, ConvMethod.Packed, ConvMethod.FilterLanes] : [ConvMethod.Packed];

    private static void Check<TShape>(int batch) where TShape : IConv2DShape
    {
        var g = Geometry<TShape>();
        var random = new Random(g.InputSize + batch);
        float[] w = Values(random, g.WeightCount, 0.5f), bias = Values(random, g.Filters, 0.5f), x = Values(random, batch * g.InputSize, 1f);
        float[] dz = Values(random, batch * g.OutputSize, 1f);
        var scratch = new float[Conv2DKernels.ScratchLength<TShape>()];

        double[] expected = g.Forward(w, bias, x, batch), magnitude = g.ForwardMagnitude(w, bias, x, batch);
        float[]? first = null;
        foreach (ConvMethod method in ForwardMethods<TShape>())
        {
            var output = new float[batch * g.OutputSize];
            Conv2DKernels.ForwardWith<TShape, IdentityOperator>(w, bias, x, output, batch, 0, batch, scratch, default, method);
            ConvGeometry.AssertClose(expected, magnitude, output, $"{g} forward ({method}), batch {batch}");
            // Every method sums each output from its bias over (c, ky, kx) in order.
            if (first is null) first = output;
            else AssertBitEqual(first, output, $"{g} forward ({method}) against {ForwardMethods<TShape>().First()}");
            // With ReLU fused in: the same values, clamped.
            var relu = new float[batch * g.OutputSize];
            Conv2DKernels.ForwardWith<TShape, ReLUOperator>(w, bias, x, relu, batch, 0, batch, scratch, default, method);
            AssertBitEqual(output.Select(v => MathF.Max(v, 0f)).ToArray(), relu, $"{g} forward with ReLU ({method})");
        }

        var (dx, dxMagnitude) = g.InputGradients(w, dz, batch);
        float[] a = Values(random, batch * g.InputSize, 0.9f); // the layer below's tanh outputs
        float[]? direct = null;
        foreach (ConvMethod method in InputMethods<TShape>())
        {
            var actual = new float[batch * g.InputSize];
            Conv2DKernels.InputGradientsWith<TShape, IdentityGradient>(dz, w, actual, batch, 0, batch, actual, default, scratch, method);
            ConvGeometry.AssertClose(dx, dxMagnitude, actual, $"{g} input gradient ({method}), batch {batch}");
            // The filters in the lanes run the direct method's product (flipped weights over padded dz) in its order.
            if (method == ConvMethod.Direct) direct = actual.ToArray();
            if (method == ConvMethod.FilterLanes) AssertBitEqual(direct!, actual, $"{g} input gradient ({method}) against {ConvMethod.Direct}");
            var fused = new float[batch * g.InputSize];
            Conv2DKernels.InputGradientsWith<TShape, TanhGradient>(dz, w, fused, batch, 0, batch, a, default, scratch, method);
            ActivationKernels.TanhBackward(a, actual);
            AssertBitEqual(actual, fused, $"{g} input gradient with tanh′ ({method})");
        }

        var (dw, db, dwMagnitude) = g.WeightGradients(dz, x, batch);
        float[] weightGradients = new float[g.WeightCount], biasGradients = new float[g.Filters];
        weightGradients.AsSpan().Fill(float.NaN); // every element must be written
        Conv2DKernels.WeightGradients<TShape>(dz, x, weightGradients, biasGradients, batch, 0, g.Filters, scratch);
        ConvGeometry.AssertClose(dw, dwMagnitude, weightGradients, $"{g} weight gradient, batch {batch}");
        ConvGeometry.AssertClose(db, db.Select(v => Math.Abs(v) + batch * g.OutputSize).ToArray(), biasGradients, $"{g} bias gradient, batch {batch}");
    }

    [Fact]
    public void SampleAndFilterRangesGiveTheBitsOfTheWholeCall()
    {
        Ranges<ConvMnist2>();
        Ranges<ConvOddStride2>();
        Ranges<ConvOdd>();
        Ranges<ConvWide>();
        Ranges<ConvManyFilters>();
    }

    private static void Ranges<TShape>() where TShape : IConv2DShape
    {
        var g = Geometry<TShape>();
        const int batch = 5;
        var random = new Random(7);
        float[] w = Values(random, g.WeightCount, 0.5f), bias = Values(random, g.Filters, 0.5f), x = Values(random, batch * g.InputSize, 1f);
        float[] dz = Values(random, batch * g.OutputSize, 1f), a = Values(random, batch * g.InputSize, 0.9f);
        var scratch = new float[Conv2DKernels.ScratchLength<TShape>()];
        var other = new float[Conv2DKernels.ScratchLength<TShape>()];

        foreach (ConvMethod method in ForwardMethods<TShape>())
        {
            float[] whole = new float[batch * g.OutputSize], split = new float[batch * g.OutputSize];
            Conv2DKernels.ForwardWith<TShape, TanhOperator>(w, bias, x, whole, batch, 0, batch, scratch, default, method);
            Conv2DKernels.ForwardWith<TShape, TanhOperator>(w, bias, x, split, batch, 3, 5, other, default, method);
            Conv2DKernels.ForwardWith<TShape, TanhOperator>(w, bias, x, split, batch, 0, 1, scratch, default, method);
            Conv2DKernels.ForwardWith<TShape, TanhOperator>(w, bias, x, split, batch, 1, 3, other, default, method);
            AssertBitEqual(whole, split, $"{g} forward ({method}) by sample ranges");
        }
        foreach (ConvMethod method in InputMethods<TShape>())
        {
            float[] whole = new float[batch * g.InputSize], split = new float[batch * g.InputSize];
            Conv2DKernels.InputGradientsWith<TShape, TanhGradient>(dz, w, whole, batch, 0, batch, a, default, scratch, method);
            Conv2DKernels.InputGradientsWith<TShape, TanhGradient>(dz, w, split, batch, 2, 5, a, default, other, method);
            Conv2DKernels.InputGradientsWith<TShape, TanhGradient>(dz, w, split, batch, 0, 2, a, default, scratch, method);
            AssertBitEqual(whole, split, $"{g} input gradient ({method}) by sample ranges");
        }
        float[] dw = new float[g.WeightCount], db = new float[g.Filters];
        Conv2DKernels.WeightGradients<TShape>(dz, x, dw, db, batch, 0, g.Filters, scratch);
        // Every split point, in both orders of the two halves.
        for (int cut = 1; cut < g.Filters; cut++)
        {
            float[] sw = new float[g.WeightCount], sb = new float[g.Filters];
            Conv2DKernels.WeightGradients<TShape>(dz, x, sw, sb, batch, cut, g.Filters, other);
            Conv2DKernels.WeightGradients<TShape>(dz, x, sw, sb, batch, 0, cut, scratch);
            AssertBitEqual(dw, sw, $"{g} weight gradient split at filter {cut}");
            AssertBitEqual(db, sb, $"{g} bias gradient split at filter {cut}");
        }
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        // L = Σ r·conv(x, w) is linear in w, b and x, so central differences are exact but for rounding.
        var g = Geometry<ConvOddStride2>();
        const int batch = 2;
        var random = new Random(11);
        float[] w = Values(random, g.WeightCount, 0.5f), bias = Values(random, g.Filters, 0.5f), x = Values(random, batch * g.InputSize, 1f);
        float[] r = Values(random, batch * g.OutputSize, 1f);
        var scratch = new float[Conv2DKernels.ScratchLength<ConvOddStride2>()];
        var output = new float[batch * g.OutputSize];
        double Loss()
        {
            Conv2DKernels.Forward<ConvOddStride2>(w, bias, x, output, batch, 0, batch, scratch);
            double sum = 0;
            for (int i = 0; i < output.Length; i++) sum += (double)r[i] * output[i];
            return sum;
        }
        double Difference(float[] values, int i)
        {
            const float h = 0.25f;
            float saved = values[i];
            values[i] = saved + h;
            double up = Loss();
            values[i] = saved - h;
            double down = Loss();
            values[i] = saved;
            return (up - down) / (2 * h);
        }
        float[] dw = new float[g.WeightCount], db = new float[g.Filters], dx = new float[batch * g.InputSize];
        Conv2DKernels.WeightGradients<ConvOddStride2>(r, x, dw, db, batch, 0, g.Filters, scratch);
        Conv2DKernels.InputGradients<ConvOddStride2>(r, w, dx, batch, 0, batch, scratch);
        for (int i = 0; i < dw.Length; i++) Assert.True(Math.Abs(Difference(w, i) - dw[i]) < 1e-4, $"dW[{i}] = {dw[i]}, difference {Difference(w, i)}");
        for (int i = 0; i < db.Length; i++) Assert.True(Math.Abs(Difference(bias, i) - db[i]) < 1e-4, $"db[{i}] = {db[i]}, difference {Difference(bias, i)}");
        for (int i = 0; i < dx.Length; i++) Assert.True(Math.Abs(Difference(x, i) - dx[i]) < 1e-4, $"dx[{i}] = {dx[i]}, difference {Difference(x, i)}");
    }

    [Fact]
    public void AllocateNothing()
    {
        var g = Geometry<ConvMnist2>();
        const int batch = 3;
        float[] w = new float[g.WeightCount], bias = new float[g.Filters], x = new float[batch * g.InputSize], output = new float[batch * g.OutputSize];
        float[] dx = new float[batch * g.InputSize], dw = new float[g.WeightCount], db = new float[g.Filters];
        var scratch = new AlignedBuffer(Conv2DKernels.ScratchLength<ConvMnist2>());
        void Run()
        {
            Conv2DKernels.Forward<ConvMnist2, ReLUOperator>(w, bias, x, output, batch, 0, batch, scratch.Span, default);
            Conv2DKernels.InputGradients<ConvMnist2, LeakyReLUGradient>(output, w, dx, batch, 0, batch, x, new LeakyReLUGradient(0f), scratch.Span);
            Conv2DKernels.WeightGradients<ConvMnist2>(output, x, dw, db, batch, 0, g.Filters, scratch.Span);
            Conv2DKernels.ForwardWith<ConvOddStride2, IdentityOperator>(w.AsSpan(0, 135), bias.AsSpan(0, 5), x, output, 1, 0, 1, scratch.Span, default, ConvMethod.Packed);
        }
        Run();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void BadCallsAreRejected()
    {
        var g = Geometry<ConvOdd>();
        float[] w = new float[g.WeightCount], bias = new float[g.Filters], x = new float[2 * g.InputSize], output = new float[2 * g.OutputSize];
        var scratch = new float[Conv2DKernels.ScratchLength<ConvOdd>()];
        Assert.Contains("do not match", Assert.Throws<ArgumentException>(() => Conv2DKernels.Forward<ConvOdd>(w, bias, x, output, 2, 1, 3, scratch)).Message);
        Assert.Throws<ArgumentException>(() => Conv2DKernels.Forward<ConvOdd>(w, bias, x, output, 2, 0, 2, scratch.AsSpan(0, 10)));
        Assert.Throws<ArgumentException>(() => Conv2DKernels.Forward<ConvOdd>(w.AsSpan(1), bias, x, output, 2, 0, 2, scratch));
        Assert.Throws<ArgumentException>(() => Conv2DKernels.WeightGradients<ConvOdd>(output, x, w, bias, 2, 3, 2, scratch));
        Assert.Throws<ArgumentException>(() => Conv2DKernels.InputGradients<ConvOdd>(output, w, x.AsSpan(1), 2, 0, 2, scratch));
        var e = Assert.Throws<ArgumentException>(() => Conv2DKernels.ScratchLength<ConvTooLarge>());
        Assert.Contains("kernel must fit the padded input", e.Message);
    }

    private readonly struct ConvTooLarge : IConv2DShape { public static int Channels => 1; public static int Height => 3; public static int Width => 3; public static int Filters => 1; public static int KernelSize => 6; public static int Stride => 1; public static int Padding => 1; }
}
