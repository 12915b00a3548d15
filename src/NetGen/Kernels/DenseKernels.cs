using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

/// <summary>
/// The three matrix products of a dense layer with <c>TIn</c> inputs and <c>TOut</c>
/// units over a row-major batch, with the weights in PyTorch's [units × inputs] row-major layout. Generated code
/// calls these with its own size structs, so every instantiation is compiled for one layer shape.
/// </summary>
/// <remarks>Called only by generated code, which has already checked every length; the checks here are a
/// last line of defence against a generator bug and cost one comparison per call.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class DenseKernels
{
    /// <summary>z[b, j] = bias[j] + Σ_i weights[j, i]·x[b, i] for b &lt; <paramref name="batch"/>.</summary>
    public static void Forward<TIn, TOut>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> x, Span<float> z, int batch)
        where TIn : IDimension where TOut : IDimension
    {
        int inputs = TIn.Value, units = TOut.Value;
        Check(weights.Length == inputs * units && bias.Length == units
              && x.Length >= batch * inputs && z.Length >= batch * units);

        ref float w = ref MemoryMarshal.GetReference(weights);
        ref float br = ref MemoryMarshal.GetReference(bias);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float zr = ref MemoryMarshal.GetReference(z);
        // Batches whose unit count fills whole register blocks take the outer-product kernel over transposed weights;
        // otherwise the widest vector that fits the row picks the dot-product kernel. All compute the same sums.
        if (Vector512.IsHardwareAccelerated && PackedDense<TIn, TOut, Simd512, Vector512<float>>.Applies(batch))
            PackedDense<TIn, TOut, Simd512, Vector512<float>>.Forward(ref w, ref br, ref xr, ref zr, batch);
        else if (!Vector512.IsHardwareAccelerated && Vector256.IsHardwareAccelerated && PackedDense<TIn, TOut, Simd256, Vector256<float>>.Applies(batch))
            PackedDense<TIn, TOut, Simd256, Vector256<float>>.Forward(ref w, ref br, ref xr, ref zr, batch);
        else if (Vector512.IsHardwareAccelerated && inputs >= Vector512<float>.Count)
            BlockedDense<TIn, TOut, Simd512, Vector512<float>>.Forward(ref w, ref br, ref xr, ref zr, batch);
        else if (Vector256.IsHardwareAccelerated && inputs >= Vector256<float>.Count)
            BlockedDense<TIn, TOut, Simd256, Vector256<float>>.Forward(ref w, ref br, ref xr, ref zr, batch);
        else if (Vector128.IsHardwareAccelerated && inputs >= Vector128<float>.Count)
            BlockedDense<TIn, TOut, Simd128, Vector128<float>>.Forward(ref w, ref br, ref xr, ref zr, batch);
        else
        {
            // Rows shorter than a vector (or no SIMD at all): one dot product per output.
            for (int b = 0; b < batch; b++)
            {
                ref float row = ref Unsafe.Add(ref xr, (nint)b * inputs);
                for (int j = 0; j < units; j++)
                    Unsafe.Add(ref zr, (nint)b * units + j) = Unsafe.Add(ref br, j) + VectorOps.Dot<TIn>(ref Unsafe.Add(ref w, (nint)j * inputs), ref row);
            }
        }
    }

    /// <summary>
    /// transposedWeights[i, j] = weights[j, i]: the layout <see cref="Forward{TIn, TOut}(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, ReadOnlySpan{float})"/>
    /// reads, prepared once when a network is frozen instead of once per call.
    /// </summary>
    public static void PackWeights<TIn, TOut>(ReadOnlySpan<float> weights, Span<float> transposedWeights)
        where TIn : IDimension where TOut : IDimension
    {
        int inputs = TIn.Value, units = TOut.Value;
        Check(weights.Length == inputs * units && transposedWeights.Length == inputs * units);
        Transpose.Copy(ref MemoryMarshal.GetReference(weights), units, inputs, ref MemoryMarshal.GetReference(transposedWeights));
    }

    /// <summary>
    /// The same sums as <see cref="Forward{TIn, TOut}(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int)"/>,
    /// given also the weights transposed by <see cref="PackWeights{TIn, TOut}"/> (or an empty span when there are none):
    /// shapes the outer-product kernel handles then skip its per-call transpose.
    /// </summary>
    public static void Forward<TIn, TOut>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> x, Span<float> z, int batch, ReadOnlySpan<float> transposedWeights)
        where TIn : IDimension where TOut : IDimension
    {
        if (transposedWeights.IsEmpty)
        {
            Forward<TIn, TOut>(weights, bias, x, z, batch);
            return;
        }
        int inputs = TIn.Value, units = TOut.Value;
        Check(transposedWeights.Length == inputs * units && bias.Length == units
              && x.Length >= batch * inputs && z.Length >= batch * units);
        ref float wt = ref MemoryMarshal.GetReference(transposedWeights);
        ref float br = ref MemoryMarshal.GetReference(bias);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float zr = ref MemoryMarshal.GetReference(z);
        if (Vector512.IsHardwareAccelerated && PackedDense<TIn, TOut, Simd512, Vector512<float>>.AppliesPrepacked(batch))
            PackedDense<TIn, TOut, Simd512, Vector512<float>>.ForwardTransposed(ref wt, ref br, ref xr, ref zr, batch);
        else if (!Vector512.IsHardwareAccelerated && Vector256.IsHardwareAccelerated && PackedDense<TIn, TOut, Simd256, Vector256<float>>.AppliesPrepacked(batch))
            PackedDense<TIn, TOut, Simd256, Vector256<float>>.ForwardTransposed(ref wt, ref br, ref xr, ref zr, batch);
        else
            Forward<TIn, TOut>(weights, bias, x, z, batch);
    }

    /// <summary>
    /// dW[j, i] = Σ_b dz[b, j]·x[b, i] and db[j] = Σ_b dz[b, j]; both are overwritten (the gradient of a mean loss is
    /// already scaled into <paramref name="dz"/>).
    /// </summary>
    public static void WeightGradients<TIn, TOut>(ReadOnlySpan<float> dz, ReadOnlySpan<float> x,
        Span<float> weightGradients, Span<float> biasGradients, int batch)
        where TIn : IDimension where TOut : IDimension
    {
        int inputs = TIn.Value, units = TOut.Value;
        Check(weightGradients.Length == inputs * units && biasGradients.Length == units
              && x.Length >= batch * inputs && dz.Length >= batch * units);

        ref float dzr = ref MemoryMarshal.GetReference(dz);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float dw = ref MemoryMarshal.GetReference(weightGradients);
        if (Vector512.IsHardwareAccelerated && inputs >= Vector512<float>.Count)
            BlockedDense<TIn, TOut, Simd512, Vector512<float>>.WeightGradients(ref dzr, ref xr, ref dw, batch);
        else if (Vector256.IsHardwareAccelerated && inputs >= Vector256<float>.Count)
            BlockedDense<TIn, TOut, Simd256, Vector256<float>>.WeightGradients(ref dzr, ref xr, ref dw, batch);
        else if (Vector128.IsHardwareAccelerated && inputs >= Vector128<float>.Count)
            BlockedDense<TIn, TOut, Simd128, Vector128<float>>.WeightGradients(ref dzr, ref xr, ref dw, batch);
        else
        {
            // One weight row at a time, so it stays in L1 while the batch streams past.
            weightGradients.Clear();
            for (int j = 0; j < units; j++)
            {
                ref float dwRow = ref Unsafe.Add(ref dw, (nint)j * inputs);
                for (int b = 0; b < batch; b++)
                    VectorOps.Axpy<TIn>(dz[b * units + j], ref Unsafe.Add(ref xr, (nint)b * inputs), ref dwRow);
            }
        }

        biasGradients.Clear();
        for (int b = 0; b < batch; b++)
            TensorPrimitives.Add(biasGradients, dz.Slice(b * units, units), biasGradients);
    }

    /// <summary>dx[b, i] = Σ_j dz[b, j]·weights[j, i]; <paramref name="dx"/> is overwritten.</summary>
    public static void InputGradients<TIn, TOut>(ReadOnlySpan<float> dz, ReadOnlySpan<float> weights,
        Span<float> dx, int batch)
        where TIn : IDimension where TOut : IDimension
    {
        int inputs = TIn.Value, units = TOut.Value;
        Check(weights.Length == inputs * units && dz.Length >= batch * units && dx.Length >= batch * inputs);

        ref float dzr = ref MemoryMarshal.GetReference(dz);
        ref float w = ref MemoryMarshal.GetReference(weights);
        ref float dxr = ref MemoryMarshal.GetReference(dx);
        if (Vector512.IsHardwareAccelerated && inputs >= Vector512<float>.Count)
            BlockedDense<TIn, TOut, Simd512, Vector512<float>>.InputGradients(ref dzr, ref w, ref dxr, batch);
        else if (Vector256.IsHardwareAccelerated && inputs >= Vector256<float>.Count)
            BlockedDense<TIn, TOut, Simd256, Vector256<float>>.InputGradients(ref dzr, ref w, ref dxr, batch);
        else if (Vector128.IsHardwareAccelerated && inputs >= Vector128<float>.Count)
            BlockedDense<TIn, TOut, Simd128, Vector128<float>>.InputGradients(ref dzr, ref w, ref dxr, batch);
        else
        {
            dx.Slice(0, batch * inputs).Clear();
            for (int b = 0; b < batch; b++)
            {
                ref float dxRow = ref Unsafe.Add(ref dxr, (nint)b * inputs);
                for (int j = 0; j < units; j++)
                    VectorOps.Axpy<TIn>(dz[b * units + j], ref Unsafe.Add(ref w, (nint)j * inputs), ref dxRow);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Check(bool ok)
    {
        if (!ok) Throw();
        static void Throw() => throw new ArgumentException("A dense kernel was called with buffers that do not match the layer shape.");
    }
}
