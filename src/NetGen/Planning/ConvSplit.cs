namespace NetGen.CompilerServices;

/// <summary>
/// A Conv2D layer's products split over the <see cref="WorkerTeam"/>: the forward product and the input gradient by
/// samples (every sample is computed alone), the weight and bias gradients by filters (each summed over every sample in
/// a fixed order). Any split gives the bits of one call (see <see cref="Conv2DKernels"/>), so results do not depend on
/// the thread count. Each part uses its own thread's scratch buffer; after the first call nothing is allocated.
/// </summary>
internal static unsafe class ConvSplit<TShape> where TShape : IConv2DShape
{
    /// <summary>Multiply-adds per sample of one of the three products.</summary>
    private static long MultiplyAddsPerSample => (long)ConvSizes<TShape>.F * ConvSizes<TShape>.Positions * ConvSizes<TShape>.Patch;

    /// <summary>Whether a product over <paramref name="batch"/> samples is large enough to split (see <see cref="Tuning.SplitCosts.SplitMinMultiplyAdds"/>).</summary>
    public static bool Pays(int batch) => batch * MultiplyAddsPerSample >= Tuning.Splits.SplitMinMultiplyAdds;

    /// <summary>Filters of the weight gradient handed to one thread at a time: one vector of the widest accelerated width.</summary>
    private static int FilterGrain => MachineProfile.Current.FloatLanes;

    /// <summary>Scratch for one kernel call on the calling thread.</summary>
    public static Span<float> Scratch() => AlignedBuffer.Rent(ref ConvScratch.t_buffer, Conv2DKernels.ScratchLength<TShape>());

    /// <summary>The forward product with its activation, by samples.</summary>
    public static void Forward<TAct>(float* w, float* bias, float* x, float* z, int batch, int threads, TAct activation)
        where TAct : struct, IUnaryOperator
    {
        var job = ForwardJob<TAct>.t_job ??= new ForwardJob<TAct>();
        job.Activation = activation;
        job.Run(w, bias, x, z, null, null, null, batch, Math.Min(threads, batch));
    }

    /// <summary>Scratch for one pooled forward call (<see cref="Conv2DKernels.ForwardPooled{TShape, TPool, TWindow, TAct}"/>) on the calling thread.</summary>
    public static Span<float> PooledScratch<TPool>() where TPool : IPool2DShape =>
        AlignedBuffer.Rent(ref ConvScratch.t_buffer, Conv2DKernels.PooledScratchLength<TShape, TPool>());

    /// <summary>The forward product with its activation and the pooling after it, by samples.</summary>
    public static void PooledForward<TPool, TWindow, TAct>(float* w, float* bias, float* x, float* pooled, int batch, int threads, TAct activation)
        where TPool : IPool2DShape where TWindow : struct, IPoolWindow where TAct : struct, IUnaryOperator
    {
        var job = PooledForwardJob<TPool, TWindow, TAct>.t_job ??= new PooledForwardJob<TPool, TWindow, TAct>();
        job.Activation = activation;
        job.Run(w, bias, x, pooled, null, null, null, batch, Math.Min(threads, batch));
    }

    /// <summary>
    /// The weight and bias gradients (by filters) and, when <paramref name="dx"/> is not null, the input gradient with the
    /// layer below's derivative (by samples), in one hand-off: part k computes its filters of dW and db and its samples of dx.
    /// </summary>
    public static void Gradients<TGrad>(float* dz, float* x, float* dw, float* db, float* w, float* dx, float* a, int batch, int threads, TGrad derivative)
        where TGrad : struct, IGradientOperator
    {
        var job = GradientJob<TGrad>.t_job ??= new GradientJob<TGrad>();
        job.Derivative = derivative;
        job.Run(dz, x, dw, db, w, dx, a, batch, Math.Min(threads, Math.Max(ConvSizes<TShape>.F, dx == null ? 1 : batch)));
    }

    private abstract class Job : IParallelWork
    {
        protected float* A, B, C, D, E, F, G;
        protected int Batch, Parts;

        public void Run(float* a, float* b, float* c, float* d, float* e, float* f, float* g, int batch, int parts)
        {
            A = a; B = b; C = c; D = d; E = e; F = f; G = g;
            Batch = batch;
            Parts = parts;
            try
            {
                WorkerTeam.Run(this, parts);
            }
            finally
            {
                A = B = C = D = E = F = G = null; // only valid inside this call
            }
        }

        protected (int Start, int End) Share(int part, int count, int grain = 1) => WorkerTeam.Share(part, Parts, count, grain);

        public abstract void Execute(int part);
    }

    /// <summary>A = weights, B = bias, C = x, D = z.</summary>
    private sealed class ForwardJob<TAct> : Job where TAct : struct, IUnaryOperator
    {
        [ThreadStatic] internal static ForwardJob<TAct>? t_job;
        public TAct Activation;

        public override void Execute(int part)
        {
            var (start, end) = Share(part, Batch);
            if (end <= start) return;
            Conv2DKernels.Forward<TShape, TAct>(new ReadOnlySpan<float>(A, ConvSizes<TShape>.WeightCount), new ReadOnlySpan<float>(B, ConvSizes<TShape>.F),
                new ReadOnlySpan<float>(C, Batch * ConvSizes<TShape>.InputSize), new Span<float>(D, Batch * ConvSizes<TShape>.OutputSize),
                Batch, start, end, Scratch(), Activation);
        }
    }

    /// <summary>A = weights, B = bias, C = x, D = the pooled outputs.</summary>
    private sealed class PooledForwardJob<TPool, TWindow, TAct> : Job
        where TPool : IPool2DShape where TWindow : struct, IPoolWindow where TAct : struct, IUnaryOperator
    {
        [ThreadStatic] internal static PooledForwardJob<TPool, TWindow, TAct>? t_job;
        public TAct Activation;

        public override void Execute(int part)
        {
            var (start, end) = Share(part, Batch);
            if (end <= start) return;
            Conv2DKernels.ForwardPooled<TShape, TPool, TWindow, TAct>(new ReadOnlySpan<float>(A, ConvSizes<TShape>.WeightCount), new ReadOnlySpan<float>(B, ConvSizes<TShape>.F),
                new ReadOnlySpan<float>(C, Batch * ConvSizes<TShape>.InputSize), new Span<float>(D, Batch * PoolKernels.OutputSize<TPool>()),
                Batch, start, end, PooledScratch<TPool>(), Activation);
        }
    }

    /// <summary>A = dz, B = x, C = dW, D = db, E = weights, F = dx (or null), G = the layer below's outputs.</summary>
    private sealed class GradientJob<TGrad> : Job where TGrad : struct, IGradientOperator
    {
        [ThreadStatic] internal static GradientJob<TGrad>? t_job;
        public TGrad Derivative;

        public override void Execute(int part)
        {
            int inputs = Batch * ConvSizes<TShape>.InputSize;
            var dz = new ReadOnlySpan<float>(A, Batch * ConvSizes<TShape>.OutputSize);
            // Whole vectors of filters: the weight-gradient kernel holds filters in its vector lanes and reads every sample
            // for each, so a part with part of a vector would redo the other part's reading for a partial vector.
            var (first, last) = Share(part, ConvSizes<TShape>.F, FilterGrain);
            if (last > first)
                Conv2DKernels.WeightGradients<TShape>(dz, new ReadOnlySpan<float>(B, inputs), new Span<float>(C, ConvSizes<TShape>.WeightCount),
                    new Span<float>(D, ConvSizes<TShape>.F), Batch, first, last, Scratch());
            if (F == null) return;
            var (start, end) = Share(part, Batch);
            if (end > start)
                Conv2DKernels.InputGradients<TShape, TGrad>(dz, new ReadOnlySpan<float>(E, ConvSizes<TShape>.WeightCount), new Span<float>(F, inputs),
                    Batch, start, end, new ReadOnlySpan<float>(G, inputs), Derivative, Scratch());
        }
    }
}

/// <summary>Each thread's scratch for the convolution kernels, one for every shape, kept apart from the dense kernels' transposed weights.</summary>
internal static class ConvScratch
{
    [ThreadStatic] internal static AlignedBuffer? t_buffer;
}
