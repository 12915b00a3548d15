using System.ComponentModel;

namespace NetGen.CompilerServices;

/// <summary>
/// Part of a training step that depends on each sample alone, for rows [<paramref name="start"/>, <paramref name="end"/>)
/// of the batch; <paramref name="inputs"/> and <paramref name="targets"/> are the whole batch's.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public delegate void RowRangeWork(int start, int end, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets);

/// <summary>
/// Part <paramref name="part"/> of <paramref name="parts"/> of work the generated code splits itself (the weight gradients
/// of several layers in one hand-off); <paramref name="inputs"/> and <paramref name="targets"/> are the whole batch's.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public delegate void PartWork(int part, int parts, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets);

/// <summary>
/// Runs per-sample work over ranges of the batch's rows on the <see cref="WorkerTeam"/>, in one hand-off. Generated
/// training code puts there the layers whose products are too small to split one by one (each would pay a hand-off of its
/// own): the last layers' forward products, the loss and their input gradients. The ranges start at multiples of
/// <see cref="Grain"/>, so every row goes through the same kind of kernel block as in a call over the whole batch, and the
/// row kernels (<see cref="DenseKernels.ForwardRows{TIn, TOut, TAct}"/>, <see cref="DenseKernels.InputGradientsRows{TIn, TOut, TGrad}"/>,
/// the loss kernels' Rows variants) choose their kernel by the whole batch: the results are the same for any thread count.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static unsafe class RowSplit
{
    /// <summary>Ranges start at multiples of this: the dot-product kernels' block of samples (see <c>ParallelDense</c>).</summary>
    public const int Grain = 4;

    /// <summary>
    /// Work under this many multiply-adds over the whole batch (about 2 µs on one core) stays on the calling thread: the
    /// hand-off to a spinning worker and the wait for it cost about a microsecond.
    /// </summary>
    public const long MinMultiplyAdds = 1L << 19;

    /// <summary>Fewer rows than this per thread are not worth a hand-off.</summary>
    private const int MinRowsPerPart = 8;

    [ThreadStatic] private static Job? t_job;

    /// <summary>
    /// Calls <paramref name="work"/> for rows [0, <paramref name="batch"/>): once on the calling thread, or, with
    /// <paramref name="threads"/> &gt; 1 and <paramref name="multiplyAddsPerRow"/> × batch at least
    /// <see cref="MinMultiplyAdds"/>, once per thread for consecutive ranges, returning when all are done.
    /// </summary>
    public static void Run(RowRangeWork work, int batch, int threads, long multiplyAddsPerRow, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets)
    {
        ArgumentNullException.ThrowIfNull(work);
        int parts = Parts(batch, threads, multiplyAddsPerRow);
        if (parts <= 1)
        {
            work(0, batch, inputs, targets);
            return;
        }
        fixed (float* x = inputs, y = targets)
            (t_job ??= new Job()).Run(work, x, inputs.Length, y, targets.Length, batch, parts);
    }

    /// <summary>
    /// Calls <paramref name="work"/> for parts 0 … parts − 1, one per thread, returning when all are done: as many parts
    /// as <paramref name="threads"/> when <paramref name="multiplyAddsPerRow"/> × batch is at least
    /// <see cref="MinMultiplyAdds"/>, else one, on the calling thread.
    /// </summary>
    public static void RunParts(PartWork work, int batch, int threads, long multiplyAddsPerRow, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets)
    {
        ArgumentNullException.ThrowIfNull(work);
        int parts = Pays(batch, threads, multiplyAddsPerRow) ? threads : 1;
        if (parts <= 1)
        {
            work(0, 1, inputs, targets);
            return;
        }
        fixed (float* x = inputs, y = targets)
            (t_job ??= new Job()).Run(work, x, inputs.Length, y, targets.Length, batch, parts);
    }

    /// <summary>How many ranges <see cref="Run"/> makes.</summary>
    public static int Parts(int batch, int threads, long multiplyAddsPerRow) =>
        Pays(batch, threads, multiplyAddsPerRow) ? Math.Max(1, Math.Min(threads, batch / MinRowsPerPart)) : 1;

    /// <summary>Whether work of <paramref name="multiplyAddsPerRow"/> × batch on <paramref name="threads"/> threads is worth a hand-off.</summary>
    private static bool Pays(int batch, int threads, long multiplyAddsPerRow) => threads > 1 && batch * multiplyAddsPerRow >= MinMultiplyAdds;

    /// <summary>Part k's rows: consecutive whole grains, as evenly as they divide.</summary>
    internal static (int Start, int End) Share(int part, int parts, int batch) => WorkerTeam.Share(part, parts, batch, Grain);

    private sealed class Job : IParallelWork
    {
        // One of the two is set for the current call: ranges of rows, or parts the work splits itself.
        private RowRangeWork? _rows;
        private PartWork? _parts;
        private float* _x, _y;
        private int _xLength, _yLength, _batch, _partCount;

        public void Run(RowRangeWork work, float* x, int xLength, float* y, int yLength, int batch, int parts)
        {
            _rows = work;
            Run(x, xLength, y, yLength, batch, parts);
        }

        public void Run(PartWork work, float* x, int xLength, float* y, int yLength, int batch, int parts)
        {
            _parts = work;
            Run(x, xLength, y, yLength, batch, parts);
        }

        private void Run(float* x, int xLength, float* y, int yLength, int batch, int parts)
        {
            _x = x;
            _y = y;
            (_xLength, _yLength, _batch, _partCount) = (xLength, yLength, batch, parts);
            try
            {
                WorkerTeam.Run(this, parts);
            }
            finally
            {
                _rows = null; // only valid inside this call
                _parts = null;
                _x = _y = null;
            }
        }

        public void Execute(int part)
        {
            var inputs = new ReadOnlySpan<float>(_x, _xLength);
            var targets = new ReadOnlySpan<float>(_y, _yLength);
            if (_parts is { } work)
            {
                work(part, _partCount, inputs, targets);
                return;
            }
            var (start, end) = Share(part, _partCount, _batch);
            if (end > start) _rows!(start, end, inputs, targets);
        }
    }
}
