using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen.CompilerServices;

/// <summary>
/// The shape of one pooling layer, known at compile time: generated code declares one struct per layer
/// (<c>file readonly struct __Pool1 : IPool2DShape { … }</c>). Input per sample C × H × W (row-major); a window of
/// Size × Size every Stride values, no padding; output C × OutputHeight × OutputWidth with
/// OutputHeight = (H − Size) / Stride + 1 (integer division, as PyTorch).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IPool2DShape
{
    /// <summary>Channels (C), the same in and out.</summary>
    static abstract int Channels { get; }
    /// <summary>Input height (H).</summary>
    static abstract int Height { get; }
    /// <summary>Input width (W).</summary>
    static abstract int Width { get; }
    /// <summary>The side of the square window.</summary>
    static abstract int Size { get; }
    /// <summary>The step between two windows, in both directions.</summary>
    static abstract int Stride { get; }
}

/// <summary>
/// Max and average pooling over <see cref="IPool2DShape"/> windows, forward and backward, on the calling thread (the work
/// is a few comparisons or adds per value, far below a hand-off). Allocation-free; every loop bound is a JIT-time constant.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Pool2DKernels
{
    /// <summary>
    /// y[b, c, oy, ox] = the maximum of x[b, c] over the window at (oy·S, ox·S), and, when <paramref name="winners"/> is
    /// not empty, the index within the sample's input (c·H·W + y·W + x) of the value chosen: the first maximum in
    /// row-major order on a tie, and a NaN if the window holds one (the first NaN), as PyTorch propagates it.
    /// </summary>
    public static void MaxForward<TShape>(ReadOnlySpan<float> x, Span<float> y, Span<int> winners, int batch) where TShape : IPool2DShape
    {
        Check<TShape>(x.Length, y.Length, batch, winners.IsEmpty ? -1 : winners.Length);
        int c = TShape.Channels, h = TShape.Height, w = TShape.Width, k = TShape.Size, s = TShape.Stride;
        int oh = OutputHeight<TShape>(), ow = OutputWidth<TShape>();
        bool keep = !winners.IsEmpty;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        ref int kr = ref MemoryMarshal.GetReference(winners);
        for (int b = 0; b < batch; b++)
        {
            nint sampleIn = (nint)b * c * h * w, sampleOut = (nint)b * c * oh * ow;
            for (int ch = 0; ch < c; ch++)
            {
                int plane = ch * h * w;
                for (int oy = 0; oy < oh; oy++)
                {
                    for (int ox = 0; ox < ow; ox++)
                    {
                        int best = plane + oy * s * w + ox * s;
                        float max = Unsafe.Add(ref xr, sampleIn + best);
                        for (int ky = 0; ky < k && !float.IsNaN(max); ky++)
                        {
                            int row = plane + (oy * s + ky) * w + ox * s;
                            for (int kx = 0; kx < k; kx++)
                            {
                                float v = Unsafe.Add(ref xr, sampleIn + row + kx);
                                if (v > max || float.IsNaN(v))
                                {
                                    (max, best) = (v, row + kx);
                                    if (float.IsNaN(v)) break;
                                }
                            }
                        }
                        nint at = sampleOut + (ch * oh + oy) * ow + ox;
                        Unsafe.Add(ref yr, at) = max;
                        if (keep) Unsafe.Add(ref kr, at) = best;
                    }
                }
            }
        }
    }

    /// <summary>dx = 0, then dx[b, winner] += dy[b, …] for every output: each window's gradient goes to the value it chose.</summary>
    public static void MaxBackward<TShape>(ReadOnlySpan<float> dy, ReadOnlySpan<int> winners, Span<float> dx, int batch) where TShape : IPool2DShape
    {
        Check<TShape>(dx.Length, dy.Length, batch, winners.Length);
        int inputs = TShape.Channels * TShape.Height * TShape.Width, outputs = TShape.Channels * OutputHeight<TShape>() * OutputWidth<TShape>();
        dx.Slice(0, batch * inputs).Clear();
        ref float dyr = ref MemoryMarshal.GetReference(dy);
        ref float dxr = ref MemoryMarshal.GetReference(dx);
        ref int kr = ref MemoryMarshal.GetReference(winners);
        for (int b = 0; b < batch; b++)
        {
            ref float dxb = ref Unsafe.Add(ref dxr, (nint)b * inputs);
            nint first = (nint)b * outputs;
            for (int o = 0; o < outputs; o++)
            {
                int winner = Unsafe.Add(ref kr, first + o);
                if ((uint)winner >= (uint)inputs) ThrowWinner(winner);
                Unsafe.Add(ref dxb, winner) += Unsafe.Add(ref dyr, first + o);
            }
        }
    }

    /// <summary>y[b, c, oy, ox] = the mean of x[b, c] over the window at (oy·S, ox·S): the sum of its rows in order, divided by Size².</summary>
    public static void AverageForward<TShape>(ReadOnlySpan<float> x, Span<float> y, int batch) where TShape : IPool2DShape
    {
        Check<TShape>(x.Length, y.Length, batch, -1);
        int c = TShape.Channels, h = TShape.Height, w = TShape.Width, k = TShape.Size, s = TShape.Stride;
        int oh = OutputHeight<TShape>(), ow = OutputWidth<TShape>();
        float scale = 1f / (k * k);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        for (int b = 0; b < batch; b++)
        {
            nint sampleIn = (nint)b * c * h * w, sampleOut = (nint)b * c * oh * ow;
            for (int ch = 0; ch < c; ch++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                    {
                        float sum = 0f;
                        for (int ky = 0; ky < k; ky++)
                        {
                            ref float row = ref Unsafe.Add(ref xr, sampleIn + (ch * h + oy * s + ky) * w + ox * s);
                            for (int kx = 0; kx < k; kx++) sum += Unsafe.Add(ref row, kx);
                        }
                        Unsafe.Add(ref yr, sampleOut + (ch * oh + oy) * ow + ox) = sum * scale;
                    }
        }
    }

    /// <summary>dx = 0, then every value of each window receives dy / Size² (overlapping windows add up).</summary>
    public static void AverageBackward<TShape>(ReadOnlySpan<float> dy, Span<float> dx, int batch) where TShape : IPool2DShape
    {
        Check<TShape>(dx.Length, dy.Length, batch, -1);
        int c = TShape.Channels, h = TShape.Height, w = TShape.Width, k = TShape.Size, s = TShape.Stride;
        int oh = OutputHeight<TShape>(), ow = OutputWidth<TShape>();
        float scale = 1f / (k * k);
        dx.Slice(0, batch * c * h * w).Clear();
        ref float dyr = ref MemoryMarshal.GetReference(dy);
        ref float dxr = ref MemoryMarshal.GetReference(dx);
        for (int b = 0; b < batch; b++)
        {
            nint sampleIn = (nint)b * c * h * w, sampleOut = (nint)b * c * oh * ow;
            for (int ch = 0; ch < c; ch++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                    {
                        float g = Unsafe.Add(ref dyr, sampleOut + (ch * oh + oy) * ow + ox) * scale;
                        for (int ky = 0; ky < k; ky++)
                        {
                            ref float row = ref Unsafe.Add(ref dxr, sampleIn + (ch * h + oy * s + ky) * w + ox * s);
                            for (int kx = 0; kx < k; kx++) Unsafe.Add(ref row, kx) += g;
                        }
                    }
        }
    }

    private static int OutputHeight<TShape>() where TShape : IPool2DShape => (TShape.Height - TShape.Size) / TShape.Stride + 1;
    private static int OutputWidth<TShape>() where TShape : IPool2DShape => (TShape.Width - TShape.Size) / TShape.Stride + 1;

    /// <summary>The shape is possible and the spans hold the batch (<paramref name="winners"/> is −1 when there are none to check).</summary>
    private static void Check<TShape>(long inputs, long outputs, int batch, long winners) where TShape : IPool2DShape
    {
        int c = TShape.Channels, h = TShape.Height, w = TShape.Width, k = TShape.Size, s = TShape.Stride;
        bool shape = c > 0 && k > 0 && s > 0 && k <= h && k <= w;
        long perOut = shape ? (long)c * OutputHeight<TShape>() * OutputWidth<TShape>() : 0;
        if (!shape || batch < 0 || inputs < (long)batch * c * h * w || outputs < batch * perOut || (winners >= 0 && winners < batch * perOut))
            throw new ArgumentException($"A pooling kernel was called with buffers that do not match its shape ({c}×{h}×{w}, window {k}, stride {s}) and batch {batch}.");
    }

    private static void ThrowWinner(int winner) =>
        throw new ArgumentException($"A max-pool winner index {winner} lies outside the sample's input: the winners do not come from MaxForward of this shape.");
}
