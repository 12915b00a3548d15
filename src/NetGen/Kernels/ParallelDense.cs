namespace NetGen.Kernels;

/// <summary>
/// One dense-layer product split over the <see cref="WorkerTeam"/>: the forward product by blocks of units (each thread
/// reads only its columns of the transposed weights) or, when there are too few unit blocks, by samples; the weight
/// gradient and the bias gradient by rows (units); the input gradient by samples. Each range runs the serial kernel,
/// and every output element is summed in the same order whatever range computes it (sample ranges start at multiples
/// of the kernel's sample block, so each sample falls in the same kind of block as on one thread), so results are
/// bit-identical to one thread.
/// </summary>
/// <remarks>
/// The caller's spans are pinned for the duration of a call (which waits for every part) and reach the threads as
/// pointers. One job object per thread and layer shape is created on first use and reused, so a call allocates nothing.
/// </remarks>
internal sealed unsafe class ParallelDense<TIn, TOut> : IParallelWork where TIn : IDimension where TOut : IDimension
{
    /// <summary>
    /// Products under this many multiply-adds (about 2 µs on one core) stay on the calling thread: the hand-off to a
    /// spinning worker and the wait for it cost about a microsecond.
    /// </summary>
    public const long MinMultiplyAdds = 1L << 19;

    /// <summary>
    /// Sample ranges are handed out in whole blocks of the kernel that runs them: six samples for the packed forward
    /// kernel, four for the dot-product forward and the input gradient. (A common grain of 12 split W2's batch of 64 as
    /// 36 + 28.) The grain must stay a multiple of those blocks: every range but the last then holds whole blocks, and
    /// the last ends where the batch does, so each sample goes through the same kind of block as on one thread (the
    /// dot-product kernel sums a sample left over after its blocks of four in a different order, see
    /// <see cref="BlockedDense{TIn, TOut, TS, TV}"/>).
    /// </summary>
    private const int PackedGrain = 6, BlockedGrain = 4;

    /// <summary>Fewer samples than this per thread are not worth a hand-off.</summary>
    private const int MinSamplesPerPart = 12;

    [ThreadStatic] private static ParallelDense<TIn, TOut>? t_job;

    private enum Kind { ForwardPackedByUnits, ForwardPackedBySamples, ForwardBlocked, WeightGradients, InputGradients }

    private Kind _kind;
    private float* _a, _b, _c, _d, _source;
    private int _batch, _parts;

    private static int N => TIn.Value;
    private static int Units => TOut.Value;

    public static bool Pays(int batch) => (long)batch * N * Units >= MinMultiplyAdds;

    /// <summary>
    /// z = x·wt + bias through the packed kernel, with wt = wᵀ [inputs × units]. When <paramref name="w"/> is not null, wt
    /// is only a buffer and is first filled from it: by each thread for its own units, or here before a split by samples.
    /// </summary>
    public static void ForwardPacked(float* w, float* wt, float* bias, float* x, float* z, int batch, int threads)
    {
        int blocks = Units / DenseKernels.PackedUnitBlock<TIn, TOut>();
        if (blocks >= 2)
        {
            Run(Kind.ForwardPackedByUnits, wt, bias, x, z, batch, Math.Min(threads, blocks), w);
            return;
        }
        if (w != null) Transpose.Copy(ref *w, Units, N, ref *wt);
        Run(Kind.ForwardPackedBySamples, wt, bias, x, z, batch, SampleParts(batch, threads));
    }

    /// <summary>z = x·wᵀ + bias through the dot-product kernel, by samples.</summary>
    public static void ForwardBlocked(float* w, float* bias, float* x, float* z, int batch, int threads) =>
        Run(Kind.ForwardBlocked, w, bias, x, z, batch, SampleParts(batch, threads));

    /// <summary>dW = dzᵀ·x and db = Σ_b dz, by rows of dW (units).</summary>
    public static void WeightGradients(float* dz, float* x, float* dw, float* db, int batch, int threads) =>
        Run(Kind.WeightGradients, dz, x, dw, db, batch, Math.Min(threads, Math.Max(1, Units / 4)));

    /// <summary>dx = dz·w, by samples.</summary>
    public static void InputGradients(float* dz, float* w, float* dx, int batch, int threads) =>
        Run(Kind.InputGradients, dz, w, dx, null, batch, SampleParts(batch, threads));

    private static int SampleParts(int batch, int threads) => Math.Max(1, Math.Min(threads, batch / MinSamplesPerPart));

    private static void Run(Kind kind, float* a, float* b, float* c, float* d, int batch, int parts, float* source = null)
    {
        var job = t_job ??= new ParallelDense<TIn, TOut>();
        job._kind = kind;
        job._a = a;
        job._b = b;
        job._c = c;
        job._d = d;
        job._source = source;
        job._batch = batch;
        job._parts = parts;
        try
        {
            WorkerTeam.Run(job, parts);
        }
        finally
        {
            job._a = job._b = job._c = job._d = job._source = null; // only valid inside this call
        }
    }

    /// <summary>Part <paramref name="part"/>'s share [start, end) of <paramref name="count"/> items handed out in multiples of <paramref name="grain"/>.</summary>
    private (int Start, int End) Share(int part, int count, int grain)
    {
        int chunks = (count + grain - 1) / grain;
        int start = (int)((long)chunks * part / _parts) * grain, end = (int)((long)chunks * (part + 1) / _parts) * grain;
        return (Math.Min(start, count), Math.Min(end, count));
    }

    void IParallelWork.Execute(int part)
    {
        switch (_kind)
        {
            case Kind.ForwardPackedByUnits:
            {
                var (start, end) = Share(part, Units, DenseKernels.PackedUnitBlock<TIn, TOut>());
                if (end <= start) break;
                if (_source != null) // rows start…end of w become columns start…end of wᵀ
                    Transpose.Copy(ref _source[(nint)start * N], end - start, N, ref _a[start], Units);
                DenseKernels.ForwardPacked<TIn, TOut>(ref *_a, ref *_b, ref *_c, ref *_d, _batch, start, end);
                break;
            }
            case Kind.ForwardPackedBySamples:
            {
                var (start, end) = Share(part, _batch, PackedGrain);
                if (end > start) DenseKernels.ForwardPacked<TIn, TOut>(ref *_a, ref *_b, ref _c[(nint)start * N], ref _d[(nint)start * Units], end - start, 0, Units);
                break;
            }
            case Kind.ForwardBlocked:
            {
                var (start, end) = Share(part, _batch, BlockedGrain);
                if (end > start) DenseKernels.ForwardBlocked<TIn, TOut>(ref *_a, ref *_b, ref _c[(nint)start * N], ref _d[(nint)start * Units], end - start);
                break;
            }
            case Kind.WeightGradients:
            {
                var (start, end) = Share(part, Units, 4);
                if (end <= start) break;
                DenseKernels.WeightGradientRange<TIn, TOut>(ref *_a, ref *_b, ref *_c, _batch, start, end);
                DenseKernels.BiasGradientRange<TOut>(ref *_a, ref *_d, _batch, start, end);
                break;
            }
            case Kind.InputGradients:
            {
                var (start, end) = Share(part, _batch, BlockedGrain);
                if (end > start) DenseKernels.InputGradientRows<TIn, TOut>(ref _a[(nint)start * Units], ref *_b, ref _c[(nint)start * N], end - start);
                break;
            }
        }
    }
}
