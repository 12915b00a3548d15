namespace NetGen.CompilerServices;

/// <summary>
/// One dense-layer product split over the <see cref="WorkerTeam"/>: the forward product by blocks of units (each thread
/// reads only its columns of the given transposed weights, or transposes its rows of the live weights into a buffer of
/// its own, or, with the samples in the vector lanes, transposes the batch into a buffer of its own) or, when there are
/// too few unit blocks, by samples; the weight
/// gradient and the bias gradient by rows (units); the input gradient by samples. Each range runs the serial kernel,
/// and every output element is summed in the same order whatever range computes it (sample ranges start at multiples
/// of the kernel's sample block, so each sample falls in the same kind of block as on one thread), so results are
/// bit-identical to one thread.
/// </summary>
/// <remarks>
/// <para>The caller's spans are pinned for the duration of a call (which waits for every part) and reach the threads as
/// pointers. One job object per thread, layer shape and epilogue is created on first use and reused, as is each thread's
/// buffer for transposed weights, so after the first call of a shape a call allocates nothing.</para>
/// <para>The forward product's activation and the input gradient's activation derivative are applied inside each part
/// (see <see cref="DenseKernels"/>), so each thread finishes its own outputs and no serial pass over the whole batch
/// follows the split.</para>
/// </remarks>
internal static unsafe class DenseSplit<TIn, TOut> where TIn : IDimension where TOut : IDimension
{
    /// <summary>
    /// Sample ranges are handed out in whole blocks of the kernel that runs them: six samples for the packed forward
    /// kernel, four for the dot-product forward and the input gradient. (A common grain of 12 would split 64 samples as
    /// 36 + 28.) The grain must stay a multiple of those blocks: every range but the last then holds whole blocks, and
    /// the last ends where the batch does, so each sample goes through the same kind of block as on one thread (the
    /// dot-product kernel sums a sample left over after its blocks of four in a different order, see
    /// <see cref="BlockedDense{TIn, TOut, TS, TV}"/>).
    /// </summary>
    private const int PackedGrain = 6, BlockedGrain = 4;

    private static int N => TIn.Value;
    private static int Units => TOut.Value;

    /// <summary>Whether a product over <paramref name="batch"/> samples is large enough to split (see <see cref="Tuning.SplitCosts.SplitMinMultiplyAdds"/>).</summary>
    public static bool Pays(int batch) => (long)batch * N * Units >= Tuning.Splits.SplitMinMultiplyAdds;


    /// <summary>Whether the backward products of a batch of <paramref name="batch"/> run side by side (see <see cref="Tuning.SplitCosts.SideBySideMin"/>).</summary>
    public static bool PaysSideBySide(int batch) => (long)batch * N * Units >= Tuning.Splits.SideBySideMin && (long)batch * N * Units < Tuning.Splits.SideBySideMax;

    /// <summary>How many blocks of the packed kernel the units make.</summary>
    private static int UnitBlocks => Units / DenseKernels.PackedUnitBlock<TIn, TOut>();

    /// <summary>Whether the packed forward product is split by blocks of units (at least two of them), else by samples.</summary>
    public static bool SplitsByUnits => UnitBlocks >= 2;

    /// <summary>
    /// z = f(x·wt + bias) through the packed kernel, with wt = wᵀ [inputs × units]. When <paramref name="w"/> is not null,
    /// Wᵀ is made from it: split by units, each thread transposes its own rows of w into a buffer of its own (and
    /// <paramref name="wt"/> is not used; it may be null); split by samples, it is transposed here into wt first.
    /// </summary>
    public static void ForwardPacked<TAct>(float* w, float* wt, float* bias, float* x, float* z, int batch, int threads, TAct activation)
        where TAct : struct, IUnaryOperator
    {
        var job = ForwardJob<TAct>.ForThisThread(activation);
        if (SplitsByUnits)
        {
            job.Run(ForwardKind.PackedByUnits, wt, bias, x, z, batch, Math.Min(threads, UnitBlocks), w);
            return;
        }
        if (w != null) Transpose.Copy(ref *w, Units, N, ref *wt);
        job.Run(ForwardKind.PackedBySamples, wt, bias, x, z, batch, SampleParts(batch, threads));
    }

    /// <summary>
    /// Units per part of the samples-in-lanes kernel's split: whole blocks of its six units, and whole cache lines of a
    /// row of z (16 floats), so no two threads write the same line of the results.
    /// </summary>
    private const int LanesUnitGrain = 48;

    /// <summary>
    /// z = f(x·wᵀ + bias) through the samples-in-lanes kernel: by blocks of units when there are at least two, each thread
    /// transposing the inputs into a buffer of its own; otherwise by samples, in whole vectors.
    /// </summary>
    public static void ForwardSampleLanes<TAct>(float* w, float* bias, float* x, float* z, int batch, int threads, TAct activation)
        where TAct : struct, IUnaryOperator
    {
        var job = ForwardJob<TAct>.ForThisThread(activation);
        if (Units >= 2 * LanesUnitGrain)
            job.Run(ForwardKind.SampleLanesByUnits, w, bias, x, z, batch, Math.Min(threads, Units / LanesUnitGrain));
        else
            job.Run(ForwardKind.SampleLanesBySamples, w, bias, x, z, batch, Math.Max(1, Math.Min(threads, batch / DenseKernels.SampleLanesGrain)));
    }

    /// <summary>z = f(x·wᵀ + bias) through the dot-product kernel, by samples.</summary>
    public static void ForwardBlocked<TAct>(float* w, float* bias, float* x, float* z, int batch, int threads, TAct activation)
        where TAct : struct, IUnaryOperator =>
        ForwardJob<TAct>.ForThisThread(activation).Run(ForwardKind.Blocked, w, bias, x, z, batch, SampleParts(batch, threads));

    /// <summary>dW = dzᵀ·x and db = Σ_b dz, by rows of dW (units).</summary>
    public static void WeightGradients(float* dz, float* x, float* dw, float* db, int batch, int threads) =>
        (WeightGradientJob.t_job ??= new WeightGradientJob()).Run(dz, x, dw, db, batch, Math.Min(threads, Math.Max(1, Units / DenseKernels.WeightGradientGrain)));

    /// <summary>dx = g(a, dz·w), by samples (g the layer below's activation derivative, or the identity).</summary>
    public static void InputGradients<TGrad>(float* dz, float* w, float* dx, float* a, int batch, int threads, TGrad derivative)
        where TGrad : struct, IGradientOperator =>
        InputGradientJob<TGrad>.ForThisThread(derivative).Run(dz, w, dx, a, batch, SampleParts(batch, threads));

    /// <summary>
    /// dW = dzᵀ·x, db = Σ_b dz and dx = g(a, dz·w) side by side: the calling thread computes the weight and bias
    /// gradients, a worker the input gradient (see <see cref="PaysSideBySide"/>): the caller keeps the weight gradients it writes in its own cache. Each runs the serial kernel over the whole batch,
    /// so the results are those of one thread.
    /// </summary>
    public static void GradientsSideBySide<TGrad>(float* dz, float* x, float* dw, float* db, float* w, float* dx, float* a, int batch, TGrad derivative)
        where TGrad : struct, IGradientOperator =>
        SideBySideJob<TGrad>.ForThisThread(derivative).Run(dz, x, dw, db, w, dx, a, batch);

    private static int SampleParts(int batch, int threads) => Math.Max(1, Math.Min(threads, batch / Tuning.MinSamplesPerPart));

    private enum ForwardKind { PackedByUnits, PackedBySamples, Blocked, SampleLanesByUnits, SampleLanesBySamples }

    /// <summary>One split product: the pointers and sizes of the current call, and how part k finds its range.</summary>
    private abstract class Job : IParallelWork
    {
        protected int Batch, Parts;
        protected float* A, B, C, D;

        public void Run(float* a, float* b, float* c, float* d, int batch, int parts)
        {
            A = a;
            B = b;
            C = c;
            D = d;
            Batch = batch;
            Parts = parts;
            try
            {
                WorkerTeam.Run(this, parts);
            }
            finally
            {
                A = B = C = D = null; // only valid inside this call
            }
        }

        /// <summary>Part <paramref name="part"/>'s share [start, end) of <paramref name="count"/> items handed out in multiples of <paramref name="grain"/>.</summary>
        protected (int Start, int End) Share(int part, int count, int grain) => WorkerTeam.Share(part, Parts, count, grain);

        public abstract void Execute(int part);
    }

    /// <summary>The forward product with its activation applied by each part: A = weights (wᵀ when packed), B = bias, C = x, D = z.</summary>
    private sealed class ForwardJob<TAct> : Job where TAct : struct, IUnaryOperator
    {
        [ThreadStatic] private static ForwardJob<TAct>? t_job;
        private TAct _activation;
        private ForwardKind _kind;
        private float* _source; // the live weights w when this call transposes them, else null

        public static ForwardJob<TAct> ForThisThread(TAct activation)
        {
            var job = t_job ??= new ForwardJob<TAct>();
            job._activation = activation;
            return job;
        }

        public void Run(ForwardKind kind, float* w, float* bias, float* x, float* z, int batch, int parts, float* source = null)
        {
            _kind = kind;
            _source = source;
            try
            {
                base.Run(w, bias, x, z, batch, parts);
            }
            finally
            {
                _source = null; // only valid inside this call
            }
        }

        public override void Execute(int part)
        {
            switch (_kind)
            {
                case ForwardKind.PackedByUnits:
                {
                    var (start, end) = Share(part, Units, DenseKernels.PackedUnitBlock<TIn, TOut>());
                    if (end <= start) break;
                    if (_source == null) // the whole Wᵀ is given: read this part's columns of it
                    {
                        DenseKernels.ForwardPacked<TIn, TOut, TAct>(ref A[start], Units, ref *B, ref *C, ref *D, Batch, start, end, _activation);
                        break;
                    }
                    // Rows start…end of w, transposed into this thread's own buffer: [inputs × (end − start)], contiguous
                    // and in this core's cache.
                    int width = end - start;
                    ref float own = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(PackedWeights.Rent(N * width));
                    Transpose.Copy(ref _source[(nint)start * N], width, N, ref own, width);
                    DenseKernels.ForwardPacked<TIn, TOut, TAct>(ref own, width, ref *B, ref *C, ref *D, Batch, start, end, _activation);
                    break;
                }
                case ForwardKind.PackedBySamples:
                {
                    var (start, end) = Share(part, Batch, PackedGrain);
                    if (end > start) DenseKernels.ForwardPacked<TIn, TOut, TAct>(ref *A, Units, ref *B, ref C[(nint)start * N], ref D[(nint)start * Units], end - start, 0, Units, _activation);
                    break;
                }
                case ForwardKind.SampleLanesByUnits:
                {
                    var (start, end) = Share(part, Units, LanesUnitGrain);
                    if (end > start) SampleLanes(0, Batch, start, end);
                    break;
                }
                case ForwardKind.SampleLanesBySamples:
                {
                    var (start, end) = Share(part, Batch, DenseKernels.SampleLanesGrain);
                    if (end > start) SampleLanes(start, end, 0, Units);
                    break;
                }
                case ForwardKind.Blocked:
                {
                    var (start, end) = Share(part, Batch, BlockedGrain);
                    if (end > start) DenseKernels.ForwardBlocked<TIn, TOut, TAct>(ref *A, ref *B, ref C[(nint)start * N], ref D[(nint)start * Units], end - start, _activation);
                    break;
                }
            }
        }

        /// <summary>Samples [first, last) × units [unitStart, unitEnd) through the samples-in-lanes kernel, with this thread's own scratch.</summary>
        private void SampleLanes(int first, int last, int unitStart, int unitEnd)
        {
            int count = last - first;
            ref float scratch = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(
                SampleLanesScratch.Rent(DenseKernels.SampleLanesScratchLength<TIn, TOut>(count, unitEnd - unitStart)));
            DenseKernels.ForwardSampleLanes<TIn, TOut, TAct>(ref *A, ref *B, ref C[(nint)first * N], ref D[(nint)first * Units], count,
                unitStart, unitEnd, ref scratch, _activation);
        }
    }

    /// <summary>The weight and bias gradients by rows: A = dz, B = x, C = dW, D = db.</summary>
    private sealed class WeightGradientJob : Job
    {
        [ThreadStatic] internal static WeightGradientJob? t_job;

        public override void Execute(int part)
        {
            var (start, end) = Share(part, Units, DenseKernels.WeightGradientGrain);
            if (end <= start) return;
            DenseKernels.WeightAndBiasGradientRange<TIn, TOut>(ref *A, ref *B, ref *C, ref *D, Batch, start, end);
        }
    }

    /// <summary>The input gradient with the layer below's derivative applied by each part: A = dz, B = w, C = dx, D = that layer's outputs.</summary>
    private sealed class InputGradientJob<TGrad> : Job where TGrad : struct, IGradientOperator
    {
        [ThreadStatic] private static InputGradientJob<TGrad>? t_job;
        private TGrad _derivative;

        public static InputGradientJob<TGrad> ForThisThread(TGrad derivative)
        {
            var job = t_job ??= new InputGradientJob<TGrad>();
            job._derivative = derivative;
            return job;
        }

        public override void Execute(int part)
        {
            var (start, end) = Share(part, Batch, BlockedGrain);
            if (end > start)
                DenseKernels.InputGradientRows<TIn, TOut, TGrad>(ref A[(nint)start * Units], ref *B, ref C[(nint)start * N], end - start,
                    ref D[(nint)start * N], _derivative);
        }
    }

    /// <summary>
    /// A layer's two backward products as two parts: A = dz, B = x, C = dW, D = db; part 0 the weight and bias gradients,
    /// part 1 the input gradient into dx from the weights and the layer below's outputs.
    /// </summary>
    private sealed class SideBySideJob<TGrad> : Job where TGrad : struct, IGradientOperator
    {
        [ThreadStatic] private static SideBySideJob<TGrad>? t_job;
        private TGrad _derivative;
        private float* _w, _dx, _a;

        public static SideBySideJob<TGrad> ForThisThread(TGrad derivative)
        {
            var job = t_job ??= new SideBySideJob<TGrad>();
            job._derivative = derivative;
            return job;
        }

        public void Run(float* dz, float* x, float* dw, float* db, float* w, float* dx, float* a, int batch)
        {
            _w = w;
            _dx = dx;
            _a = a;
            try
            {
                base.Run(dz, x, dw, db, batch, 2);
            }
            finally
            {
                _w = _dx = _a = null; // only valid inside this call
            }
        }

        public override void Execute(int part)
        {
            if (part == 0)
                DenseKernels.WeightAndBiasGradientRange<TIn, TOut>(ref *A, ref *B, ref *C, ref *D, Batch, 0, Units);
            else
                DenseKernels.InputGradientRows<TIn, TOut, TGrad>(ref *A, ref *_w, ref *_dx, Batch, ref *_a, _derivative);
        }
    }
}
