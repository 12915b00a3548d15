using System.ComponentModel;
using System.Numerics.Tensors;

namespace NetGen.CompilerServices;

/// <summary>Inverted dropout for training: outputs = inputs ⊙ mask, mask = 0 with probability p, else 1 / (1 − p).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class DropoutKernels
{
    /// <summary>Draws a fresh mask from <paramref name="rng"/> and applies it.</summary>
    public static void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> mask, float rate, ref Rng rng)
    {
        int n = outputs.Length;
        if (inputs.Length < n || mask.Length < n)
            throw new ArgumentException("A dropout kernel was called with buffers of different lengths.");
        float keep = 1f / (1f - rate);
        for (int i = 0; i < n; i++)
            mask[i] = rng.NextSingle() < rate ? 0f : keep;
        TensorPrimitives.Multiply(inputs.Slice(0, n), mask.Slice(0, n), outputs);
    }

    /// <summary>g ← g ⊙ mask.</summary>
    public static void Backward(ReadOnlySpan<float> mask, Span<float> gradient) =>
        TensorPrimitives.Multiply(gradient, mask.Slice(0, gradient.Length), gradient);
}
