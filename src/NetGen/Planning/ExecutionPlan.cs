using System.ComponentModel;

namespace NetGen.CompilerServices;

/// <summary>
/// How a generated network's passes run. Generated code says what to compute, layer by layer with the shapes as types
/// (<c>__plan.DenseForward&lt;__D784, __D128, ReLUOperator&gt;(…)</c>); the plan decides how: which kernel, whether the
/// weights are transposed, how many samples a tile of the batched Forward holds, and whether a product is split over
/// the training threads, with the numbers of <see cref="Tuning"/> (derived from the machine). Every product is computed
/// so that each output element is summed in the same order whatever the split, so results are bit-identical for any
/// thread count, and after the first call at a shape nothing is allocated.
/// </summary>
/// <remarks>
/// One plan per network instance (its <see cref="Threads"/> is the network's <c>TrainingThreads</c>). The work is split
/// on the one <see cref="WorkerTeam"/>: products by units or samples (<see cref="DenseSplit{TIn, TOut}"/>), a tiny
/// network's batch by slices (<see cref="SlicedGradients{TWorkspace}"/>), optimizer steps by parameter ranges
/// (<c>ParallelUpdate</c>).
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ExecutionPlan
{
    /// <summary>The most threads a network may train with.</summary>
    public const int MaxThreads = 64;

    private int _threads = 1;
    private readonly bool _callingThreadOnly;

    /// <summary>A plan for one thread.</summary>
    public ExecutionPlan() { }

    private ExecutionPlan(bool callingThreadOnly) => _callingThreadOnly = callingThreadOnly;

    /// <summary>The plan inference passes use: everything on the calling thread (its <see cref="Threads"/> cannot be changed).</summary>
    public static ExecutionPlan Inference { get; } = new(callingThreadOnly: true);

    /// <summary>
    /// Threads a training step may use, 1 to <see cref="MaxThreads"/>. Setting more than one starts the worker threads
    /// and measures the hand-off (once per process) now, not inside a training step.
    /// </summary>
    public int Threads
    {
        get => _threads;
        set
        {
            if (value is < 1 or > MaxThreads)
                throw new ArgumentOutOfRangeException(nameof(value), value, $"TrainingThreads must be between 1 and {MaxThreads}.");
            if (_callingThreadOnly && value != 1)
                throw new InvalidOperationException("ExecutionPlan.Inference runs on the calling thread; create a plan of your own to use threads.");
            if (value > 1)
            {
                WorkerTeam.Reserve(value);
                _ = Tuning.Splits;
            }
            _threads = value;
        }
    }

    /// <summary>
    /// Samples per tile of a batched Forward whose layers read at most <paramref name="widestInput"/> values per sample,
    /// over weights transposed beforehand (<paramref name="packed"/>, a frozen network) or not, when a sample's forward pass
    /// takes <paramref name="multiplyAdds"/> multiply-adds of which <paramref name="denseWeights"/> use dense weights a
    /// live network's kernels may transpose (see <see cref="Tuning"/>).
    /// </summary>
    public static int ForwardTile(int widestInput, long denseWeights, long multiplyAdds, bool packed) =>
        packed ? Tuning.FrozenTile(widestInput) : Tuning.LiveTile(widestInput, denseWeights, multiplyAdds);

    /// <summary>z[b, j] = bias[j] + Σ_i weights[j, i]·x[b, i] for the batch (a layer with no element-wise activation).</summary>
    public void DenseForward<TIn, TOut>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> z, int batch)
        where TIn : IDimension where TOut : IDimension =>
        DenseForward<TIn, TOut, IdentityOperator>(weights, bias, x, z, batch, default);

    /// <summary>
    /// a[b, j] = f(bias[j] + Σ_i weights[j, i]·x[b, i]), f the <paramref name="activation"/> applied as each block is
    /// stored (see <see cref="DenseKernels"/>); split over the threads by blocks of units or by samples when the product
    /// pays for the hand-off.
    /// </summary>
    public unsafe void DenseForward<TIn, TOut, TAct>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> z,
        int batch, TAct activation)
        where TIn : IDimension where TOut : IDimension where TAct : struct, IUnaryOperator
    {
        if (_threads < 2 || !DenseSplit<TIn, TOut>.Pays(batch))
        {
            DenseKernels.Forward<TIn, TOut, TAct>(weights, bias, x, z, batch, default, activation);
            return;
        }
        DenseKernels.Check(DenseKernels.FitForward<TIn, TOut>(weights, bias, x, z, batch, default));
        int inputs = TIn.Value, units = TOut.Value;
        if (DenseKernels.SampleLanesApply<TIn, TOut>(batch))
            fixed (float* wp = weights, bp = bias, xp = x, zp = z)
                DenseSplit<TIn, TOut>.ForwardSampleLanes(wp, bp, xp, zp, batch, _threads, activation);
        else if (DenseKernels.PackedApplies<TIn, TOut>(batch, prepacked: false))
        {
            // Split by units, each thread transposes its own rows of w into a buffer of its own; split by samples, Wᵀ is
            // made here once for all of them.
            ReadOnlySpan<float> wt = DenseSplit<TIn, TOut>.SplitsByUnits ? default : PackedWeights.Rent(inputs * units);
            fixed (float* wp = weights, wtp = wt, bp = bias, xp = x, zp = z)
                DenseSplit<TIn, TOut>.ForwardPacked(wp, wtp, bp, xp, zp, batch, _threads, activation);
        }
        else
            fixed (float* wp = weights, bp = bias, xp = x, zp = z)
                DenseSplit<TIn, TOut>.ForwardBlocked(wp, bp, xp, zp, batch, _threads, activation);
    }

    /// <summary>dW[j, i] = Σ_b dz[b, j]·x[b, i] and db[j] = Σ_b dz[b, j] (both overwritten), split by units when it pays.</summary>
    public unsafe void DenseWeightGradients<TIn, TOut>(ReadOnlySpan<float> dz, ReadOnlySpan<float> x, Span<float> weightGradients, Span<float> biasGradients, int batch)
        where TIn : IDimension where TOut : IDimension
    {
        if (_threads < 2 || !DenseSplit<TIn, TOut>.Pays(batch))
        {
            DenseKernels.WeightGradients<TIn, TOut>(dz, x, weightGradients, biasGradients, batch);
            return;
        }
        DenseKernels.Check(DenseKernels.FitWeightGradients<TIn, TOut>(dz, x, weightGradients, biasGradients, batch));
        fixed (float* dzp = dz, xp = x, dwp = weightGradients, dbp = biasGradients)
            DenseSplit<TIn, TOut>.WeightGradients(dzp, xp, dwp, dbp, batch, _threads);
    }

    /// <summary>dx[b, i] = Σ_j dz[b, j]·weights[j, i] (overwritten), split by samples when it pays.</summary>
    public void DenseInputGradients<TIn, TOut>(ReadOnlySpan<float> dz, ReadOnlySpan<float> weights, Span<float> dx, int batch)
        where TIn : IDimension where TOut : IDimension =>
        DenseInputGradients<TIn, TOut, IdentityGradient>(dz, weights, dx, batch, dx, default);

    /// <summary>
    /// dz_below[b, i] = g(a[b, i], Σ_j dz[b, j]·weights[j, i]): the input gradient with the layer below's activation
    /// derivative g applied as each block is stored, so <paramref name="dx"/> comes out as that layer's dz.
    /// </summary>
    public unsafe void DenseInputGradients<TIn, TOut, TGrad>(ReadOnlySpan<float> dz, ReadOnlySpan<float> weights, Span<float> dx, int batch,
        ReadOnlySpan<float> activations, TGrad derivative)
        where TIn : IDimension where TOut : IDimension where TGrad : struct, IGradientOperator
    {
        if (_threads < 2 || !DenseSplit<TIn, TOut>.Pays(batch))
        {
            DenseKernels.InputGradients<TIn, TOut, TGrad>(dz, weights, dx, batch, activations, derivative);
            return;
        }
        DenseKernels.Check(DenseKernels.FitInputGradients<TIn, TOut>(dz, weights, dx, batch, activations));
        fixed (float* dzp = dz, wp = weights, dxp = dx, ap = activations)
            DenseSplit<TIn, TOut>.InputGradients(dzp, wp, dxp, ap, batch, _threads, derivative);
    }

    /// <summary>A hidden layer's backward products: dW = dzᵀ·x, db = Σ_b dz and dx = dz·w (see the overload with a derivative).</summary>
    public void DenseGradients<TIn, TOut>(ReadOnlySpan<float> dz, ReadOnlySpan<float> x, Span<float> weightGradients, Span<float> biasGradients,
        ReadOnlySpan<float> weights, Span<float> dx, int batch)
        where TIn : IDimension where TOut : IDimension =>
        DenseGradients<TIn, TOut, IdentityGradient>(dz, x, weightGradients, biasGradients, weights, dx, batch, dx, default);

    /// <summary>
    /// A hidden layer's backward products in one call, dW = dzᵀ·x, db = Σ_b dz and dx = g(a, dz·w) with the layer below's
    /// derivative g: on one thread in that order; with several threads and products of middling size side by side, one
    /// per thread (one hand-off instead of two, see <see cref="Tuning.SplitCosts.SideBySideMin"/>); larger ones each
    /// split. The results are the same bit for bit.
    /// </summary>
    public unsafe void DenseGradients<TIn, TOut, TGrad>(ReadOnlySpan<float> dz, ReadOnlySpan<float> x, Span<float> weightGradients, Span<float> biasGradients,
        ReadOnlySpan<float> weights, Span<float> dx, int batch, ReadOnlySpan<float> activations, TGrad derivative)
        where TIn : IDimension where TOut : IDimension where TGrad : struct, IGradientOperator
    {
        if (_threads < 2 || !DenseSplit<TIn, TOut>.PaysSideBySide(batch))
        {
            DenseWeightGradients<TIn, TOut>(dz, x, weightGradients, biasGradients, batch);
            DenseInputGradients<TIn, TOut, TGrad>(dz, weights, dx, batch, activations, derivative);
            return;
        }
        DenseKernels.Check(DenseKernels.FitWeightGradients<TIn, TOut>(dz, x, weightGradients, biasGradients, batch)
                           && DenseKernels.FitInputGradients<TIn, TOut>(dz, weights, dx, batch, activations));
        CheckConcurrentOutputs(dz, x, weightGradients, biasGradients, weights, dx, activations);
        fixed (float* dzp = dz, xp = x, dwp = weightGradients, dbp = biasGradients, wp = weights, dxp = dx, ap = activations)
            DenseSplit<TIn, TOut>.GradientsSideBySide(dzp, xp, dwp, dbp, wp, dxp, ap, batch, derivative);
    }

    /// <summary>
    /// out[b] = f(conv(x[b]) + bias) for the batch, f the <paramref name="activation"/> applied as each vector is stored;
    /// split over the threads by samples when the product pays for the hand-off.
    /// </summary>
    public unsafe void Conv2DForward<TShape, TAct>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> z,
        int batch, TAct activation)
        where TShape : IConv2DShape where TAct : struct, IUnaryOperator
    {
        if (_threads < 2 || !ConvSplit<TShape>.Pays(batch))
        {
            Conv2DKernels.Forward<TShape, TAct>(weights, bias, x, z, batch, 0, batch, ConvSplit<TShape>.Scratch(), activation);
            return;
        }
        CheckConv<TShape>(weights.Length, bias.Length, x.Length, z.Length, batch);
        fixed (float* wp = weights, bp = bias, xp = x, zp = z)
            ConvSplit<TShape>.Forward(wp, bp, xp, zp, batch, _threads, activation);
    }

    /// <summary>out[b] = conv(x[b]) + bias for the batch (no element-wise activation).</summary>
    public void Conv2DForward<TShape>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> z, int batch)
        where TShape : IConv2DShape =>
        Conv2DForward<TShape, IdentityOperator>(weights, bias, x, z, batch, default);

    /// <summary>
    /// out[b] = maxpool(f(conv(x[b]) + bias)): a Conv2D layer and the MaxPool2D layer after it in one pass, for inference
    /// (the convolution's own outputs are not kept), with the bits of <see cref="Conv2DForward{TShape, TAct}"/> followed by
    /// <see cref="PoolKernels.MaxForward{TShape}"/>; split over the threads by samples when it pays.
    /// </summary>
    public void Conv2DMaxPoolForward<TShape, TPool, TAct>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> pooled,
        int batch, TAct activation)
        where TShape : IConv2DShape where TPool : IPool2DShape where TAct : struct, IUnaryOperator =>
        Conv2DPoolForward<TShape, TPool, MaxWindow, TAct>(weights, bias, x, pooled, batch, activation);

    /// <summary>out[b] = maxpool(conv(x[b]) + bias) (no element-wise activation).</summary>
    public void Conv2DMaxPoolForward<TShape, TPool>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> pooled, int batch)
        where TShape : IConv2DShape where TPool : IPool2DShape =>
        Conv2DPoolForward<TShape, TPool, MaxWindow, IdentityOperator>(weights, bias, x, pooled, batch, default);

    /// <summary>out[b] = avgpool(f(conv(x[b]) + bias)), as <see cref="Conv2DMaxPoolForward{TShape, TPool, TAct}"/> with <see cref="PoolKernels.AverageForward{TShape}"/>.</summary>
    public void Conv2DAveragePoolForward<TShape, TPool, TAct>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> pooled,
        int batch, TAct activation)
        where TShape : IConv2DShape where TPool : IPool2DShape where TAct : struct, IUnaryOperator =>
        Conv2DPoolForward<TShape, TPool, AverageWindow, TAct>(weights, bias, x, pooled, batch, activation);

    /// <summary>out[b] = avgpool(conv(x[b]) + bias) (no element-wise activation).</summary>
    public void Conv2DAveragePoolForward<TShape, TPool>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> pooled, int batch)
        where TShape : IConv2DShape where TPool : IPool2DShape =>
        Conv2DPoolForward<TShape, TPool, AverageWindow, IdentityOperator>(weights, bias, x, pooled, batch, default);

    private unsafe void Conv2DPoolForward<TShape, TPool, TWindow, TAct>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> pooled,
        int batch, TAct activation)
        where TShape : IConv2DShape where TPool : IPool2DShape where TWindow : struct, IPoolWindow where TAct : struct, IUnaryOperator
    {
        if (_threads < 2 || !ConvSplit<TShape>.Pays(batch))
        {
            Conv2DKernels.ForwardPooled<TShape, TPool, TWindow, TAct>(weights, bias, x, pooled, batch, 0, batch, ConvSplit<TShape>.PooledScratch<TPool>(), activation);
            return;
        }
        DenseKernels.Check(batch >= 0 && weights.Length == ConvSizes<TShape>.WeightCount && bias.Length == ConvSizes<TShape>.F
                           && x.Length >= (long)batch * ConvSizes<TShape>.InputSize && pooled.Length >= (long)batch * PoolKernels.OutputSize<TPool>());
        fixed (float* wp = weights, bp = bias, xp = x, pp = pooled)
            ConvSplit<TShape>.PooledForward<TPool, TWindow, TAct>(wp, bp, xp, pp, batch, _threads, activation);
    }

    /// <summary>The first layer's backward products: dW and db only (nothing below needs dx), split by filters when it pays.</summary>
    public unsafe void Conv2DWeightGradients<TShape>(ReadOnlySpan<float> dz, ReadOnlySpan<float> x, Span<float> weightGradients, Span<float> biasGradients, int batch)
        where TShape : IConv2DShape
    {
        if (_threads < 2 || !ConvSplit<TShape>.Pays(batch))
        {
            Conv2DKernels.WeightGradients<TShape>(dz, x, weightGradients, biasGradients, batch, 0, ConvSizes<TShape>.F, ConvSplit<TShape>.Scratch());
            return;
        }
        CheckConvGradients<TShape>(dz.Length, x.Length, weightGradients.Length, biasGradients.Length, batch);
        fixed (float* dzp = dz, xp = x, dwp = weightGradients, dbp = biasGradients)
            ConvSplit<TShape>.Gradients<IdentityGradient>(dzp, xp, dwp, dbp, null, null, null, batch, _threads, default);
    }

    /// <summary>A hidden Conv2D layer's backward products: dW, db and dx = dL/d(input), split in one hand-off when they pay.</summary>
    public void Conv2DGradients<TShape>(ReadOnlySpan<float> dz, ReadOnlySpan<float> x, Span<float> weightGradients, Span<float> biasGradients,
        ReadOnlySpan<float> weights, Span<float> dx, int batch)
        where TShape : IConv2DShape =>
        Conv2DGradients<TShape, IdentityGradient>(dz, x, weightGradients, biasGradients, weights, dx, batch, dx, default);

    /// <summary>
    /// A hidden Conv2D layer's backward products, dW, db and dx = g(a, dL/d(input)) with the layer below's activation
    /// derivative g applied as each vector is stored (so dx comes out as that layer's dz): on one thread in that order, or
    /// with several threads in one hand-off, each thread taking a range of filters of dW and db and a range of samples of dx.
    /// </summary>
    public unsafe void Conv2DGradients<TShape, TGrad>(ReadOnlySpan<float> dz, ReadOnlySpan<float> x, Span<float> weightGradients, Span<float> biasGradients,
        ReadOnlySpan<float> weights, Span<float> dx, int batch, ReadOnlySpan<float> activations, TGrad derivative)
        where TShape : IConv2DShape where TGrad : struct, IGradientOperator
    {
        if (_threads < 2 || !ConvSplit<TShape>.Pays(batch))
        {
            Span<float> scratch = ConvSplit<TShape>.Scratch();
            Conv2DKernels.WeightGradients<TShape>(dz, x, weightGradients, biasGradients, batch, 0, ConvSizes<TShape>.F, scratch);
            Conv2DKernels.InputGradients<TShape, TGrad>(dz, weights, dx, batch, 0, batch, activations, derivative, scratch);
            return;
        }
        CheckConvGradients<TShape>(dz.Length, x.Length, weightGradients.Length, biasGradients.Length, batch);
        CheckConv<TShape>(weights.Length, ConvSizes<TShape>.F, dx.Length, dz.Length, batch);
        DenseKernels.Check(activations.Length >= (long)batch * ConvSizes<TShape>.InputSize);
        CheckConcurrentOutputs(dz, x, weightGradients, biasGradients, weights, dx, activations);
        fixed (float* dzp = dz, xp = x, dwp = weightGradients, dbp = biasGradients, wp = weights, dxp = dx, ap = activations)
            ConvSplit<TShape>.Gradients(dzp, xp, dwp, dbp, wp, dxp, ap, batch, _threads, derivative);
    }

    /// <summary>
    /// A layer's backward products computed at the same time (side by side, or split in one hand-off) write dW, db and dx
    /// while the others read: none of them may share memory with what another reads. (The serial order allows dx to reuse
    /// x's or dz's memory, as the weight gradient has finished reading them.)
    /// </summary>
    private static void CheckConcurrentOutputs(ReadOnlySpan<float> dz, ReadOnlySpan<float> x, Span<float> weightGradients, Span<float> biasGradients,
        ReadOnlySpan<float> weights, Span<float> dx, ReadOnlySpan<float> activations)
    {
        if (dx.Overlaps(x) || dx.Overlaps(dz) || dx.Overlaps(weights) || dx.Overlaps(weightGradients) || dx.Overlaps(biasGradients)
            || weightGradients.Overlaps(weights) || weightGradients.Overlaps(activations) || biasGradients.Overlaps(weights) || biasGradients.Overlaps(activations))
            DenseKernels.ThrowOverlap();
    }

    private static void CheckConv<TShape>(int weights, int bias, long x, long z, int batch) where TShape : IConv2DShape =>
        DenseKernels.Check(batch >= 0 && weights == ConvSizes<TShape>.WeightCount && bias == ConvSizes<TShape>.F
                           && x >= (long)batch * ConvSizes<TShape>.InputSize && z >= (long)batch * ConvSizes<TShape>.OutputSize);

    private static void CheckConvGradients<TShape>(long dz, long x, int weightGradients, int biasGradients, int batch) where TShape : IConv2DShape =>
        DenseKernels.Check(batch >= 0 && dz >= (long)batch * ConvSizes<TShape>.OutputSize && x >= (long)batch * ConvSizes<TShape>.InputSize
                           && weightGradients == ConvSizes<TShape>.WeightCount && biasGradients == ConvSizes<TShape>.F);

    /// <summary>
    /// A tiny network's gradients over the batch in consecutive slices, one per thread, each into its own workspace and
    /// gradient buffer, combined in slice order (see <see cref="SlicedGradients{TWorkspace}"/>); one slice on one thread.
    /// </summary>
    public float SlicedGradients<TWorkspace>(SlicedGradients<TWorkspace> slices, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets,
        int batchSize, Span<float> gradients, ref Rng rng)
        where TWorkspace : class, new()
    {
        ArgumentNullException.ThrowIfNull(slices);
        return slices.Run(inputs, targets, batchSize, gradients, ref rng, _threads);
    }
}
