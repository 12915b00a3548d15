using System.ComponentModel;

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
/// NCHW): every sample is computed alone, so a split of the samples over threads gives the bits of one call. The windows
/// are read as rows of Size values, Size apart in memory; each output is a handful of comparisons or additions, so the
/// kernels are bound by memory and written as plain loops the JIT compiles for the exact shape.
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
        int c = TShape.Channels, h = TShape.Height, w = TShape.Width, k = TShape.Size, s = TShape.Stride;
        int oh = OutputHeight<TShape>(), ow = OutputWidth<TShape>(), inSize = c * h * w, outSize = OutputSize<TShape>();
        for (int b = start; b < end; b++)
        {
            ReadOnlySpan<float> x = input.Slice(b * inSize, inSize);
            Span<float> y = output.Slice(b * outSize, outSize);
            Span<int> winners = keep ? argmax.Slice(b * outSize, outSize) : default;
            int o = 0;
            for (int ci = 0; ci < c; ci++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++, o++)
                    {
                        int first = (ci * h + oy * s) * w + ox * s, best = first;
                        float max = x[first];
                        for (int ky = 0; ky < k; ky++)
                        {
                            int row = first + ky * w;
                            for (int kx = 0; kx < k; kx++)
                            {
                                float v = x[row + kx];
                                if (v > max || (float.IsNaN(v) && !float.IsNaN(max))) (max, best) = (v, row + kx);
                            }
                        }
                        y[o] = max;
                        if (keep) winners[o] = best;
                    }
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
            ReadOnlySpan<float> dy = outputGradient.Slice(b * outSize, outSize);
            ReadOnlySpan<int> winners = argmax.Slice(b * outSize, outSize);
            dx.Clear();
            for (int o = 0; o < outSize; o++)
            {
                int at = winners[o];
                if ((uint)at >= (uint)inSize) ThrowArgmax(at);
                dx[at] += dy[o];
            }
            if (typeof(TGrad) != typeof(IdentityGradient)) ActivationKernels.Map(activations.Slice(b * inSize, inSize), dx, derivative);
        }
    }

    /// <summary>out[b, c, oy, ox] = the mean of the window's Size² values (summed in row-major order, then multiplied by 1 / Size²).</summary>
    public static void AverageForward<TShape>(ReadOnlySpan<float> input, Span<float> output, int batch, int start, int end)
        where TShape : IPool2DShape
    {
        Check<TShape>(input.Length, output.Length, batch, start, end);
        int c = TShape.Channels, h = TShape.Height, w = TShape.Width, k = TShape.Size, s = TShape.Stride;
        int oh = OutputHeight<TShape>(), ow = OutputWidth<TShape>(), inSize = c * h * w, outSize = OutputSize<TShape>();
        float scale = 1f / (k * k);
        for (int b = start; b < end; b++)
        {
            ReadOnlySpan<float> x = input.Slice(b * inSize, inSize);
            Span<float> y = output.Slice(b * outSize, outSize);
            int o = 0;
            for (int ci = 0; ci < c; ci++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++, o++)
                    {
                        int first = (ci * h + oy * s) * w + ox * s;
                        float sum = 0f;
                        for (int ky = 0; ky < k; ky++)
                            for (int kx = 0; kx < k; kx++) sum += x[first + ky * w + kx];
                        y[o] = sum * scale;
                    }
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
