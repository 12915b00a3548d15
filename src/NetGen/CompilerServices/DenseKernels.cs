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
/// <para>The overloads with <c>threads</c> split one product over that many threads of the <see cref="WorkerTeam"/>
/// (see <c>ParallelDense</c>). Every output element is still summed in the same order as on one
/// thread, so the result is bit-identical for any thread count.</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class DenseKernels
{
    /// <summary>z[b, j] = bias[j] + Σ_i weights[j, i]·x[b, i] for b &lt; <paramref name="batch"/>.</summary>
    public static void Forward<TIn, TOut>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> x, Span<float> z, int batch)
        where TIn : IDimension where TOut : IDimension =>
        Forward<TIn, TOut>(weights, bias, x, z, batch, default, 1);

    /// <summary>
    /// The same sums as <see cref="Forward{TIn, TOut}(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int)"/>,
    /// given also the weights transposed by <see cref="PackWeights{TIn, TOut}"/> (or an empty span when there are none):
    /// shapes the outer-product kernel handles then skip its per-call transpose.
    /// </summary>
    public static void Forward<TIn, TOut>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> x, Span<float> z, int batch, ReadOnlySpan<float> transposedWeights)
        where TIn : IDimension where TOut : IDimension =>
        Forward<TIn, TOut>(weights, bias, x, z, batch, transposedWeights, 1);

    /// <summary>
    /// <see cref="Forward{TIn, TOut}(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, ReadOnlySpan{float})"/>
    /// split over up to <paramref name="threads"/> threads when the product is large enough to pay for the hand-off.
    /// </summary>
    public static void Forward<TIn, TOut>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> x, Span<float> z, int batch, ReadOnlySpan<float> transposedWeights, int threads)
        where TIn : IDimension where TOut : IDimension =>
        Forward<TIn, TOut, IdentityOperator>(weights, bias, x, z, batch, transposedWeights, threads, default);

    /// <summary>
    /// a[b, j] = f(bias[j] + Σ_i weights[j, i]·x[b, i]): the product of
    /// <see cref="Forward{TIn, TOut}(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, ReadOnlySpan{float}, int)"/>
    /// with the element-wise <paramref name="activation"/> f fused in. The kernels apply it to each block of outputs before
    /// it is stored (the outer-product kernel to its accumulators in registers, the dot-product kernel to each block's rows
    /// while they are in L1), and, when the product is split, each thread to its own outputs: there is no second pass over
    /// <paramref name="z"/>. The values are the same as applying f afterwards, bit for bit.
    /// </summary>
    public static unsafe void Forward<TIn, TOut, TAct>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> x, Span<float> z, int batch, ReadOnlySpan<float> transposedWeights, int threads, TAct activation)
        where TIn : IDimension where TOut : IDimension where TAct : struct, IUnaryOperator
    {
        int inputs = TIn.Value, units = TOut.Value;
        Check(batch >= 0 && weights.Length == inputs * units && bias.Length == units && x.Length >= (long)batch * inputs && z.Length >= (long)batch * units
              && (transposedWeights.IsEmpty || transposedWeights.Length == inputs * units));

        ref float w = ref MemoryMarshal.GetReference(weights);
        ref float br = ref MemoryMarshal.GetReference(bias);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float zr = ref MemoryMarshal.GetReference(z);
        // Batches whose unit count fills whole register blocks take the outer-product kernel over transposed weights
        // (given, or made here once per call); otherwise the widest vector that fits the row picks the dot-product kernel.
        // All compute the same sums.
        bool transpose = transposedWeights.IsEmpty;
        bool packed = PackedApplies<TIn, TOut>(batch, prepacked: !transpose);
        bool parallel = threads > 1 && ParallelDense<TIn, TOut>.Pays(batch);
        if (packed)
        {
            // Wᵀ is given, or made here in this thread's buffer, once for the call; when a split by units has to make it,
            // each thread transposes its own rows of w into a buffer of its own instead, and none is needed here.
            bool eachThreadTransposes = transpose && parallel && ParallelDense<TIn, TOut>.SplitsByUnits;
            ReadOnlySpan<float> wt = !transpose ? transposedWeights : eachThreadTransposes ? default : PackedWeights.Rent(inputs * units);
            if (parallel)
                fixed (float* wp = weights, wtp = wt, bp = bias, xp = x, zp = z)
                    ParallelDense<TIn, TOut>.ForwardPacked(transpose ? wp : null, wtp, bp, xp, zp, batch, threads, activation);
            else
            {
                ref float wtr = ref MemoryMarshal.GetReference(wt);
                if (transpose) Transpose.Copy(ref w, units, inputs, ref wtr);
                ForwardPacked<TIn, TOut, TAct>(ref wtr, units, ref br, ref xr, ref zr, batch, 0, units, activation);
            }
        }
        else if (parallel)
            fixed (float* wp = weights, bp = bias, xp = x, zp = z)
                ParallelDense<TIn, TOut>.ForwardBlocked(wp, bp, xp, zp, batch, threads, activation);
        else
            ForwardBlocked<TIn, TOut, TAct>(ref w, ref br, ref xr, ref zr, batch, activation);
    }

    /// <summary>
    /// Rows [<paramref name="start"/>, <paramref name="end"/>) of <see cref="Forward{TIn, TOut}(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int)"/>'s
    /// result for a batch of <paramref name="batch"/> samples (<paramref name="x"/> and <paramref name="z"/> hold the whole
    /// batch), on the calling thread; see <see cref="ForwardRows{TIn, TOut, TAct}"/>.
    /// </summary>
    public static void ForwardRows<TIn, TOut>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> z,
        int batch, int start, int end)
        where TIn : IDimension where TOut : IDimension =>
        ForwardRows<TIn, TOut, IdentityOperator>(weights, bias, x, z, batch, start, end, default);

    /// <summary>
    /// Rows [<paramref name="start"/>, <paramref name="end"/>) of the activated forward product for a batch of
    /// <paramref name="batch"/> samples (<paramref name="x"/> and <paramref name="z"/> hold the whole batch), on the
    /// calling thread, for <see cref="RowSplit"/>. The kernel is the one a call over the whole batch takes, and the range
    /// starts at a multiple of <see cref="RowSplit.Grain"/> (and ends at one, or at the batch's end), so these rows come
    /// out bit for bit as in that call. The packed kernel's transposed weights are made in this thread's buffer.
    /// </summary>
    public static void ForwardRows<TIn, TOut, TAct>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> z,
        int batch, int start, int end, TAct activation)
        where TIn : IDimension where TOut : IDimension where TAct : struct, IUnaryOperator
    {
        int inputs = TIn.Value, units = TOut.Value;
        Check(weights.Length == inputs * units && bias.Length == units && x.Length >= (long)batch * inputs && z.Length >= (long)batch * units
              && IsRowRange(batch, start, end));
        ref float w = ref MemoryMarshal.GetReference(weights);
        ref float br = ref MemoryMarshal.GetReference(bias);
        ref float xr = ref Unsafe.Add(ref MemoryMarshal.GetReference(x), (nint)start * inputs);
        ref float zr = ref Unsafe.Add(ref MemoryMarshal.GetReference(z), (nint)start * units);
        if (PackedApplies<TIn, TOut>(batch, prepacked: false))
        {
            ref float wt = ref MemoryMarshal.GetReference(PackedWeights.Rent(inputs * units));
            Transpose.Copy(ref w, units, inputs, ref wt);
            ForwardPacked<TIn, TOut, TAct>(ref wt, units, ref br, ref xr, ref zr, end - start, 0, units, activation);
        }
        else
            ForwardBlocked<TIn, TOut, TAct>(ref w, ref br, ref xr, ref zr, end - start, activation);
    }

    /// <summary>Whether [start, end) is a range <see cref="RowSplit"/> hands out for a batch of <paramref name="batch"/>.</summary>
    private static bool IsRowRange(int batch, int start, int end) =>
        0 <= start && start <= end && end <= batch && start % RowSplit.Grain == 0 && (end == batch || end % RowSplit.Grain == 0);

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
        where TIn : IDimension where TOut : IDimension =>
        WeightGradients<TIn, TOut>(dz, x, weightGradients, biasGradients, batch, 1);

    /// <summary>
    /// <see cref="WeightGradients{TIn, TOut}(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int)"/>
    /// split by units over up to <paramref name="threads"/> threads when the product is large enough to pay for it.
    /// </summary>
    public static unsafe void WeightGradients<TIn, TOut>(ReadOnlySpan<float> dz, ReadOnlySpan<float> x,
        Span<float> weightGradients, Span<float> biasGradients, int batch, int threads)
        where TIn : IDimension where TOut : IDimension
    {
        int units = TOut.Value;
        Check(FitWeightGradients<TIn, TOut>(dz, x, weightGradients, biasGradients, batch));

        if (threads > 1 && ParallelDense<TIn, TOut>.Pays(batch))
            fixed (float* dzp = dz, xp = x, dwp = weightGradients, dbp = biasGradients)
                ParallelDense<TIn, TOut>.WeightGradients(dzp, xp, dwp, dbp, batch, threads);
        else
        {
            WeightAndBiasGradientRange<TIn, TOut>(ref MemoryMarshal.GetReference(dz), ref MemoryMarshal.GetReference(x),
                ref MemoryMarshal.GetReference(weightGradients), ref MemoryMarshal.GetReference(biasGradients), batch, 0, units);
        }
    }

    /// <summary>
    /// Rows <paramref name="unitStart"/> ≤ j &lt; <paramref name="unitEnd"/> of dW = dzᵀ·x and the same elements of
    /// db = Σ_b dz (the spans hold the whole layer's); the other rows are not touched. Ranges that start at multiples of
    /// <see cref="WeightGradientGrain"/> and end at one or at the layer's last unit give every element the bits a call
    /// over all units gives.
    /// </summary>
    public static void WeightGradientsRange<TIn, TOut>(ReadOnlySpan<float> dz, ReadOnlySpan<float> x,
        Span<float> weightGradients, Span<float> biasGradients, int batch, int unitStart, int unitEnd)
        where TIn : IDimension where TOut : IDimension
    {
        Check(FitWeightGradients<TIn, TOut>(dz, x, weightGradients, biasGradients, batch)
              && unitStart >= 0 && unitStart <= unitEnd && unitEnd <= TOut.Value);
        if (unitEnd > unitStart)
            WeightAndBiasGradientRange<TIn, TOut>(ref MemoryMarshal.GetReference(dz), ref MemoryMarshal.GetReference(x),
                ref MemoryMarshal.GetReference(weightGradients), ref MemoryMarshal.GetReference(biasGradients), batch, unitStart, unitEnd);
    }

    /// <summary>Whether the buffers of a weight-gradient call fit the layer shape and the batch.</summary>
    private static bool FitWeightGradients<TIn, TOut>(ReadOnlySpan<float> dz, ReadOnlySpan<float> x,
        Span<float> weightGradients, Span<float> biasGradients, int batch)
        where TIn : IDimension where TOut : IDimension =>
        batch >= 0 && weightGradients.Length == TIn.Value * TOut.Value && biasGradients.Length == TOut.Value
        && x.Length >= (long)batch * TIn.Value && dz.Length >= (long)batch * TOut.Value;

    /// <summary>The block of units the weight-gradient kernel computes together; split ranges start at multiples of it.</summary>
    public const int WeightGradientGrain = 4;

    /// <summary>
    /// The part of a weight-gradient job (see <see cref="WeightGradientShare"/>) that computes other work
    /// <paramref name="tail"/>: the last part the first, the one before it the second, and so on round.
    /// </summary>
    public static int WeightGradientTailPart(int tail, int parts)
    {
        if (parts < 1 || tail < 0)
            throw new ArgumentOutOfRangeException(nameof(tail), $"Tail {tail} of a weight-gradient job in {parts} parts does not exist.");
        return parts - 1 - tail % parts;
    }

    /// <summary>
    /// Part <paramref name="part"/> of <paramref name="parts"/> of a weight-gradient job over one layer's
    /// <paramref name="units"/> units and other work (the smaller layers' weight gradients), whose sizes in units of this
    /// layer's work <paramref name="tailUnits"/> lists, largest first; part <see cref="WeightGradientTailPart"/>(t)
    /// does tail t. Returns the layer's units [Start, End) this part computes: consecutive ranges, each starting at a
    /// multiple of <see cref="WeightGradientGrain"/>, sized so that with its tails each part has about the same work.
    /// </summary>
    public static (int Start, int End) WeightGradientShare(int part, int parts, int units, ReadOnlySpan<double> tailUnits)
    {
        if (parts < 1 || part < 0 || part >= parts || units < 0)
            throw new ArgumentOutOfRangeException(nameof(part), $"Part {part} of {parts} of a weight-gradient job over {units} units does not exist.");
        double total = units;
        foreach (double tail in tailUnits)
        {
            if (!(tail >= 0) || double.IsInfinity(tail))
                throw new ArgumentOutOfRangeException(nameof(tailUnits), $"A weight-gradient job's tail of {tail} units is not a size.");
            total += tail;
        }
        return (ShareBoundary(part, parts, units, total, tailUnits),
            part == parts - 1 ? units : ShareBoundary(part + 1, parts, units, total, tailUnits));
    }

    /// <summary>
    /// Where part <paramref name="part"/>'s units start: the units every part before it takes (its share of the whole
    /// job, <paramref name="total"/> / parts, less its tails), rounded to the grain; a part whose tails exceed its share
    /// takes no units.
    /// </summary>
    private static int ShareBoundary(int part, int parts, int units, double total, ReadOnlySpan<double> tailUnits)
    {
        double before = 0, boundary = 0;
        for (int i = 0; i < part; i++)
        {
            before += total / parts;
            for (int t = 0; t < tailUnits.Length; t++)
                if (WeightGradientTailPart(t, parts) == i) before -= tailUnits[t];
            boundary = Math.Max(boundary, before);
        }
        return (int)Math.Min(units, Math.Round(boundary / WeightGradientGrain) * WeightGradientGrain);
    }

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
        InputGradients<TIn, TOut>(dz, weights, dx, batch, 1);

    /// <summary>
    /// <see cref="InputGradients{TIn, TOut}(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int)"/> split by
    /// samples over up to <paramref name="threads"/> threads when the product is large enough to pay for it.
    /// </summary>
    public static void InputGradients<TIn, TOut>(ReadOnlySpan<float> dz, ReadOnlySpan<float> weights,
        Span<float> dx, int batch, int threads)
        where TIn : IDimension where TOut : IDimension =>
        InputGradients<TIn, TOut, IdentityGradient>(dz, weights, dx, batch, threads, dx, default);

    /// <summary>
    /// dz_below[b, i] = g(a[b, i], Σ_j dz[b, j]·weights[j, i]): the input gradient with the backward step of the layer
    /// below's activation fused in (g = <paramref name="derivative"/>, given that layer's outputs
    /// <paramref name="activations"/>, laid out like <paramref name="dx"/>), so <paramref name="dx"/> comes out as the layer
    /// below's dz. The kernel applies g to each block as it stores it, and, when the product is split, each thread to its
    /// own samples: there is no second pass over <paramref name="dx"/>. The values are the same as applying g afterwards,
    /// bit for bit.
    /// </summary>
    public static unsafe void InputGradients<TIn, TOut, TGrad>(ReadOnlySpan<float> dz, ReadOnlySpan<float> weights,
        Span<float> dx, int batch, int threads, ReadOnlySpan<float> activations, TGrad derivative)
        where TIn : IDimension where TOut : IDimension where TGrad : struct, IGradientOperator
    {
        int inputs = TIn.Value, units = TOut.Value;
        Check(batch >= 0 && weights.Length == inputs * units && dz.Length >= (long)batch * units && dx.Length >= (long)batch * inputs
              && activations.Length >= (long)batch * inputs);

        if (threads > 1 && ParallelDense<TIn, TOut>.Pays(batch))
            fixed (float* dzp = dz, wp = weights, dxp = dx, ap = activations)
                ParallelDense<TIn, TOut>.InputGradients(dzp, wp, dxp, ap, batch, threads, derivative);
        else
            InputGradientRows<TIn, TOut, TGrad>(ref MemoryMarshal.GetReference(dz), ref MemoryMarshal.GetReference(weights),
                ref MemoryMarshal.GetReference(dx), batch, ref MemoryMarshal.GetReference(activations), derivative);
    }

    /// <summary>
    /// Rows [<paramref name="start"/>, <paramref name="end"/>) of <see cref="InputGradients{TIn, TOut}(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int)"/>
    /// for a batch of <paramref name="batch"/> samples, on the calling thread; see <see cref="InputGradientsRows{TIn, TOut, TGrad}"/>.
    /// </summary>
    public static void InputGradientsRows<TIn, TOut>(ReadOnlySpan<float> dz, ReadOnlySpan<float> weights, Span<float> dx, int batch, int start, int end)
        where TIn : IDimension where TOut : IDimension =>
        InputGradientsRows<TIn, TOut, IdentityGradient>(dz, weights, dx, batch, start, end, dx, default);

    /// <summary>
    /// Rows [<paramref name="start"/>, <paramref name="end"/>) of <see cref="InputGradients{TIn, TOut, TGrad}"/> for a
    /// batch of <paramref name="batch"/> samples (every span but the weights holds the whole batch), on the calling thread,
    /// for <see cref="RowSplit"/>: the same values, bit for bit, as those rows of a call over the whole batch.
    /// </summary>
    public static void InputGradientsRows<TIn, TOut, TGrad>(ReadOnlySpan<float> dz, ReadOnlySpan<float> weights, Span<float> dx,
        int batch, int start, int end, ReadOnlySpan<float> activations, TGrad derivative)
        where TIn : IDimension where TOut : IDimension where TGrad : struct, IGradientOperator
    {
        int inputs = TIn.Value, units = TOut.Value;
        Check(weights.Length == inputs * units && dz.Length >= (long)batch * units && dx.Length >= (long)batch * inputs
              && activations.Length >= (long)batch * inputs && IsRowRange(batch, start, end));
        InputGradientRows<TIn, TOut, TGrad>(ref Unsafe.Add(ref MemoryMarshal.GetReference(dz), (nint)start * units), ref MemoryMarshal.GetReference(weights),
            ref Unsafe.Add(ref MemoryMarshal.GetReference(dx), (nint)start * inputs), end - start,
            ref Unsafe.Add(ref MemoryMarshal.GetReference(activations), (nint)start * inputs), derivative);
    }

    /// <summary>
    /// A hidden layer's backward products in one call: <see cref="WeightGradients{TIn, TOut}(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int, int)"/>
    /// then <see cref="InputGradients{TIn, TOut}(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int)"/>.
    /// With several threads and products of middling size, the two run side by side, one per thread, instead of each
    /// being split in turn; the results are the same bit for bit.
    /// </summary>
    public static void Gradients<TIn, TOut>(ReadOnlySpan<float> dz, ReadOnlySpan<float> x, Span<float> weightGradients, Span<float> biasGradients,
        ReadOnlySpan<float> weights, Span<float> dx, int batch, int threads)
        where TIn : IDimension where TOut : IDimension =>
        Gradients<TIn, TOut, IdentityGradient>(dz, x, weightGradients, biasGradients, weights, dx, batch, threads, dx, default);

    /// <summary>
    /// <see cref="Gradients{TIn, TOut}"/> with the layer below's activation derivative applied by the input gradient
    /// (see <see cref="InputGradients{TIn, TOut, TGrad}"/>): <paramref name="dx"/> comes out as the layer below's dz.
    /// </summary>
    public static unsafe void Gradients<TIn, TOut, TGrad>(ReadOnlySpan<float> dz, ReadOnlySpan<float> x, Span<float> weightGradients, Span<float> biasGradients,
        ReadOnlySpan<float> weights, Span<float> dx, int batch, int threads, ReadOnlySpan<float> activations, TGrad derivative)
        where TIn : IDimension where TOut : IDimension where TGrad : struct, IGradientOperator
    {
        if (threads < 2 || !ParallelDense<TIn, TOut>.PaysSideBySide(batch))
        {
            WeightGradients<TIn, TOut>(dz, x, weightGradients, biasGradients, batch, threads);
            InputGradients<TIn, TOut, TGrad>(dz, weights, dx, batch, threads, activations, derivative);
            return;
        }
        int inputs = TIn.Value, units = TOut.Value;
        Check(FitWeightGradients<TIn, TOut>(dz, x, weightGradients, biasGradients, batch)
              && weights.Length == inputs * units && dx.Length >= (long)batch * inputs && activations.Length >= (long)batch * inputs);
        // The serial order allows dx to reuse x's or dz's memory (the weight gradient has finished reading them); side by
        // side the two products would race.
        if (dx.Overlaps(x) || dx.Overlaps(dz) || dx.Overlaps(weights) || dx.Overlaps(weightGradients) || dx.Overlaps(biasGradients)
            || weightGradients.Overlaps(weights) || weightGradients.Overlaps(activations) || biasGradients.Overlaps(weights) || biasGradients.Overlaps(activations))
            ThrowOverlap();
        fixed (float* dzp = dz, xp = x, dwp = weightGradients, dbp = biasGradients, wp = weights, dxp = dx, ap = activations)
            ParallelDense<TIn, TOut>.GradientsSideBySide(dzp, xp, dwp, dbp, wp, dxp, ap, batch, derivative);
    }

    /// <summary>Starts the worker threads a split over <paramref name="threads"/> threads needs, so no training step has to.</summary>
    public static void ReserveThreads(int threads) => WorkerTeam.Reserve(threads);

    // The serial kernels below pick the vector width; ParallelDense calls them on ranges of units or samples.

    internal static bool PackedApplies<TIn, TOut>(int batch, bool prepacked) where TIn : IDimension where TOut : IDimension =>
        Vector512.IsHardwareAccelerated
            ? PackedDense<TIn, TOut, Simd512, Vector512<float>>.Applies(batch, prepacked)
            : Vector256.IsHardwareAccelerated && PackedDense<TIn, TOut, Simd256, Vector256<float>>.Applies(batch, prepacked);

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
    private static void Check(bool ok)
    {
        if (!ok) Throw();
        static void Throw() => throw new ArgumentException("A dense kernel was called with buffers that do not match the layer shape.");
    }

    private static void ThrowOverlap() =>
        throw new ArgumentException("Gradients: dx shares memory with x, dz, the weights or the weight or bias gradients, or the weight or bias gradients share memory with the weights or the activations; the two products run at the same time, so each output needs memory that the other product does not read or write.");
}
