using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace NetGen.CompilerServices;

/// <summary>Work split into numbered parts that can run on any thread in any order.</summary>
internal interface IParallelWork
{
    /// <summary>Runs part <paramref name="part"/> of the current job.</summary>
    void Execute(int part);
}

/// <summary>
/// The threads data-parallel training runs on: part 0 of a job on the calling thread, the others on dedicated background
/// threads that the team starts on first use and keeps. Between jobs a worker spins for a short while (training sends
/// several jobs per step, microseconds apart) and then sleeps on its own semaphore. Unlike thread-pool work items this
/// allocates nothing per job, not even when the thread pool would have grown, and while the workers spin a job is handed
/// over through shared memory alone, with no wake-up through the kernel. One job runs at a time: a caller that finds the team busy (another network
/// training on another thread) runs all its parts itself, which gives the same results.
/// </summary>
internal static class WorkerTeam
{
    private static readonly object Growth = new();
    private static Worker[] _workers = [];
    private static int _busy;
    private static IParallelWork? _work;
    private static int _pending;

    /// <summary>
    /// The current job as (generation &lt;&lt; 8) | parts, published in one write: a worker must take the part count from
    /// the same read that showed it the new generation. (With separate fields, a worker that sat out job N and was
    /// preempted could read job N + 1's part count, run its part, then see N + 1 as new and run it a second time.)
    /// </summary>
    private static long _job;

    /// <summary>How long an idle worker spins before it sleeps.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 20_000; // 50 µs

    /// <summary>How long the caller spins for the other parts before it starts yielding its CPU.</summary>
    private static readonly long YieldTicks = Stopwatch.Frequency / 1_000; // 1 ms

    /// <summary>
    /// Runs parts 0 … <paramref name="parts"/> − 1 of <paramref name="work"/> and returns when all are done; rethrows the
    /// first part's exception (by part number) after every part has finished.
    /// </summary>
    public static void Run(IParallelWork work, int parts)
    {
        if (parts <= 1 || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            RunInline(work, parts);
            return;
        }
        try
        {
            Worker[] workers = EnsureWorkers(parts - 1);
            _work = work;
            Volatile.Write(ref _pending, parts - 1);
            // Publishes the job (a full fence, after _work and _pending): workers 1 … parts − 1 take their part.
            Interlocked.Exchange(ref _job, (((Volatile.Read(ref _job) >> 8) + 1) << 8) | (uint)parts);
            for (int k = 0; k < parts - 1; k++) workers[k].Wake();

            ExceptionDispatchInfo? first = null;
            try
            {
                work.Execute(0);
            }
            catch (Exception e)
            {
                first = ExceptionDispatchInfo.Capture(e);
            }

            // Wait for the other parts by pure spinning first: yielding here (SpinWait.SpinOnce calls sched_yield)
            // makes Linux park the caller and a worker on one CPU for seconds at a time, measured on 784-128-64-10 as
            // whole runs at 190 µs a step instead of 110 at batch 64 (one thread: 190). Only a wait longer than a
            // millisecond (more threads than cores, or a descheduled worker) falls back to yielding, so an
            // oversubscribed machine still progresses. With more parts than cores a worker may be waiting for this very
            // CPU: yield from the start.
            long yieldAfter = parts > Environment.ProcessorCount ? 0 : Stopwatch.GetTimestamp() + YieldTicks;
            var spinner = new SpinWait();
            while (Volatile.Read(ref _pending) != 0)
            {
                if (Stopwatch.GetTimestamp() < yieldAfter) Thread.SpinWait(20);
                else spinner.SpinOnce(sleep1Threshold: -1);
            }
            _work = null;
            for (int k = 0; k < parts - 1; k++)
                if (workers[k].TakeFailure() is { } failure) first ??= failure;
            first?.Throw();
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>
    /// Starts the threads a job of <paramref name="parts"/> parts needs, if not yet running. Owners of parallel work call
    /// it when they are created, so that no later job starts (and allocates) a thread.
    /// </summary>
    public static void Reserve(int parts) => EnsureWorkers(parts - 1);

    /// <summary>
    /// The time from publishing a two-part job to the caller seeing both parts done, with nothing to do in either: the
    /// median of many back-to-back jobs, so the worker is spinning as it is between a training step's products. Null
    /// when there is no second core, or when another job held the team and the parts ran on the calling thread.
    /// </summary>
    public static double? MeasureHandOffNanoseconds()
    {
        if (Environment.ProcessorCount < 2) return null;
        Reserve(2);
        var probe = new EmptyJob();
        const int warmup = 64, timed = 255;
        var samples = new double[timed];
        for (int i = 0; i < warmup + timed; i++)
        {
            probe.RanElsewhere = false;
            long start = Stopwatch.GetTimestamp();
            Run(probe, 2);
            double ns = Stopwatch.GetElapsedTime(start).TotalNanoseconds;
            if (!probe.RanElsewhere) return null;
            if (i >= warmup) samples[i - warmup] = ns;
        }
        Array.Sort(samples);
        return samples[timed / 2];
    }

    private sealed class EmptyJob : IParallelWork
    {
        private readonly int _caller = Environment.CurrentManagedThreadId;
        public volatile bool RanElsewhere;

        public void Execute(int part)
        {
            if (part == 1 && Environment.CurrentManagedThreadId != _caller) RanElsewhere = true;
        }
    }

    /// <summary>
    /// Part <paramref name="part"/>'s share [start, end) of <paramref name="count"/> items split into <paramref name="parts"/>
    /// consecutive ranges of whole multiples of <paramref name="grain"/>, as evenly as they divide (the last may end off
    /// the grain, at <paramref name="count"/>).
    /// </summary>
    public static (int Start, int End) Share(int part, int parts, int count, int grain)
    {
        int chunks = (count + grain - 1) / grain;
        int start = (int)((long)chunks * part / parts) * grain, end = (int)((long)chunks * (part + 1) / parts) * grain;
        return (Math.Min(start, count), Math.Min(end, count));
    }

    /// <summary>Every part on the calling thread, with the same failure rule as the team: all parts run, the first failure is rethrown.</summary>
    private static void RunInline(IParallelWork work, int parts)
    {
        ExceptionDispatchInfo? first = null;
        for (int k = 0; k < parts; k++)
        {
            try
            {
                work.Execute(k);
            }
            catch (Exception e)
            {
                first ??= ExceptionDispatchInfo.Capture(e);
            }
        }
        first?.Throw();
    }

    private static Worker[] EnsureWorkers(int count)
    {
        Worker[] workers = _workers;
        if (workers.Length >= count) return workers;
        lock (Growth)
        {
            if (_workers.Length < count)
            {
                var grown = new Worker[count];
                _workers.CopyTo(grown, 0);
                for (int k = _workers.Length; k < count; k++) grown[k] = new Worker(k + 1, Volatile.Read(ref _job) >> 8);
                _workers = grown;
            }
            return _workers;
        }
    }

    private sealed class Worker
    {
        private const int Running = 0, Sleeping = 1;
        private readonly int _part;
        private readonly SemaphoreSlim _signal = new(0);
        private long _seen;
        private int _state = Running;
        private ExceptionDispatchInfo? _failure;

        public Worker(int part, long generation)
        {
            _part = part;
            _seen = generation;
            new Thread(Loop) { IsBackground = true, Name = $"NetGen worker {part}" }.Start();
        }

        /// <summary>Wakes the worker if it went to sleep (a spinning one sees the new generation by itself).</summary>
        public void Wake()
        {
            if (Interlocked.Exchange(ref _state, Running) == Sleeping) _signal.Release();
        }

        public ExceptionDispatchInfo? TakeFailure()
        {
            var failure = _failure;
            _failure = null;
            return failure;
        }

        private void Loop()
        {
            while (true)
            {
                long job = WaitForJob();
                _seen = job >> 8;
                if (_part < (int)(job & 0xFF)) // a part of this job: it cannot finish without this worker, so _work is its
                {
                    try
                    {
                        _work!.Execute(_part);
                    }
                    catch (Exception e)
                    {
                        _failure = ExceptionDispatchInfo.Capture(e);
                    }
                    finally
                    {
                        Interlocked.Decrement(ref _pending);
                    }
                }
            }
        }

        /// <summary>Returns the first job word whose generation this worker has not seen.</summary>
        private long WaitForJob()
        {
            long deadline = Stopwatch.GetTimestamp() + SpinTicks;
            long job;
            while ((job = Volatile.Read(ref _job)) >> 8 == _seen)
            {
                if (Stopwatch.GetTimestamp() < deadline)
                {
                    Thread.SpinWait(20);
                    continue;
                }
                // Sleep, unless a job was published between the check above and the state change (a full fence: the
                // read of the generation below must not move before this write).
                Interlocked.Exchange(ref _state, Sleeping);
                if (Volatile.Read(ref _job) >> 8 == _seen || Interlocked.Exchange(ref _state, Running) == Running)
                    _signal.Wait(); // woken by Wake(), or consuming the release of a Wake() that raced with the check
                // A release can be late: Wake() for a job this worker already saw while spinning. Check again rather
                // than assume a new job.
                deadline = Stopwatch.GetTimestamp() + SpinTicks;
            }
            return job;
        }
    }
}
