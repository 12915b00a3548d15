using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.CompilerServices;

/// <summary>
/// The shape of one pooling layer, known at compile time (see <see cref="IConv2DShape"/>): samples of
/// <see cref="Channels"/> × <see cref="Height"/> × <see cref="Width"/>, windows of <see cref="Size"/> × Size taken every
/// <see cref="Stride"/> positions, no padding; output Channels × OutputHeight × OutputWidth with
/// OutputHeight = (Height − Size) / Stride + 1.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IPool2DShape
{
    /// <summary>Channels (C), unchanged by pooling.</summary>
    static abstract int Channels { get; }
    /// <summary>Input height.</summary>
    static abstract int Height { get; }
    /// <summary>Input width.</summary>
    static abstract int Width { get; }
    /// <summary>The side of the square window.</summary>
    static abstract int Size { get; }
    /// <summary>The step between windows, in both directions.</summary>
    static abstract int Stride { get; }
}

/// <summary>
/// Max and average pooling, forward and backward, over samples [start, end) of a batch (the spans hold the whole batch,
/// NCHW): every sample is computed alone, so a split of the samples over threads gives the bits of one call. The forward
/// kernels compute a vector of an output row's outputs at a time (see <see cref="LanesFor{TShape}"/>), each lane going
/// through the window in row-major order exactly as the one-lane path does; the backward kernels scatter each output's
/// gradient into its window.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class PoolKernels
{
    /// <summary>
    /// out[b, c, oy, ox] = max of the window; <paramref name="argmax"/> receives, per output, the index within the sample
    /// (c·H·W + iy·W + ix) of the first maximum in row-major window order, unless it is empty (inference, which needs no
    /// backward pass). NaN wins (it propagates, as in PyTorch).
    /// </summary>
    public static void MaxForward<TShape>(ReadOnlySpan<float> input, Span<float> output, Span<int> argmax, int batch, int start, int end)
        where TShape : IPool2DShape
    {
        Check<TShape>(input.Length, output.Length, batch, start, end);
        bool keep = !argmax.IsEmpty;
        Check(!keep || argmax.Length >= (long)batch * OutputSize<TShape>());
        if (keep && (long)TShape.Size * TShape.Width >= 1 << 24)
            throw new NotSupportedException($"Max pooling over rows of {TShape.Width} values keeps each maximum's offset in its window as a float, exact below 2^24; windows of {TShape.Size} rows of that width reach it.");
        switch (LanesFor<TShape>())
        {
            case 16: Windows<TShape, Simd512, Vector512<float>, MaxWindow>(input, output, argmax, start, end); break;
            case 8: Windows<TShape, Simd256, Vector256<float>, MaxWindow>(input, output, argmax, start, end); break;
            case 4: Windows<TShape, Simd128, Vector128<float>, MaxWindow>(input, output, argmax, start, end); break;
            default: Windows<TShape, SimdScalar, float, MaxWindow>(input, output, argmax, start, end); break;
        }
    }

    /// <summary>dx[b] = 0 except dx[b, argmax] += dout[b] for each output (overlapping windows add up, in output order).</summary>
    public static void MaxBackward<TShape>(ReadOnlySpan<float> outputGradient, ReadOnlySpan<int> argmax, Span<float> inputGradient, int batch, int start, int end)
        where TShape : IPool2DShape =>
        MaxBackward<TShape, IdentityGradient>(outputGradient, argmax, inputGradient, batch, start, end, inputGradient, default);

    /// <summary>
    /// <see cref="MaxBackward{TShape}"/> with the backward step g of the layer below's activation applied to each
    /// sample's gradient (<paramref name="activations"/> are that layer's outputs, laid out like the input gradient).
    /// </summary>
    public static void MaxBackward<TShape, TGrad>(ReadOnlySpan<float> outputGradient, ReadOnlySpan<int> argmax, Span<float> inputGradient,
        int batch, int start, int end, ReadOnlySpan<float> activations, TGrad derivative)
        where TShape : IPool2DShape where TGrad : struct, IGradientOperator
    {
        Check<TShape>(inputGradient.Length, outputGradient.Length, batch, start, end);
        int inSize = TShape.Channels * TShape.Height * TShape.Width, outSize = OutputSize<TShape>();
        Check(argmax.Length >= (long)batch * outSize && activations.Length >= (long)batch * inSize);
        for (int b = start; b < end; b++)
        {
            Span<float> dx = inputGradient.Slice(b * inSize, inSize);
            ref float d = ref MemoryMarshal.GetReference(dx);
            ref float dy = ref Unsafe.Add(ref MemoryMarshal.GetReference(outputGradient), (nint)b * outSize);
            ref int winners = ref Unsafe.Add(ref MemoryMarshal.GetReference(argmax), (nint)b * outSize);
            dx.Clear();
            for (int o = 0; o < outSize; o++)
            {
                int at = Unsafe.Add(ref winners, o);
                if ((uint)at >= (uint)inSize) ThrowArgmax(at);
                Unsafe.Add(ref d, at) += Unsafe.Add(ref dy, o);
            }
            if (typeof(TGrad) != typeof(IdentityGradient)) ActivationKernels.Map(activations.Slice(b * inSize, inSize), dx, derivative);
        }
    }

    /// <summary>out[b, c, oy, ox] = the mean of the window's Size² values (summed in row-major order, then multiplied by 1 / Size²).</summary>
    public static void AverageForward<TShape>(ReadOnlySpan<float> input, Span<float> output, int batch, int start, int end)
        where TShape : IPool2DShape
    {
        Check<TShape>(input.Length, output.Length, batch, start, end);
        switch (LanesFor<TShape>())
        {
            case 16: Windows<TShape, Simd512, Vector512<float>, AverageWindow>(input, output, default, start, end); break;
            case 8: Windows<TShape, Simd256, Vector256<float>, AverageWindow>(input, output, default, start, end); break;
            case 4: Windows<TShape, Simd128, Vector128<float>, AverageWindow>(input, output, default, start, end); break;
            default: Windows<TShape, SimdScalar, float, AverageWindow>(input, output, default, start, end); break;
        }
    }

    /// <summary>dx[b] = Σ over the windows that contain each input of dout / Size² (in output order).</summary>
    public static void AverageBackward<TShape>(ReadOnlySpan<float> outputGradient, Span<float> inputGradient, int batch, int start, int end)
        where TShape : IPool2DShape =>
        AverageBackward<TShape, IdentityGradient>(outputGradient, inputGradient, batch, start, end, inputGradient, default);

    /// <summary><see cref="AverageBackward{TShape}"/> with the layer below's backward step applied (see <see cref="MaxBackward{TShape, TGrad}"/>).</summary>
    public static void AverageBackward<TShape, TGrad>(ReadOnlySpan<float> outputGradient, Span<float> inputGradient, int batch, int start, int end,
        ReadOnlySpan<float> activations, TGrad derivative)
        where TShape : IPool2DShape where TGrad : struct, IGradientOperator
    {
        Check<TShape>(inputGradient.Length, outputGradient.Length, batch, start, end);
        int c = TShape.Channels, h = TShape.Height, w = TShape.Width, k = TShape.Size, s = TShape.Stride;
        int oh = OutputHeight<TShape>(), ow = OutputWidth<TShape>(), inSize = c * h * w, outSize = OutputSize<TShape>();
        Check(activations.Length >= (long)batch * inSize);
        float scale = 1f / (k * k);
        for (int b = start; b < end; b++)
        {
            Span<float> dx = inputGradient.Slice(b * inSize, inSize);
            ReadOnlySpan<float> dy = outputGradient.Slice(b * outSize, outSize);
            dx.Clear();
            int o = 0;
            for (int ci = 0; ci < c; ci++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++, o++)
                    {
                        int first = (ci * h + oy * s) * w + ox * s;
                        float share = dy[o] * scale;
                        for (int ky = 0; ky < k; ky++)
                            for (int kx = 0; kx < k; kx++) dx[first + ky * w + kx] += share;
                    }
            if (typeof(TGrad) != typeof(IdentityGradient)) ActivationKernels.Map(activations.Slice(b * inSize, inSize), dx, derivative);
        }
    }

    /// <summary>
    /// The vector width the forward kernels run at: the widest accelerated one no wider than an output row (a row's last
    /// vector starts at OutputWidth − lanes, overlapping the one before it, so no read or write leaves the row), when the
    /// windows' elements can be gathered by plain loads: stride 1 (shifted loads), or stride 2 with an even window (the
    /// even and odd elements of a pair of loads). Otherwise one lane.
    /// </summary>
    internal static int LanesFor<TShape>() where TShape : IPool2DShape
    {
        if (!(TShape.Stride == 1 || (TShape.Stride == 2 && TShape.Size % 2 == 0))) return 1;
        int width = OutputWidth<TShape>();
        if (Vector512.IsHardwareAccelerated && width >= 16) return 16;
        if (Vector256.IsHardwareAccelerated && width >= 8) return 8;
        if (Vector128.IsHardwareAccelerated && width >= 4) return 4;
        return 1;
    }

    /// <summary>
    /// One window function over every output of samples [start, end): per channel, output row and vector of output
    /// columns, the window's elements in row-major order (ky, kx), each one a vector of that element for every output
    /// in the vector. Every lane goes through exactly the steps the one-lane path takes, so every width gives its bits.
    /// </summary>
    private static void Windows<TShape, TS, TV, TWindow>(ReadOnlySpan<float> input, Span<float> output, Span<int> argmax, int start, int end)
        where TShape : IPool2DShape where TS : ISimdWidth<TV> where TV : struct where TWindow : struct, IPoolWindow
    {
        int c = TShape.Channels, h = TShape.Height, w = TShape.Width, k = TShape.Size, s = TShape.Stride;
        int oh = OutputHeight<TShape>(), ow = OutputWidth<TShape>(), inSize = c * h * w, outSize = OutputSize<TShape>(), lanes = TS.Count;
        bool keep = !argmax.IsEmpty;
        ref int winners = ref MemoryMarshal.GetReference(argmax);
        for (int b = start; b < end; b++)
        {
            ref float x = ref Unsafe.Add(ref MemoryMarshal.GetReference(input), (nint)b * inSize);
            for (int ci = 0; ci < c; ci++)
                for (int oy = 0; oy < oh; oy++)
                {
                    int top = (ci * h + oy * s) * w, o = b * outSize + (ci * oh + oy) * ow;
                    ref float row = ref Unsafe.Add(ref x, top);
                    for (int next = 0; next < ow; next += lanes)
                    {
                        int ox = Math.Min(next, ow - lanes);
                        // The maximum's place is kept as its offset from the window's first element, (ky·W + kx).
                        TV value = Element<TS, TV>(ref row, ox, 0, 0, w, s), offset = default;
                        if (k == 2)
                        {
                            // The common 2 × 2 window written out (the loop below is not unrolled): the same elements in
                            // the same order.
                            value = Step<TS, TV, TWindow>(value, Element<TS, TV>(ref row, ox, 0, 1, w, s), ref offset, keep, 1);
                            value = Step<TS, TV, TWindow>(value, Element<TS, TV>(ref row, ox, 1, 0, w, s), ref offset, keep, w);
                            value = Step<TS, TV, TWindow>(value, Element<TS, TV>(ref row, ox, 1, 1, w, s), ref offset, keep, w + 1);
                        }
                        else
                            for (int e = 1; e < k * k; e++)
                                value = Step<TS, TV, TWindow>(value, Element<TS, TV>(ref row, ox, e / k, e % k, w, s), ref offset, keep, e / k * w + e % k);
                        if (typeof(TWindow) == typeof(AverageWindow)) value = TS.Multiply(value, TS.Broadcast(1f / (k * k)));
                        TS.Store(value, ref MemoryMarshal.GetReference(output), (nuint)(o + ox));
                        if (keep) TS.StoreIndices(offset, top + ox * s, s, ref winners, (nuint)(o + ox));
                    }
                }
        }
    }

    /// <summary>
    /// Window element <paramref name="element"/> (at offset <paramref name="at"/> from the window's first) folded into the
    /// running maximum, which it replaces under <see cref="ISimdWidth{TVector}.Replaces"/>'s rule, and its offset, or into
    /// the running sum.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Step<TS, TV, TWindow>(TV value, TV element, ref TV offset, bool keep, int at)
        where TS : ISimdWidth<TV> where TV : struct where TWindow : struct, IPoolWindow
    {
        if (typeof(TWindow) != typeof(MaxWindow)) return TS.Add(value, element);
        TV replaces = TS.Replaces(value, element);
        if (keep) offset = TS.Select(replaces, TS.Broadcast(at), offset);
        return TS.Select(replaces, element, value);
    }

    /// <summary>
    /// The window of <paramref name="size"/> × size elements starting at <paramref name="first"/>, for a vector of independent
    /// lanes whose window elements lie <paramref name="rowStep"/> and <paramref name="columnStep"/> floats apart (a
    /// convolution's position-major outputs, the filters in the lanes): the maximum or the mean, folded element by element
    /// in row-major order as the forward kernels fold each lane.
    /// </summary>
    internal static TV Fold<TS, TV, TWindow>(ref float first, nuint rowStep, nuint columnStep, int size)
        where TS : ISimdWidth<TV> where TV : struct where TWindow : struct, IPoolWindow
    {
        TV value = TS.Load(ref first, 0), offset = default;
        for (int e = 1; e < size * size; e++)
            value = Step<TS, TV, TWindow>(value, TS.Load(ref first, (nuint)(e / size) * rowStep + (nuint)(e % size) * columnStep), ref offset, false, 0);
        return typeof(TWindow) == typeof(AverageWindow) ? TS.Multiply(value, TS.Broadcast(1f / (size * size))) : value;
    }

    /// <summary>Window element (ky, kx) of the outputs ox, ox + 1, … of one output row (<paramref name="row"/> is its window's top row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Element<TS, TV>(ref float row, int ox, int ky, int kx, int width, int stride) where TS : ISimdWidth<TV> where TV : struct
    {
        nuint at = (nuint)(ky * width + ox * stride + kx);
        if (TS.Count == 1 || stride == 1) return TS.Load(ref row, at);
        return kx % 2 == 0 ? TS.Evens(ref row, at) : TS.Odds(ref row, at - 1);
    }

    /// <summary>Output values per sample.</summary>
    public static int OutputSize<TShape>() where TShape : IPool2DShape => TShape.Channels * OutputHeight<TShape>() * OutputWidth<TShape>();

    private static int OutputHeight<TShape>() where TShape : IPool2DShape => (TShape.Height - TShape.Size) / TShape.Stride + 1;
    private static int OutputWidth<TShape>() where TShape : IPool2DShape => (TShape.Width - TShape.Size) / TShape.Stride + 1;

    private static void Check<TShape>(int inputLength, int outputLength, int batch, int start, int end) where TShape : IPool2DShape
    {
        if (TShape.Channels < 1 || TShape.Size < 1 || TShape.Stride < 1 || TShape.Size > TShape.Height || TShape.Size > TShape.Width)
            throw new ArgumentException($"Pool({TShape.Size}, stride {TShape.Stride}) on {TShape.Channels}×{TShape.Height}×{TShape.Width} is not a pooling: sizes must be positive and the window must fit the input.");
        Check(0 <= start && start <= end && end <= batch && inputLength >= (long)batch * TShape.Channels * TShape.Height * TShape.Width
              && outputLength >= (long)batch * OutputSize<TShape>());
    }

    private static void Check(bool ok)
    {
        if (!ok) throw new ArgumentException("A pooling kernel was called with buffers that do not match the layer shape or a sample range outside the batch.");
    }

    private static void ThrowArgmax(int at) =>
        throw new ArgumentException($"A max-pooling argmax of {at} lies outside the sample: the indices must come from MaxForward.");
}

/// <summary>What a pooling window computes, as a type argument so each kernel compiles to one of them.</summary>
internal interface IPoolWindow;

/// <summary>The maximum, first of equal values, NaN winning; the window element it came from.</summary>
internal readonly struct MaxWindow : IPoolWindow;

/// <summary>The sum in row-major order times 1 / Size².</summary>
internal readonly struct AverageWindow : IPoolWindow;
