using System.ComponentModel;

namespace NetGen.CompilerServices;

/// <summary>
/// Maxout: the affine pieces are computed by <see cref="DenseKernels"/> as a dense layer of units × pieces outputs
/// (that is exactly the [units × pieces × inputs] weight layout); these kernels take the max over each unit's pieces
/// and route the gradient back to the winner.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class MaxoutKernels
{
    /// <summary>
    /// a[r, u] = max_k z[r, u, k] for every row r; when <paramref name="winners"/> is not empty it receives the
    /// winning k (the first on ties).
    /// </summary>
    public static void Forward(ReadOnlySpan<float> pieces, Span<float> outputs, Span<int> winners, int units, int pieceCount)
    {
        int count = outputs.Length;
        if (pieces.Length < count * pieceCount || (!winners.IsEmpty && winners.Length < count))
            throw new ArgumentException("A maxout kernel was called with buffers that do not match the layer shape.");
        for (int o = 0; o < count; o++)
        {
            ReadOnlySpan<float> z = pieces.Slice(o * pieceCount, pieceCount);
            int best = 0;
            for (int k = 1; k < z.Length; k++)
                if (z[k] > z[best]) best = k;
            outputs[o] = z[best];
            if (!winners.IsEmpty) winners[o] = best;
        }
    }

    /// <summary>dz[r, u, k] = k is the winner of (r, u) ? g[r, u] : 0.</summary>
    public static void Backward(ReadOnlySpan<float> outputGradient, ReadOnlySpan<int> winners, Span<float> pieceGradient, int pieceCount)
    {
        int count = outputGradient.Length;
        if (winners.Length < count || pieceGradient.Length < count * pieceCount)
            throw new ArgumentException("A maxout kernel was called with buffers that do not match the layer shape.");
        pieceGradient.Slice(0, count * pieceCount).Clear();
        for (int o = 0; o < count; o++)
            pieceGradient[o * pieceCount + winners[o]] = outputGradient[o];
    }
}
