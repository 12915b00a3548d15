using System.Runtime.ExceptionServices;

namespace NetGen.Optimizers;

/// <summary>An optimizer whose step can be split over threads (the built-in ones); the trainer sets it from its options.</summary>
internal interface IThreadedOptimizer
{
    int Threads { get; set; }
}

/// <summary>An element-wise update that can be applied to any range of the parameters on its own.</summary>
internal interface IRangeUpdate
{
    /// <summary>
    /// Updates the parameters from <paramref name="start"/> on: <paramref name="parameters"/> and
    /// <paramref name="gradients"/> are that range of the step's spans (the optimizer's state is sliced the same way).
    /// </summary>
    void UpdateRange(int start, Span<float> parameters, ReadOnlySpan<float> gradients);
}

/// <summary>
/// Splits an optimizer's element-wise update over threads: consecutive ranges of the parameters, aligned to cache lines,
/// the first on the calling thread and the rest on the thread pool through preallocated work items, so a step allocates
/// nothing. Every element gets the same arithmetic whichever thread runs it, so results do not depend on the thread
/// count.
/// </summary>
internal sealed class ParallelUpdate
{
    /// <summary>Below this many parameters the hand-off costs more than the second thread saves.</summary>
    public const int MinParameters = 32_768;

    private const int Alignment = 16; // floats per 64-byte cache line: no two threads write the same line

    private readonly IRangeUpdate _owner;
    private readonly Part[] _parts;
    private int _pending, _length;
    private unsafe float* _parameters, _gradients; // the step's spans, pinned while the threads update them

    public ParallelUpdate(IRangeUpdate owner, int threads)
    {
        _owner = owner;
        _parts = new Part[threads];
        for (int k = 0; k < threads; k++) _parts[k] = new Part(this, k);
    }

    public int Threads => _parts.Length;

    /// <summary>The optimizer's instance for <paramref name="threads"/> threads, created on first use or when the count changes.</summary>
    public static ParallelUpdate For(IRangeUpdate owner, ref ParallelUpdate? cached, int threads) =>
        cached is not null && cached.Threads == threads ? cached : cached = new ParallelUpdate(owner, threads);

    /// <summary>Whether a step over <paramref name="length"/> parameters with <paramref name="threads"/> threads is split.</summary>
    public static bool Pays(int threads, int length) => threads > 1 && length >= MinParameters;

    /// <summary>
    /// Splits the update of <paramref name="parameters"/> from <paramref name="gradients"/> (same length) over the
    /// threads and returns when every range is done. The spans are pinned for the duration of the call.
    /// </summary>
    public unsafe void Run(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        fixed (float* p = parameters, g = gradients)
        {
            _parameters = p;
            _gradients = g;
            _length = parameters.Length;
            try
            {
                Volatile.Write(ref _pending, _parts.Length - 1);
                for (int k = 1; k < _parts.Length; k++) ThreadPool.UnsafeQueueUserWorkItem(_parts[k], preferLocal: false);
                _parts[0].Execute();
                // The ranges are the same size, so the wait is short: spin and yield rather than block (no wait objects).
                var spinner = new SpinWait();
                while (Volatile.Read(ref _pending) != 0) spinner.SpinOnce(sleep1Threshold: -1);
            }
            finally
            {
                _parameters = _gradients = null; // only valid inside this call
            }
        }
        foreach (var part in _parts) part.Failure?.Throw();
    }

    private unsafe void UpdateRange(int start, int count) =>
        _owner.UpdateRange(start, new Span<float>(_parameters + start, count), new ReadOnlySpan<float>(_gradients + start, count));

    private int Boundary(int k) =>
        k == _parts.Length ? _length : (int)((long)_length * k / _parts.Length / Alignment * Alignment);

    private sealed class Part(ParallelUpdate owner, int index) : IThreadPoolWorkItem
    {
        public ExceptionDispatchInfo? Failure { get; private set; }

        public void Execute()
        {
            Failure = null;
            try
            {
                int start = owner.Boundary(index), end = owner.Boundary(index + 1);
                if (end > start) owner.UpdateRange(start, end - start);
            }
            catch (Exception e)
            {
                Failure = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                if (index != 0) Interlocked.Decrement(ref owner._pending);
            }
        }
    }
}
