using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.CompilerServices;

/// <summary>
/// Batch normalization per channel over batch × spatial positions (NCHW: <c>TChannels</c> channels of <c>TSpatial</c> =
/// H·W values per sample; after a dense layer H = W = 1, so it is per feature), with γ and β per channel, PyTorch's
/// <c>BatchNorm2d</c>/<c>BatchNorm1d</c>: training normalizes with the batch mean and the biased variance, saves the mean
/// and 1/√(var + ε) for the backward pass, and moves the running mean and variance towards the batch's by the momentum,
/// the variance unbiased (× n / (n − 1)); inference normalizes with the running statistics.
/// </summary>
/// <remarks>
/// The training kernels take channels [first, end) and read every sample, so a split of the channels over threads
/// gives the bits of one call; inference takes samples [start, end). The per-channel sums run over each sample's row of
/// H·W values (TensorPrimitives) and add the rows up in double precision in sample order. Nothing is allocated.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class BatchNormKernels
{
    /// <summary>
    /// Training forward for channels [<paramref name="first"/>, <paramref name="end"/>): y = act(γ·(x − μ)·σ⁻¹ + β) with μ
    /// and σ² the channel's mean and biased variance over the batch; <paramref name="savedMean"/> and
    /// <paramref name="savedInverseStd"/> receive μ and σ⁻¹ = 1/√(σ² + ε); the running statistics become
    /// (1 − m)·running + m·batch (the variance unbiased).
    /// </summary>
    public static void TrainingForward<TChannels, TSpatial, TAct>(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y,
        Span<float> savedMean, Span<float> savedInverseStd, Span<float> runningMean, Span<float> runningVariance,
        int batch, int first, int end, float momentum, float epsilon, TAct activation)
        where TChannels : IDimension where TSpatial : IDimension where TAct : struct, IUnaryOperator
    {
        int channels = TChannels.Value, spatial = TSpatial.Value;
        CheckBuffers(channels, spatial, x.Length, y.Length, batch, first, end, channels);
        Check(gamma.Length == channels && beta.Length == channels && savedMean.Length == channels && savedInverseStd.Length == channels
              && runningMean.Length == channels && runningVariance.Length == channels);
        long n = (long)batch * spatial;
        if (n < 2)
            throw new ArgumentException($"Batch normalization in training needs more than one value per channel; a batch of {batch} with {spatial} position(s) per channel has {n}.", nameof(batch));
        for (int c = first; c < end; c++)
        {
            double sum = 0;
            for (int b = 0; b < batch; b++) sum += TensorPrimitives.Sum(Row(x, b, c, channels, spatial));
            double mean = sum / n;
            double squares = 0;
            for (int b = 0; b < batch; b++)
            {
                ReadOnlySpan<float> row = Row(x, b, c, channels, spatial);
                for (int i = 0; i < row.Length; i++)
                {
                    double d = row[i] - mean;
                    squares += d * d;
                }
            }
            double variance = squares / n;
            float inverseStd = (float)(1 / Math.Sqrt(variance + epsilon));
            savedMean[c] = (float)mean;
            savedInverseStd[c] = inverseStd;
            runningMean[c] = (float)((1 - momentum) * runningMean[c] + momentum * mean);
            runningVariance[c] = (float)((1 - momentum) * runningVariance[c] + momentum * variance * n / (n - 1));
            Normalize(x, y, batch, 0, batch, c, channels, spatial, (float)mean, inverseStd, gamma[c], beta[c], activation);
        }
    }

    /// <summary>Inference forward for samples [<paramref name="start"/>, <paramref name="end"/>): y = act(γ·(x − running μ)/√(running σ² + ε) + β).</summary>
    public static void InferenceForward<TChannels, TSpatial, TAct>(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVariance, Span<float> y, int batch, int start, int end, float epsilon, TAct activation)
        where TChannels : IDimension where TSpatial : IDimension where TAct : struct, IUnaryOperator
    {
        int channels = TChannels.Value, spatial = TSpatial.Value;
        CheckBuffers(channels, spatial, x.Length, y.Length, batch, start, end, batch);
        Check(gamma.Length == channels && beta.Length == channels && runningMean.Length == channels && runningVariance.Length == channels);
        for (int c = 0; c < channels; c++)
        {
            float inverseStd = 1f / MathF.Sqrt(runningVariance[c] + epsilon);
            Normalize(x, y, batch, start, end, c, channels, spatial, runningMean[c], inverseStd, gamma[c], beta[c], activation);
        }
    }

    /// <summary>
    /// Training backward for channels [<paramref name="first"/>, <paramref name="end"/>), from dy (the gradient at the
    /// normalized output, before any fused activation: the layer above's input gradient applies that activation's
    /// backward step): dβ = Σ dy, dγ = Σ dy·x̂, dx = γσ⁻¹/n·(n·dy − dβ − x̂·dγ) with x̂ = (x − μ)σ⁻¹ from the saved statistics.
    /// </summary>
    public static void Backward<TChannels, TSpatial>(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> savedMean, ReadOnlySpan<float> savedInverseStd, Span<float> dx, Span<float> gammaGradient, Span<float> betaGradient,
        int batch, int first, int end)
        where TChannels : IDimension where TSpatial : IDimension =>
        Backward<TChannels, TSpatial, IdentityGradient>(dy, x, gamma, savedMean, savedInverseStd, dx, gammaGradient, betaGradient, batch, first, end, default);

    /// <summary>
    /// <see cref="Backward{TChannels, TSpatial}"/> with the backward step g of the layer below's activation applied to dx
    /// (that layer's outputs are this layer's input x), so dx comes out as the layer below's dz.
    /// </summary>
    public static void Backward<TChannels, TSpatial, TGrad>(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> savedMean, ReadOnlySpan<float> savedInverseStd, Span<float> dx, Span<float> gammaGradient, Span<float> betaGradient,
        int batch, int first, int end, TGrad derivative)
        where TChannels : IDimension where TSpatial : IDimension where TGrad : struct, IGradientOperator
    {
        int channels = TChannels.Value, spatial = TSpatial.Value;
        CheckBuffers(channels, spatial, x.Length, dx.Length, batch, first, end, channels);
        Check(dy.Length >= (long)batch * channels * spatial && gamma.Length == channels && savedMean.Length == channels && savedInverseStd.Length == channels
              && gammaGradient.Length == channels && betaGradient.Length == channels);
        long n = (long)batch * spatial;
        for (int c = first; c < end; c++)
        {
            float mean = savedMean[c], inverseStd = savedInverseStd[c];
            double sumDy = 0, sumDyXhat = 0;
            for (int b = 0; b < batch; b++)
            {
                ReadOnlySpan<float> g = Row(dy, b, c, channels, spatial), xr = Row(x, b, c, channels, spatial);
                sumDy += TensorPrimitives.Sum(g);
                double dot = 0;
                for (int i = 0; i < g.Length; i++) dot += (double)g[i] * ((xr[i] - mean) * inverseStd);
                sumDyXhat += dot;
            }
            betaGradient[c] = (float)sumDy;
            gammaGradient[c] = (float)sumDyXhat;
            // dx = k·(dy − a − x̂·d) with k = γσ⁻¹, a = Σdy / n, d = Σdy·x̂ / n.
            float k = gamma[c] * inverseStd, a = (float)(sumDy / n), d = (float)(sumDyXhat / n);
            var step = new InputGradientStep(mean, inverseStd, k, a, d);
            for (int b = 0; b < batch; b++)
                ElementWise(Row(dy, b, c, channels, spatial), Row(x, b, c, channels, spatial), Row(dx, b, c, channels, spatial), step, derivative);
        }
    }

    /// <summary>y[b, c, ·] = act(γ·(x[b, c, ·] − mean)·inverseStd + β) for samples [start, end).</summary>
    private static void Normalize<TAct>(ReadOnlySpan<float> x, Span<float> y, int batch, int start, int end, int c, int channels, int spatial,
        float mean, float inverseStd, float gamma, float beta, TAct activation) where TAct : struct, IUnaryOperator
    {
        // y = x·scale + shift with scale = γσ⁻¹ and shift = β − μ·scale, as one fused multiply-add per element.
        float scale = gamma * inverseStd, shift = beta - mean * scale;
        var step = new NormalizeStep<TAct>(scale, shift, activation);
        for (int b = start; b < end; b++)
        {
            ReadOnlySpan<float> source = Row(x, b, c, channels, spatial);
            ElementWise(source, source, Row(y, b, c, channels, spatial), step, default(IdentityGradient));
        }
    }

    /// <summary>
    /// target[i] = g(second[i], step(first[i], second[i])) over a row, in the widest vectors first and then narrower ones
    /// and single lanes for the rest; every lane takes the same operations, so the bits do not depend on the width.
    /// </summary>
    private static void ElementWise<TStep, TGrad>(ReadOnlySpan<float> first, ReadOnlySpan<float> second, Span<float> target, TStep step, TGrad derivative)
        where TStep : struct, IElementStep where TGrad : struct, IGradientOperator
    {
        ref float f = ref MemoryMarshal.GetReference(first);
        ref float x = ref MemoryMarshal.GetReference(second);
        ref float t = ref MemoryMarshal.GetReference(target);
        nuint n = (nuint)target.Length, i = 0;
        if (Vector512.IsHardwareAccelerated) i = ElementWise<Simd512, Vector512<float>, TStep, TGrad>(ref f, ref x, ref t, i, n, step, derivative);
        if (Vector256.IsHardwareAccelerated) i = ElementWise<Simd256, Vector256<float>, TStep, TGrad>(ref f, ref x, ref t, i, n, step, derivative);
        if (Vector128.IsHardwareAccelerated) i = ElementWise<Simd128, Vector128<float>, TStep, TGrad>(ref f, ref x, ref t, i, n, step, derivative);
        ElementWise<SimdScalar, float, TStep, TGrad>(ref f, ref x, ref t, i, n, step, derivative);
    }

    private static nuint ElementWise<TS, TV, TStep, TGrad>(ref float first, ref float second, ref float target, nuint i, nuint n, TStep step, TGrad derivative)
        where TS : ISimdWidth<TV> where TV : struct where TStep : struct, IElementStep where TGrad : struct, IGradientOperator
    {
        for (nuint lanes = (nuint)TS.Count; i + lanes <= n; i += lanes)
        {
            TV xv = TS.Load(ref second, i);
            TV value = step.Apply<TS, TV>(TS.Load(ref first, i), xv);
            TS.Store(typeof(TGrad) == typeof(IdentityGradient) ? value : TS.Apply(derivative, xv, value), ref target, i);
        }
        return i;
    }

    /// <summary>One element-wise step of these kernels, at any vector width.</summary>
    private interface IElementStep
    {
        TV Apply<TS, TV>(TV first, TV x) where TS : ISimdWidth<TV> where TV : struct;
    }

    /// <summary>act(x·scale + shift), one fused multiply-add (the first operand is x too).</summary>
    private readonly struct NormalizeStep<TAct>(float scale, float shift, TAct activation) : IElementStep where TAct : struct, IUnaryOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TV Apply<TS, TV>(TV first, TV x) where TS : ISimdWidth<TV> where TV : struct
        {
            TV value = TS.MulAdd(x, TS.Broadcast(scale), TS.Broadcast(shift));
            return typeof(TAct) == typeof(IdentityOperator) ? value : TS.Apply(activation, value);
        }
    }

    /// <summary>k·(dy − a − x̂·d) with x̂ = (x − μ)·σ⁻¹ (dy the first operand).</summary>
    private readonly struct InputGradientStep(float mean, float inverseStd, float k, float a, float d) : IElementStep
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TV Apply<TS, TV>(TV dy, TV x) where TS : ISimdWidth<TV> where TV : struct
        {
            TV xhat = TS.Multiply(TS.Subtract(x, TS.Broadcast(mean)), TS.Broadcast(inverseStd));
            return TS.Multiply(TS.Broadcast(k), TS.Subtract(TS.Subtract(dy, TS.Broadcast(a)), TS.Multiply(xhat, TS.Broadcast(d))));
        }
    }

    private static ReadOnlySpan<float> Row(ReadOnlySpan<float> values, int b, int c, int channels, int spatial) => values.Slice((b * channels + c) * spatial, spatial);
    private static Span<float> Row(Span<float> values, int b, int c, int channels, int spatial) => values.Slice((b * channels + c) * spatial, spatial);

    private static void CheckBuffers(int channels, int spatial, int inputLength, int outputLength, int batch, int first, int end, int rangeLimit) =>
        Check(channels > 0 && spatial > 0 && batch >= 0 && 0 <= first && first <= end && end <= rangeLimit
              && inputLength >= (long)batch * channels * spatial && outputLength >= (long)batch * channels * spatial);

    private static void Check(bool ok)
    {
        if (!ok) throw new ArgumentException("A batch-normalization kernel was called with buffers that do not match the layer shape or a range outside it.");
    }
}
