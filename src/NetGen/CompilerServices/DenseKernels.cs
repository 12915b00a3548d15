using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.CompilerServices;

/// <summary>
/// The three matrix products of a dense layer with <c>TIn</c> inputs and <c>TOut</c>
/// units over a row-major batch, with the weights in PyTorch's [units × inputs] row-major layout. Generated code
/// calls these with its own size structs, so every instantiation is compiled for one layer shape.
/// </summary>
/// <remarks>
/// <para>Called only by generated code, which has already checked every length; the checks here are a last line of
/// defence against a generator bug and cost one comparison per call.</para>
/// <para>These run on the calling thread. Training splits products over threads through <see cref="ExecutionPlan"/>,
/// which calls the range kernels below; every output element is summed in the same order whatever range computes it.</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class DenseKernels
{
    /// <summary>z[b, j] = bias[j] + Σ_i weights[j, i]·x[b, i] for b &lt; <paramref name="batch"/>.</summary>
    public static void Forward<TIn, TOut>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> x, Span<float> z, int batch)
        where TIn : IDimension where TOut : IDimension =>
        Forward<TIn, TOut, IdentityOperator>(weights, bias, x, z, batch, default, default);

    /// <summary>
    /// The same sums as <see cref="Forward{TIn, TOut}(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int)"/>,
    /// given also the weights transposed by <see cref="PackWeights{TIn, TOut}"/> (or an empty span when there are none):
    /// shapes the outer-product kernel handles then skip its per-call transpose.
    /// </summary>
    public static void Forward<TIn, TOut>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> x, Span<float> z, int batch, ReadOnlySpan<float> transposedWeights)
        where TIn : IDimension where TOut : IDimension =>
        Forward<TIn, TOut, IdentityOperator>(weights, bias, x, z, batch, transposedWeights, default);

    /// <summary>
    /// a[b, j] = f(bias[j] + Σ_i weights[j, i]·x[b, i]): the product of
    /// <see cref="Forward{TIn, TOut}(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, ReadOnlySpan{float})"/>
    /// with the element-wise <paramref name="activation"/> f fused in. The kernels apply it to each block of outputs before
    /// it is stored (the outer-product kernel to its accumulators in registers, the dot-product kernel to each block's rows
    /// while they are in L1): there is no second pass over <paramref name="z"/>. The values are the same as applying f
    /// afterwards, bit for bit.
    /// </summary>
    public static void Forward<TIn, TOut, TAct>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> x, Span<float> z, int batch, ReadOnlySpan<float> transposedWeights, TAct activation)
        where TIn : IDimension where TOut : IDimension where TAct : struct, IUnaryOperator
    {
        int inputs = TIn.Value, units = TOut.Value;
        Check(FitForward<TIn, TOut>(weights, bias, x, z, batch, transposedWeights));
        ref float w = ref MemoryMarshal.GetReference(weights);
        ref float br = ref MemoryMarshal.GetReference(bias);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float zr = ref MemoryMarshal.GetReference(z);
        // Live weights and a batch small against the layer take the samples-in-lanes kernel (it transposes the batch, not
        // the weights); batches whose unit count fills whole register blocks take the outer-product kernel over
        // transposed weights (given, or made here once per call); otherwise the widest vector that fits the row picks the
        // dot-product kernel. The first two compute the same sums bit for bit.
        bool transpose = transposedWeights.IsEmpty;
        if (transpose && SampleLanesApply<TIn, TOut>(batch))
            ForwardSampleLanes<TIn, TOut, TAct>(ref w, ref br, ref xr, ref zr, batch, 0, units, ref MemoryMarshal.GetReference(SampleLanesScratch.Rent(SampleLanesScratchLength<TIn, TOut>(batch, units))), activation);
        else if (PackedApplies<TIn, TOut>(batch, prepacked: !transpose))
        {
            ReadOnlySpan<float> wt = transpose ? PackedWeights.Rent(inputs * units) : transposedWeights;
            ref float wtr = ref MemoryMarshal.GetReference(wt);
            if (transpose) Transpose.Copy(ref w, units, inputs, ref wtr);
            ForwardPacked<TIn, TOut, TAct>(ref wtr, units, ref br, ref xr, ref zr, batch, 0, units, activation);
        }
        else
            ForwardBlocked<TIn, TOut, TAct>(ref w, ref br, ref xr, ref zr, batch, activation);
    }

    /// <summary>Whether the buffers of a forward call fit the layer shape and the batch.</summary>
    internal static bool FitForward<TIn, TOut>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> z,
        int batch, ReadOnlySpan<float> transposedWeights)
        where TIn : IDimension where TOut : IDimension =>
        batch >= 0 && weights.Length == TIn.Value * TOut.Value && bias.Length == TOut.Value && x.Length >= (long)batch * TIn.Value
        && z.Length >= (long)batch * TOut.Value && (transposedWeights.IsEmpty || transposedWeights.Length == TIn.Value * TOut.Value);

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
    /// dW[j, i] = Σ_b dz[b, j]·x[b, i] and db[j] = Σ_b dz[b, j]; both are overwritten (the gradient of a mean loss is
    /// already scaled into <paramref name="dz"/>).
    /// </summary>
    public static void WeightGradients<TIn, TOut>(ReadOnlySpan<float> dz, ReadOnlySpan<float> x,
        Span<float> weightGradients, Span<float> biasGradients, int batch)
        where TIn : IDimension where TOut : IDimension
    {
        Check(FitWeightGradients<TIn, TOut>(dz, x, weightGradients, biasGradients, batch));
        WeightAndBiasGradientRange<TIn, TOut>(ref MemoryMarshal.GetReference(dz), ref MemoryMarshal.GetReference(x),
            ref MemoryMarshal.GetReference(weightGradients), ref MemoryMarshal.GetReference(biasGradients), batch, 0, TOut.Value);
    }

    /// <summary>Whether the buffers of a weight-gradient call fit the layer shape and the batch.</summary>
    internal static bool FitWeightGradients<TIn, TOut>(ReadOnlySpan<float> dz, ReadOnlySpan<float> x,
        Span<float> weightGradients, Span<float> biasGradients, int batch)
        where TIn : IDimension where TOut : IDimension =>
        batch >= 0 && weightGradients.Length == TIn.Value * TOut.Value && biasGradients.Length == TOut.Value
        && x.Length >= (long)batch * TIn.Value && dz.Length >= (long)batch * TOut.Value;

    /// <summary>The block of units the weight-gradient kernel computes together; split ranges start at multiples of it.</summary>
    public const int WeightGradientGrain = 4;

    /// <summary>Rows <paramref name="unitStart"/> ≤ j &lt; <paramref name="unitEnd"/> of dW = dzᵀ·x and the same elements of db = Σ_b dz.</summary>
    internal static void WeightAndBiasGradientRange<TIn, TOut>(ref float dz, ref float x, ref float dw, ref float db, int batch, int unitStart, int unitEnd)
        where TIn : IDimension where TOut : IDimension
    {
        WeightGradientRange<TIn, TOut>(ref dz, ref x, ref dw, batch, unitStart, unitEnd);
        BiasGradientRange<TOut>(ref dz, ref db, batch, unitStart, unitEnd);
    }

    /// <summary>db[j] = Σ_b dz[b, j] for <paramref name="unitStart"/> ≤ j &lt; <paramref name="unitEnd"/>, each summed over the batch in order.</summary>
    private static void BiasGradientRange<TOut>(ref float dz, ref float db, int batch, int unitStart, int unitEnd) where TOut : IDimension
    {
        int units = TOut.Value, count = unitEnd - unitStart;
        Span<float> sums = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref db, unitStart), count);
        sums.Clear();
        for (int b = 0; b < batch; b++)
            TensorPrimitives.Add(sums, MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref dz, (nint)b * units + unitStart), count), sums);
    }

    /// <summary>dx[b, i] = Σ_j dz[b, j]·weights[j, i]; <paramref name="dx"/> is overwritten.</summary>
    public static void InputGradients<TIn, TOut>(ReadOnlySpan<float> dz, ReadOnlySpan<float> weights,
        Span<float> dx, int batch)
        where TIn : IDimension where TOut : IDimension =>
        InputGradients<TIn, TOut, IdentityGradient>(dz, weights, dx, batch, dx, default);

    /// <summary>
    /// dz_below[b, i] = g(a[b, i], Σ_j dz[b, j]·weights[j, i]): the input gradient with the backward step of the layer
    /// below's activation fused in (g = <paramref name="derivative"/>, given that layer's outputs
    /// <paramref name="activations"/>, laid out like <paramref name="dx"/>), so <paramref name="dx"/> comes out as the layer
    /// below's dz. The kernel applies g to each block as it stores it: there is no second pass over <paramref name="dx"/>.
    /// The values are the same as applying g afterwards, bit for bit.
    /// </summary>
    public static void InputGradients<TIn, TOut, TGrad>(ReadOnlySpan<float> dz, ReadOnlySpan<float> weights,
        Span<float> dx, int batch, ReadOnlySpan<float> activations, TGrad derivative)
        where TIn : IDimension where TOut : IDimension where TGrad : struct, IGradientOperator
    {
        Check(FitInputGradients<TIn, TOut>(dz, weights, dx, batch, activations));
        InputGradientRows<TIn, TOut, TGrad>(ref MemoryMarshal.GetReference(dz), ref MemoryMarshal.GetReference(weights),
            ref MemoryMarshal.GetReference(dx), batch, ref MemoryMarshal.GetReference(activations), derivative);
    }

    /// <summary>Whether the buffers of an input-gradient call fit the layer shape and the batch.</summary>
    internal static bool FitInputGradients<TIn, TOut>(ReadOnlySpan<float> dz, ReadOnlySpan<float> weights, Span<float> dx, int batch,
        ReadOnlySpan<float> activations)
        where TIn : IDimension where TOut : IDimension =>
        batch >= 0 && weights.Length == TIn.Value * TOut.Value && dz.Length >= (long)batch * TOut.Value && dx.Length >= (long)batch * TIn.Value
        && activations.Length >= (long)batch * TIn.Value;

    // The serial kernels below pick the vector width; DenseSplit calls them on ranges of units or samples.

    internal static bool PackedApplies<TIn, TOut>(int batch, bool prepacked) where TIn : IDimension where TOut : IDimension =>
        Vector512.IsHardwareAccelerated
            ? PackedDense<TIn, TOut, Simd512, Vector512<float>>.Applies(batch, prepacked)
            : Vector256.IsHardwareAccelerated && PackedDense<TIn, TOut, Simd256, Vector256<float>>.Applies(batch, prepacked);

    /// <summary>Whether a live network's forward product over <paramref name="batch"/> samples takes the samples-in-lanes kernel (see <see cref="Tuning.SampleLanesPay"/>).</summary>
    internal static bool SampleLanesApply<TIn, TOut>(int batch) where TIn : IDimension where TOut : IDimension =>
        Vector256.IsHardwareAccelerated && Tuning.SampleLanesPay(batch, TIn.Value, TOut.Value, SampleLanesGrain);

    /// <summary>
    /// The samples-in-lanes kernel's vector width in floats; sample ranges split over threads are whole vectors of it, so
    /// no part pads more than the last.
    /// </summary>
    internal static int SampleLanesGrain => Vector512.IsHardwareAccelerated ? Vector512<float>.Count : Vector256<float>.Count;

    internal static int SampleLanesScratchLength<TIn, TOut>(int batch, int units) where TIn : IDimension where TOut : IDimension =>
        Vector512.IsHardwareAccelerated
            ? SampleLanesDense<TIn, TOut, Simd512, Vector512<float>>.ScratchLength(batch, units)
            : SampleLanesDense<TIn, TOut, Simd256, Vector256<float>>.ScratchLength(batch, units);

    /// <summary>Units [<paramref name="unitStart"/>, <paramref name="unitEnd"/>) through the samples-in-lanes kernel, with <see cref="SampleLanesScratchLength{TIn, TOut}"/> floats of <paramref name="scratch"/>.</summary>
    internal static void ForwardSampleLanes<TIn, TOut, TAct>(ref float w, ref float bias, ref float x, ref float z, int batch, int unitStart, int unitEnd, ref float scratch, TAct activation)
        where TIn : IDimension where TOut : IDimension where TAct : struct, IUnaryOperator
    {
        if (Vector512.IsHardwareAccelerated)
            SampleLanesDense<TIn, TOut, Simd512, Vector512<float>>.Forward(ref w, ref bias, ref x, ref z, batch, unitStart, unitEnd, ref scratch, activation);
        else
            SampleLanesDense<TIn, TOut, Simd256, Vector256<float>>.Forward(ref w, ref bias, ref x, ref z, batch, unitStart, unitEnd, ref scratch, activation);
    }

    /// <summary>The packed kernel's block of units (its split granularity); only meaningful where it applies.</summary>
    internal static int PackedUnitBlock<TIn, TOut>() where TIn : IDimension where TOut : IDimension =>
        Vector512.IsHardwareAccelerated ? PackedDense<TIn, TOut, Simd512, Vector512<float>>.UnitBlock : PackedDense<TIn, TOut, Simd256, Vector256<float>>.UnitBlock;

    /// <summary>Units [<paramref name="unitStart"/>, <paramref name="unitEnd"/>) through the packed kernel; <paramref name="wt"/> points at unitStart's column of rows <paramref name="wtStride"/> apart.</summary>
    internal static void ForwardPacked<TIn, TOut, TAct>(ref float wt, int wtStride, ref float bias, ref float x, ref float z, int batch, int unitStart, int unitEnd, TAct activation)
        where TIn : IDimension where TOut : IDimension where TAct : struct, IUnaryOperator
    {
        if (Vector512.IsHardwareAccelerated)
            PackedDense<TIn, TOut, Simd512, Vector512<float>>.ForwardTransposed(ref wt, (nuint)wtStride, ref bias, ref x, ref z, batch, unitStart, unitEnd, activation);
        else
            PackedDense<TIn, TOut, Simd256, Vector256<float>>.ForwardTransposed(ref wt, (nuint)wtStride, ref bias, ref x, ref z, batch, unitStart, unitEnd, activation);
    }

    internal static void ForwardBlocked<TIn, TOut, TAct>(ref float w, ref float br, ref float xr, ref float zr, int batch, TAct activation)
        where TIn : IDimension where TOut : IDimension where TAct : struct, IUnaryOperator
    {
        int inputs = TIn.Value, units = TOut.Value;
        if (Vector512.IsHardwareAccelerated && inputs >= Vector512<float>.Count)
            BlockedDense<TIn, TOut, Simd512, Vector512<float>>.Forward(ref w, ref br, ref xr, ref zr, batch, activation);
        else if (Vector256.IsHardwareAccelerated && inputs >= Vector256<float>.Count)
            BlockedDense<TIn, TOut, Simd256, Vector256<float>>.Forward(ref w, ref br, ref xr, ref zr, batch, activation);
        else if (Vector128.IsHardwareAccelerated && inputs >= Vector128<float>.Count)
            BlockedDense<TIn, TOut, Simd128, Vector128<float>>.Forward(ref w, ref br, ref xr, ref zr, batch, activation);
        else
        {
            // Rows shorter than a vector (or no SIMD at all): one dot product per output, the activation per row.
            for (int b = 0; b < batch; b++)
            {
                ref float row = ref Unsafe.Add(ref xr, (nint)b * inputs);
                ref float zb = ref Unsafe.Add(ref zr, (nint)b * units);
                for (int j = 0; j < units; j++)
                    Unsafe.Add(ref zb, j) = Unsafe.Add(ref br, j) + VectorOps.Dot<TIn>(ref Unsafe.Add(ref w, (nint)j * inputs), ref row);
                ActivationKernels.Map(MemoryMarshal.CreateSpan(ref zb, units), activation);
            }
        }
    }

    /// <summary>Rows <paramref name="unitStart"/> ≤ j &lt; <paramref name="unitEnd"/> of dW.</summary>
    private static void WeightGradientRange<TIn, TOut>(ref float dzr, ref float xr, ref float dw, int batch, int unitStart, int unitEnd)
        where TIn : IDimension where TOut : IDimension
    {
        int inputs = TIn.Value, units = TOut.Value;
        if (Vector512.IsHardwareAccelerated && inputs >= Vector512<float>.Count)
            BlockedDense<TIn, TOut, Simd512, Vector512<float>>.WeightGradients(ref dzr, ref xr, ref dw, batch, unitStart, unitEnd);
        else if (Vector256.IsHardwareAccelerated && inputs >= Vector256<float>.Count)
            BlockedDense<TIn, TOut, Simd256, Vector256<float>>.WeightGradients(ref dzr, ref xr, ref dw, batch, unitStart, unitEnd);
        else if (Vector128.IsHardwareAccelerated && inputs >= Vector128<float>.Count)
            BlockedDense<TIn, TOut, Simd128, Vector128<float>>.WeightGradients(ref dzr, ref xr, ref dw, batch, unitStart, unitEnd);
        else
        {
            // One weight row at a time, so it stays in L1 while the batch streams past.
            for (int j = unitStart; j < unitEnd; j++)
            {
                ref float dwRow = ref Unsafe.Add(ref dw, (nint)j * inputs);
                MemoryMarshal.CreateSpan(ref dwRow, inputs).Clear();
                for (int b = 0; b < batch; b++)
                    VectorOps.Axpy<TIn>(Unsafe.Add(ref dzr, (nint)b * units + j), ref Unsafe.Add(ref xr, (nint)b * inputs), ref dwRow);
            }
        }
    }

    internal static void InputGradientRows<TIn, TOut, TGrad>(ref float dzr, ref float w, ref float dxr, int batch, ref float a, TGrad derivative)
        where TIn : IDimension where TOut : IDimension where TGrad : struct, IGradientOperator
    {
        int inputs = TIn.Value, units = TOut.Value;
        if (Vector512.IsHardwareAccelerated && inputs >= Vector512<float>.Count)
            BlockedDense<TIn, TOut, Simd512, Vector512<float>>.InputGradients(ref dzr, ref w, ref dxr, batch, ref a, derivative);
        else if (Vector256.IsHardwareAccelerated && inputs >= Vector256<float>.Count)
            BlockedDense<TIn, TOut, Simd256, Vector256<float>>.InputGradients(ref dzr, ref w, ref dxr, batch, ref a, derivative);
        else if (Vector128.IsHardwareAccelerated && inputs >= Vector128<float>.Count)
            BlockedDense<TIn, TOut, Simd128, Vector128<float>>.InputGradients(ref dzr, ref w, ref dxr, batch, ref a, derivative);
        else
        {
            MemoryMarshal.CreateSpan(ref dxr, batch * inputs).Clear();
            for (int b = 0; b < batch; b++)
            {
                ref float dxRow = ref Unsafe.Add(ref dxr, (nint)b * inputs);
                for (int j = 0; j < units; j++)
                    VectorOps.Axpy<TIn>(Unsafe.Add(ref dzr, (nint)b * units + j), ref Unsafe.Add(ref w, (nint)j * inputs), ref dxRow);
            }
            if (typeof(TGrad) != typeof(IdentityGradient))
                ActivationKernels.Map(MemoryMarshal.CreateReadOnlySpan(ref a, batch * inputs), MemoryMarshal.CreateSpan(ref dxr, batch * inputs), derivative);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Check(bool ok)
    {
        if (!ok) Throw();
        static void Throw() => throw new ArgumentException("A dense kernel was called with buffers that do not match the layer shape.");
    }

    internal static void ThrowOverlap() =>
        throw new ArgumentException("DenseGradients: dx shares memory with x, dz, the weights or the weight or bias gradients, or the weight or bias gradients share memory with the weights or the activations; the two products run at the same time, so each output needs memory that the other product does not read or write.");
}
