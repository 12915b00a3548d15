using NetGen.CompilerServices;

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
/// the first on the calling thread and the rest on the <see cref="WorkerTeam"/>, so a step allocates nothing. Every
/// element gets the same arithmetic whichever thread runs it, so results do not depend on the thread count.
/// </summary>
internal sealed class ParallelUpdate(IRangeUpdate owner, int threads) : IParallelWork
{
    private const int Alignment = Tuning.CacheLineFloats; // no two threads write the same cache line

    private int _length;
    private unsafe float* _parameters, _gradients; // the step's spans, pinned while the threads update them

    public int Threads => threads;

    /// <summary>
    /// One optimizer step: the owner's update over all parameters on the calling thread, or split over
    /// <paramref name="threads"/> threads once there are enough parameters to pay for it (<paramref name="cached"/> holds
    /// the owner's split, created on first use or when the thread count changes). The threshold is
    /// <see cref="Tuning.SplitCosts.OptimizerMinParameters"/>.
    /// </summary>
    public static void Step(IRangeUpdate owner, ref ParallelUpdate? cached, int threads, Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        if (threads <= 1 || parameters.Length < Tuning.Splits.OptimizerMinParameters)
        {
            owner.UpdateRange(0, parameters, gradients);
            return;
        }
        if (cached is null || cached.Threads != threads)
        {
            WorkerTeam.Reserve(threads);
            cached = new ParallelUpdate(owner, threads);
        }
        cached.Run(parameters, gradients);
    }

    /// <summary>
    /// Splits the update of <paramref name="parameters"/> from <paramref name="gradients"/> (same length) over the
    /// threads and returns when every range is done. The spans are pinned for the duration of the call.
    /// </summary>
    private unsafe void Run(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        fixed (float* p = parameters, g = gradients)
        {
            _parameters = p;
            _gradients = g;
            _length = parameters.Length;
            try
            {
                WorkerTeam.Run(this, threads);
            }
            finally
            {
                _parameters = _gradients = null; // only valid inside this call
            }
        }
    }

    unsafe void IParallelWork.Execute(int part)
    {
        int start = Boundary(part), end = Boundary(part + 1);
        if (end > start)
            owner.UpdateRange(start, new Span<float>(_parameters + start, end - start), new ReadOnlySpan<float>(_gradients + start, end - start));
    }

    private int Boundary(int k) => k == threads ? _length : (int)((long)_length * k / threads / Alignment * Alignment);
}
