using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.CompilerServices;

public static partial class Conv2DKernels
{
    /// <summary>
    /// pooled[b] = pool(act(conv(x[b]) + bias)) for samples [<paramref name="start"/>, <paramref name="end"/>): a Conv2D
    /// layer and the MaxPool2D or AvgPool2D layer after it in one pass for inference, with the bits of
    /// <see cref="Forward{TShape, TAct}"/> followed by <see cref="PoolKernels"/>' forward. With the filters in the lanes the
    /// windows are taken from the position-major products, a vector of filters at a time, and only the pooled outputs are
    /// transposed; by the other methods each sample's convolution goes through a scratch plane and is pooled from there.
    /// </summary>
    internal static void ForwardPooled<TShape, TPool, TWindow, TAct>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> input,
        Span<float> pooled, int batch, int start, int end, Span<float> scratch, TAct activation)
        where TShape : IConv2DShape where TPool : IPool2DShape where TWindow : struct, IPoolWindow where TAct : struct, IUnaryOperator =>
        ForwardPooledWith<TShape, TPool, TWindow, TAct>(weights, bias, input, pooled, batch, start, end, scratch, activation,
            ForwardMethod<TShape>(end - start, PoolKernels.OutputSize<TPool>() / TPool.Channels));

    /// <summary><see cref="ForwardPooled{TShape, TPool, TWindow, TAct}"/> by the given method (the tests run every one).</summary>
    internal static void ForwardPooledWith<TShape, TPool, TWindow, TAct>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> input,
        Span<float> pooled, int batch, int start, int end, Span<float> scratch, TAct activation, ConvMethod method)
        where TShape : IConv2DShape where TPool : IPool2DShape where TWindow : struct, IPoolWindow where TAct : struct, IUnaryOperator
    {
        CheckShape<TShape>();
        int inSize = ConvSizes<TShape>.InputSize, outSize = ConvSizes<TShape>.OutputSize, pooledSize = PoolKernels.OutputSize<TPool>();
        Check(TPool.Channels == ConvSizes<TShape>.F && TPool.Height == ConvSizes<TShape>.OutputHeight && TPool.Width == ConvSizes<TShape>.OutputWidth
              && TPool.Size >= 1 && TPool.Stride >= 1 && TPool.Size <= TPool.Height && TPool.Size <= TPool.Width
              && weights.Length == ConvSizes<TShape>.WeightCount && bias.Length == ConvSizes<TShape>.F && IsRange(batch, start, end)
              && input.Length >= (long)batch * inSize && pooled.Length >= (long)batch * pooledSize && scratch.Length >= PooledScratchLength<TShape, TPool>()
              && (method != ConvMethod.Direct || ConvSizes<TShape>.S == 1));
        if (method == ConvMethod.FilterLanes)
        {
            FilterLanesForward<TShape, TAct, Pooled<TShape, TPool, TWindow>>(weights, bias, input, pooled, start, end, scratch, activation);
            return;
        }
        Span<float> plane = scratch.Slice(0, outSize);
        Span<float> rest = scratch.Slice(outSize);
        for (int b = start; b < end; b++)
        {
            ForwardWith<TShape, TAct>(weights, bias, input.Slice(b * inSize, inSize), plane, 1, 0, 1, rest, activation, method);
            Span<float> sample = pooled.Slice(b * pooledSize, pooledSize);
            if (typeof(TWindow) == typeof(MaxWindow)) PoolKernels.MaxForward<TPool>(plane, sample, default, 1, 0, 1);
            else PoolKernels.AverageForward<TPool>(plane, sample, 1, 0, 1);
        }
    }

    /// <summary>Floats of scratch space one call of <see cref="ForwardPooled{TShape, TPool, TWindow, TAct}"/> needs.</summary>
    internal static int PooledScratchLength<TShape, TPool>() where TShape : IConv2DShape where TPool : IPool2DShape =>
        Math.Max(ForwardScratch<TShape>(ConvMethod.FilterLanes) + PoolKernels.OutputSize<TPool>() / Math.Max(1, TPool.Channels) * FilterLanesPitch<TShape>(),
            ConvSizes<TShape>.OutputSize + Math.Max(ForwardScratch<TShape>(ConvMethod.Direct), ForwardScratch<TShape>(ConvMethod.Packed)));

    /// <summary>The filters rounded up to the widest vector: a pitch that covers every width's.</summary>
    private static int FilterLanesPitch<TShape>() where TShape : IConv2DShape => (ConvSizes<TShape>.F + 15) / 16 * 16;

    /// <summary>
    /// The forward product with the filters in the lanes (<see cref="ConvFilterLanes{TShape, TS, TV}"/>) at the width
    /// <see cref="LanesFor"/> picks for the filters: the weights are transposed once per call, then each sample is padded,
    /// multiplied into outᵀ [positions × filters] and handed to <typeparamref name="TFinish"/>.
    /// </summary>
    private static void FilterLanesForward<TShape, TAct, TFinish>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> input,
        Span<float> output, int start, int end, Span<float> scratch, TAct activation)
        where TShape : IConv2DShape where TAct : struct, IUnaryOperator where TFinish : IFilterLanesFinish
    {
        switch (LanesFor(ConvSizes<TShape>.F))
        {
            case 16: FilterLanesForward<TShape, TAct, TFinish, Simd512, Vector512<float>>(weights, bias, input, output, start, end, scratch, activation); break;
            case 8: FilterLanesForward<TShape, TAct, TFinish, Simd256, Vector256<float>>(weights, bias, input, output, start, end, scratch, activation); break;
            case 4: FilterLanesForward<TShape, TAct, TFinish, Simd128, Vector128<float>>(weights, bias, input, output, start, end, scratch, activation); break;
            default: FilterLanesForward<TShape, TAct, TFinish, SimdScalar, float>(weights, bias, input, output, start, end, scratch, activation); break;
        }
    }

    private static void FilterLanesForward<TShape, TAct, TFinish, TS, TV>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> input,
        Span<float> output, int start, int end, Span<float> scratch, TAct activation)
        where TShape : IConv2DShape where TAct : struct, IUnaryOperator where TFinish : IFilterLanesFinish where TS : ISimdWidth<TV> where TV : struct
    {
        int inSize = ConvSizes<TShape>.InputSize, outSize = TFinish.OutputSize, f = ConvSizes<TShape>.F;
        int patch = ConvSizes<TShape>.Patch, positions = ConvSizes<TShape>.Positions, pitch = ConvFilterLanes<TShape, TS, TV>.FilterPitch;
        int padded = ConvSizes<TShape>.C * ConvSizes<TShape>.PaddedHeight * ConvSizes<TShape>.PaddedWidth;
        Span<float> xPad = scratch.Slice(0, padded), wT = scratch.Slice(padded, patch * pitch);
        Span<float> biasT = scratch.Slice(padded + patch * pitch, pitch), outT = scratch.Slice(padded + (patch + 1) * pitch, positions * pitch);
        Span<float> spare = scratch.Slice(padded + (patch + 1 + positions) * pitch);
        xPad.Clear(); // the borders stay zero; each sample overwrites the interior
        wT.Clear(); // the lanes past the last filter stay zero
        biasT.Clear();
        Transpose.Copy(ref MemoryMarshal.GetReference(weights), f, patch, ref MemoryMarshal.GetReference(wT), pitch);
        bias.CopyTo(biasT);
        ref float xp = ref MemoryMarshal.GetReference(xPad);
        ref float ot = ref MemoryMarshal.GetReference(outT);
        for (int b = start; b < end; b++)
        {
            Pad(input.Slice(b * inSize, inSize), ref xp, ConvSizes<TShape>.C, ConvSizes<TShape>.H, ConvSizes<TShape>.W, ConvSizes<TShape>.P);
            ConvFilterLanes<TShape, TS, TV>.Run(ref xp, ref MemoryMarshal.GetReference(wT), ref MemoryMarshal.GetReference(biasT), ref ot, activation);
            TFinish.Finish<TS, TV>(ref ot, pitch, output.Slice(b * outSize, outSize), spare);
        }
    }

    /// <summary>What becomes of one sample's outᵀ [positions × pitch] in <see cref="FilterLanesForward{TShape, TAct, TFinish}"/>.</summary>
    private interface IFilterLanesFinish
    {
        /// <summary>Floats each sample writes.</summary>
        static abstract int OutputSize { get; }

        /// <summary>Writes the sample's outputs from <paramref name="outT"/>; <paramref name="spare"/> is scratch.</summary>
        static abstract void Finish<TS, TV>(ref float outT, int pitch, Span<float> output, Span<float> spare) where TS : ISimdWidth<TV> where TV : struct;
    }

    /// <summary>The convolution's outputs as they are: outᵀ transposed into NCHW.</summary>
    private readonly struct Unpooled<TShape> : IFilterLanesFinish where TShape : IConv2DShape
    {
        public static int OutputSize => ConvSizes<TShape>.OutputSize;

        public static void Finish<TS, TV>(ref float outT, int pitch, Span<float> output, Span<float> spare) where TS : ISimdWidth<TV> where TV : struct =>
            Transpose.Copy(ref outT, ConvSizes<TShape>.Positions, ConvSizes<TShape>.F, pitch, ref MemoryMarshal.GetReference(output), ConvSizes<TShape>.Positions);
    }

    /// <summary>
    /// The pooled outputs: each window of <typeparamref name="TPool"/> folded over outᵀ's rows, a vector of filters at a
    /// time and element by element in <see cref="PoolKernels"/>' order, into the spare [pooled positions × pitch], which is
    /// transposed into NCHW.
    /// </summary>
    private readonly struct Pooled<TShape, TPool, TWindow> : IFilterLanesFinish
        where TShape : IConv2DShape where TPool : IPool2DShape where TWindow : struct, IPoolWindow
    {
        public static int OutputSize => PoolKernels.OutputSize<TPool>();

        public static void Finish<TS, TV>(ref float outT, int pitch, Span<float> output, Span<float> spare) where TS : ISimdWidth<TV> where TV : struct
        {
            int ow = ConvSizes<TShape>.OutputWidth, k = TPool.Size, s = TPool.Stride;
            int ph = (TPool.Height - k) / s + 1, pw = (TPool.Width - k) / s + 1, lanes = TS.Count;
            ref float pooledT = ref MemoryMarshal.GetReference(spare);
            nuint rowStep = (nuint)(ow * pitch), columnStep = (nuint)pitch;
            for (int py = 0; py < ph; py++)
                for (int px = 0; px < pw; px++)
                {
                    ref float window = ref Unsafe.Add(ref outT, (nint)(py * s * ow + px * s) * pitch);
                    nuint at = (nuint)((py * pw + px) * pitch);
                    for (int v = 0; v < pitch; v += lanes)
                        TS.Store(PoolKernels.Fold<TS, TV, TWindow>(ref Unsafe.Add(ref window, v), rowStep, columnStep, k), ref pooledT, at + (nuint)v);
                }
            Transpose.Copy(ref pooledT, ph * pw, ConvSizes<TShape>.F, pitch, ref MemoryMarshal.GetReference(output), ph * pw);
        }
    }
}
