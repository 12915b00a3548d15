using System.ComponentModel;
using System.Numerics.Tensors;

namespace NetGen.CompilerServices;

/// <summary>
/// Batch normalization per channel over a batch of C × HW values per sample (HW = height × width after a convolution, 1
/// after a dense layer, where each feature is a channel), as PyTorch's BatchNorm1d/2d: training normalizes with the
/// batch's mean and biased variance and updates the running statistics with the unbiased one; inference normalizes
/// with the running statistics. The optional activation after the normalization is applied as the values are stored.
/// Sums run in double, in sample order, so results do not depend on anything but the batch. Allocation-free.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class BatchNormKernels
{
    /// <summary>
    /// Training: per channel c, μ = mean of x[·, c, ·], σ² = the biased variance, x̂ = (x − μ) / √(σ² + ε), y = f(γ·x̂ + β);
    /// <paramref name="normalized"/> keeps x̂ and <paramref name="inverseDeviation"/> 1 / √(σ² + ε) for the backward
    /// pass; the running mean and variance move by <paramref name="momentum"/> towards μ and the unbiased variance.
    /// </summary>
    /// <exception cref="ArgumentException">A channel has a single value in the batch (batch 1 after a dense layer): its variance is undefined, as in PyTorch.</exception>
    public static void TrainingForward<TAct>(ReadOnlySpan<float> x, Span<float> y, Span<float> normalized, Span<float> inverseDeviation,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> runningMean, Span<float> runningVariance,
        int batch, int channels, int spatial, float momentum, float epsilon, TAct activation)
        where TAct : struct, IUnaryOperator
    {
        Check(x.Length, y.Length, batch, channels, spatial, gamma.Length, beta.Length, runningMean.Length, runningVariance.Length);
        if (normalized.Length < (long)batch * channels * spatial || inverseDeviation.Length < channels)
            throw new ArgumentException("BatchNormKernels.TrainingForward: the buffers for x̂ or 1/σ are too short for the batch.");
        long count = (long)batch * spatial;
        if (count < 2)
            throw new ArgumentException($"BatchNorm in training needs more than one value per channel; this batch has {count} (batch size {batch} × {spatial} positions). Train with batches of two or more samples.");
        int sample = channels * spatial;
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            for (int b = 0; b < batch; b++)
                sum += TensorPrimitives.Sum(x.Slice(b * sample + c * spatial, spatial));
            double mean = sum / count;
            double squares = 0;
            for (int b = 0; b < batch; b++)
                foreach (float v in x.Slice(b * sample + c * spatial, spatial))
                {
                    double d = v - mean;
                    squares += d * d;
                }
            double variance = squares / count;
            float inverse = (float)(1.0 / Math.Sqrt(variance + epsilon)), shift = (float)mean;
            inverseDeviation[c] = inverse;
            for (int b = 0; b < batch; b++)
            {
                int at = b * sample + c * spatial;
                Span<float> xhat = normalized.Slice(at, spatial);
                TensorPrimitives.Subtract(x.Slice(at, spatial), shift, xhat);
                TensorPrimitives.Multiply(xhat, inverse, xhat);
                Span<float> outputs = y.Slice(at, spatial);
                TensorPrimitives.Multiply(xhat, gamma[c], outputs);
                TensorPrimitives.Add(outputs, beta[c], outputs);
                ActivationKernels.Map(outputs, activation);
            }
            runningMean[c] = (float)((1 - momentum) * runningMean[c] + momentum * mean);
            runningVariance[c] = (float)((1 - momentum) * runningVariance[c] + momentum * variance * count / (count - 1));
        }
    }

    /// <summary>Inference: y = f(γ·(x − running mean) / √(running variance + ε) + β) per channel.</summary>
    public static void InferenceForward<TAct>(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVariance, int batch, int channels, int spatial, float epsilon, TAct activation)
        where TAct : struct, IUnaryOperator
    {
        Check(x.Length, y.Length, batch, channels, spatial, gamma.Length, beta.Length, runningMean.Length, runningVariance.Length);
        int sample = channels * spatial;
        for (int c = 0; c < channels; c++)
        {
            // y = x·scale + shift with scale = γ / √(var + ε), shift = β − mean·scale, as ONNX Runtime folds it.
            float scale = (float)(gamma[c] / Math.Sqrt(runningVariance[c] + (double)epsilon));
            float shift = beta[c] - runningMean[c] * scale;
            for (int b = 0; b < batch; b++)
            {
                int at = b * sample + c * spatial;
                Span<float> outputs = y.Slice(at, spatial);
                TensorPrimitives.Multiply(x.Slice(at, spatial), scale, outputs);
                TensorPrimitives.Add(outputs, shift, outputs);
                ActivationKernels.Map(outputs, activation);
            }
        }
    }

    /// <summary>
    /// Backward, given dz = dL/d(γ·x̂ + β) (the activation's derivative already applied): dγ = Σ dz·x̂, dβ = Σ dz per
    /// channel (overwritten), and, when <paramref name="dx"/> is not empty, dx = γ/σ · (dz − dβ/m − x̂·dγ/m) with m the
    /// values per channel in the batch. <paramref name="dx"/> may be <paramref name="dz"/> itself.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> dz, ReadOnlySpan<float> normalized, ReadOnlySpan<float> inverseDeviation, ReadOnlySpan<float> gamma,
        Span<float> gammaGradients, Span<float> betaGradients, Span<float> dx, int batch, int channels, int spatial)
    {
        Check(dz.Length, normalized.Length, batch, channels, spatial, gamma.Length, gammaGradients.Length, betaGradients.Length, inverseDeviation.Length);
        if (!dx.IsEmpty && dx.Length < (long)batch * channels * spatial)
            throw new ArgumentException("BatchNormKernels.Backward: dx is too short for the batch.");
        long count = (long)batch * spatial;
        int sample = channels * spatial;
        for (int c = 0; c < channels; c++)
        {
            double dGamma = 0, dBeta = 0;
            for (int b = 0; b < batch; b++)
            {
                int at = b * sample + c * spatial;
                dGamma += TensorPrimitives.Dot(dz.Slice(at, spatial), normalized.Slice(at, spatial));
                dBeta += TensorPrimitives.Sum(dz.Slice(at, spatial));
            }
            gammaGradients[c] = (float)dGamma;
            betaGradients[c] = (float)dBeta;
            if (dx.IsEmpty) continue;
            float scale = gamma[c] * inverseDeviation[c];
            float meanGradient = (float)(dBeta / count), meanProduct = (float)(dGamma / count);
            for (int b = 0; b < batch; b++)
            {
                int at = b * sample + c * spatial;
                Span<float> g = dx.Slice(at, spatial);
                // dx = scale·(dz − meanGradient − x̂·meanProduct), written over dz when they share memory.
                TensorPrimitives.MultiplyAdd(normalized.Slice(at, spatial), -meanProduct, dz.Slice(at, spatial), g);
                TensorPrimitives.Subtract(g, meanGradient, g);
                TensorPrimitives.Multiply(g, scale, g);
            }
        }
    }

    private static void Check(long x, long y, int batch, int channels, int spatial, int a, int b, int c, int d)
    {
        long values = (long)batch * channels * spatial;
        if (batch < 0 || channels < 1 || spatial < 1 || x < values || y < values || a != channels || b != channels || c != channels || d != channels)
            throw new ArgumentException($"A batch-norm kernel was called with buffers that do not match {channels} channel(s) of {spatial} value(s) and batch {batch}.");
    }
}
