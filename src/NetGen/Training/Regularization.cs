using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen.Training;

/// <summary>
/// Gradient-side regularization. L2 is the optimizers' <c>weightDecay</c>; L1 and gradient clipping are applied
/// between <see cref="INetwork.ComputeGradients"/> and the optimizer step.
/// </summary>
public static class Regularization
{
    /// <summary>
    /// Adds the gradient of the L1 penalty λ·Σ|θ| to <paramref name="gradients"/> (λ·sign(θ), with sign(0) = 0) and
    /// returns the penalty.
    /// </summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lambda"/> is negative or not finite.</exception>
    public static float L1(ReadOnlySpan<float> parameters, Span<float> gradients, float lambda)
    {
        if (parameters.Length != gradients.Length)
            throw new ArgumentException($"The gradient has {gradients.Length} elements but there are {parameters.Length} parameters; both spans must have the same length.", nameof(gradients));
        if (!(lambda >= 0) || float.IsInfinity(lambda))
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "'lambda' must be a finite value ≥ 0.");
        if (lambda == 0f) return 0f;

        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        nuint n = (nuint)parameters.Length, i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var plus = new Vector<float>(lambda);
            var minus = new Vector<float>(-lambda);
            for (; i + (nuint)Vector<float>.Count <= n; i += (nuint)Vector<float>.Count)
            {
                Vector<float> theta = Vector.LoadUnsafe(ref p, i);
                Vector<float> step = Vector.ConditionalSelect(Vector.GreaterThan(theta, Vector<float>.Zero), plus, Vector<float>.Zero)
                                   + Vector.ConditionalSelect(Vector.LessThan(theta, Vector<float>.Zero), minus, Vector<float>.Zero);
                Vector.StoreUnsafe(Vector.LoadUnsafe(ref g, i) + step, ref g, i);
            }
        }
        for (; i < n; i++)
        {
            float theta = Unsafe.Add(ref p, i);
            Unsafe.Add(ref g, i) += theta > 0 ? lambda : theta < 0 ? -lambda : 0f;
        }
        return lambda * TensorPrimitives.SumOfMagnitudes(parameters);
    }

    /// <summary>
    /// Clips the gradient by its global L2 norm, as PyTorch's <c>clip_grad_norm_</c>: when ‖g‖ exceeds
    /// <paramref name="maxNorm"/> the gradient is scaled by maxNorm / (‖g‖ + 10⁻⁶). Returns the norm before clipping
    /// (NaN or ∞ when the gradient is not finite, in which case it is left unchanged).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxNorm"/> is not a finite value &gt; 0.</exception>
    public static float ClipGradNorm(Span<float> gradients, float maxNorm)
    {
        if (!(maxNorm > 0) || float.IsInfinity(maxNorm))
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "'maxNorm' must be a finite value > 0.");
        float norm = TensorPrimitives.Norm(gradients);
        float coefficient = maxNorm / (norm + 1e-6f);
        if (coefficient < 1f)
            TensorPrimitives.Multiply(gradients, coefficient, gradients);
        return norm;
    }
}
