using System.ComponentModel;

namespace NetGen.CompilerServices;

/// <summary>
/// Losses with PyTorch's default mean reduction, each returning the mean loss and writing the gradient of that mean
/// with respect to the layer's outputs (MSE) or logits (the two cross-entropies, fused with their activation).
/// Sums are accumulated in double so the loss of a large batch does not drift.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class LossKernels
{
    /// <summary>L = Σ (a − y)² / N over all N elements; g = 2(a − y) / N.</summary>
    public static float MeanSquaredError(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, Span<float> gradient) =>
        Elementwise(outputs, targets, gradient, new SquaredError());

    /// <summary>
    /// Binary cross-entropy of σ(z) against y, from the logits z: L = mean(max(z, 0) − z·y + log(1 + e^−|z|)), which
    /// is finite for any z; g = (σ(z) − y) / N.
    /// </summary>
    public static float BinaryCrossEntropyWithLogits(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient) =>
        Elementwise(logits, targets, gradient, new BinaryCrossEntropyFromLogit());

    /// <summary>One element's loss term and its gradient before the mean's scale, for <see cref="Elementwise"/>.</summary>
    private interface IElementLoss
    {
        /// <summary>The gradient's constant factor, applied with the mean's 1 / (batch·width) as one scale.</summary>
        float Factor { get; }

        /// <summary>The loss term of output (or logit) <paramref name="a"/> against <paramref name="y"/>, in double; <paramref name="gradient"/> is its derivative divided by <see cref="Factor"/>.</summary>
        double Term(float a, float y, out float gradient);
    }

    /// <summary>(a − y)², with derivative 2·(a − y).</summary>
    private readonly struct SquaredError : IElementLoss
    {
        public float Factor => 2f;

        public double Term(float a, float y, out float gradient)
        {
            float d = a - y;
            gradient = d;
            return (double)d * d;
        }
    }

    /// <summary>max(z, 0) − z·y + log(1 + e^−|z|), finite for any z, with derivative σ(z) − y.</summary>
    private readonly struct BinaryCrossEntropyFromLogit : IElementLoss
    {
        public float Factor => 1f;

        public double Term(float z, float y, out float gradient)
        {
            gradient = ActivationKernels.Sigmoid(z) - y;
            return Math.Max(z, 0.0) - (double)z * y + Math.Log(1.0 + Math.Exp(-Math.Abs((double)z)));
        }
    }

    /// <summary>An element-wise loss over all N elements: the mean of the loss terms (summed in double, in element order), and each gradient scaled by Factor / N.</summary>
    private static float Elementwise<TLoss>(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, Span<float> gradient, TLoss loss)
        where TLoss : struct, IElementLoss
    {
        int n = CheckLengths(outputs, targets, gradient);
        float scale = loss.Factor / n;
        double sum = 0;
        for (int at = 0; at < n; at++)
        {
            sum += loss.Term(outputs[at], targets[at], out float g);
            gradient[at] = scale * g;
        }
        return (float)(sum / n);
    }

    /// <summary>
    /// Cross-entropy of softmax(z) against target distributions y, per row of <paramref name="width"/> classes:
    /// L = mean over rows of Σ_k y_k·(logΣexp(z) − z_k), computed with the max subtracted; the fused gradient is
    /// g_k = (softmax(z)_k·Σ_k y_k − y_k) / rows, which is p − y for one-hot targets.
    /// </summary>
    /// <remarks>
    /// The exponentials are taken in one vectorized pass per chunk of rows (NetGen's own vector exp, written into
    /// <paramref name="gradient"/>, which must therefore not overlap <paramref name="logits"/>); each row's exponent is
    /// at most 0, so none overflows, and the sums stay in double. For 784-128-64-10 at batch 64 (64 rows of 10 classes)
    /// this takes 2.1 µs; two double-precision <see cref="Math.Exp"/> per class and
    /// <see cref="Math.Max(float, float)"/> chains take 6.9 µs. TensorPrimitives.Exp is as fast as the own exp once
    /// compiled, but its generic code runs slowly until the JIT's second tier, adding 0.4 s to the first two epochs of
    /// the MNIST sample (tiered compilation on).
    /// </remarks>
    public static float CrossEntropyWithLogits(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient, int width)
    {
        int n = CheckLengths(logits, targets, gradient);
        if (width <= 0 || n % width != 0)
            throw new ArgumentException($"A loss kernel was called with {n} logits, which is not a whole number of rows of {width} classes.", nameof(width));
        CheckSeparate(logits, gradient);
        int rows = n / width;
        // Rows go in chunks whose losses fit on the stack, summed in row order.
        Span<double> losses = stackalloc double[Math.Min(rows, Chunk)];
        double sum = 0;
        for (int first = 0; first < rows; first += Chunk)
        {
            int count = Math.Min(Chunk, rows - first);
            CrossEntropyChunk(logits.Slice(first * width, count * width), targets.Slice(first * width, count * width),
                gradient.Slice(first * width, count * width), width, 1f / rows, losses.Slice(0, count));
            foreach (double loss in losses.Slice(0, count)) sum += loss;
        }
        return (float)(sum / rows);
    }

    /// <summary>Rows a cross-entropy call takes at a time: their maxima go on the stack.</summary>
    private const int Chunk = 256;

    /// <summary>
    /// At most <see cref="Chunk"/> rows of the softmax cross-entropy: e = exp(z − max of the row) for all of them (every
    /// exponent ≤ 0), then each row's loss into <paramref name="losses"/> and its gradient, scaled by <paramref name="scale"/>.
    /// </summary>
    private static void CrossEntropyChunk(ReadOnlySpan<float> z, ReadOnlySpan<float> y, Span<float> e, int width, float scale, Span<double> losses)
    {
        int count = losses.Length;
        Span<float> maxima = stackalloc float[count];
        for (int r = 0, at = 0; r < count; r++, at += width)
        {
            // A plain comparison and a NaN flag: Math.Max's NaN and signed-zero rules made a long latency chain.
            float max = float.NegativeInfinity;
            bool nan = false;
            for (int k = at; k < at + width; k++)
            {
                float v = z[k];
                nan |= float.IsNaN(v);
                max = v > max ? v : max;
            }
            if (nan) max = float.NaN;
            maxima[r] = max;
            for (int k = at; k < at + width; k++) e[k] = z[k] - max;
        }
        ActivationKernels.Exp(e);
        for (int r = 0, at = 0; r < count; r++, at += width)
        {
            double expSum = 0, ySum = 0, yz = 0;
            for (int k = at; k < at + width; k++)
            {
                expSum += e[k];
                ySum += y[k];
                yz += (double)y[k] * z[k];
            }
            // Σ_k y_k·(logΣexp(z) − z_k); Σe is in [1, width], where the float logarithm is within an ulp (and took a
            // quarter off the kernel against the double one)
            losses[r] = ySum * (maxima[r] + (double)MathF.Log((float)expSum)) - yz;
            double weight = ySum / expSum; // softmax_k · Σy = e_k · Σy / Σe
            for (int k = at; k < at + width; k++) e[k] = (float)((e[k] * weight - y[k]) * scale);
        }
    }

    /// <summary>The exponentials are written into the gradient before the logits are read for the last time.</summary>
    private static void CheckSeparate(ReadOnlySpan<float> logits, Span<float> gradient)
    {
        if (gradient.Overlaps(logits))
            throw new ArgumentException("The cross-entropy kernel needs a gradient buffer separate from the logits.", nameof(gradient));
    }

    private static int CheckLengths(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, Span<float> gradient)
    {
        if (outputs.Length != targets.Length || gradient.Length != outputs.Length || outputs.Length == 0)
            throw new ArgumentException("A loss kernel was called with outputs, targets and gradient of different lengths.");
        return outputs.Length;
    }
}
