using NetGen.CompilerServices;

namespace NetGen.Tests.Kernels;

/// <summary>The dedicated threads data-parallel training and the optimizers' split steps run on.</summary>
public class WorkerTeamTests
{
    private sealed class Counting(int parts) : IParallelWork
    {
        public readonly int[] Runs = new int[parts];
        public readonly int[] Threads = new int[parts];
        public Func<int, Exception?>? Fault;

        public void Execute(int part)
        {
            Interlocked.Increment(ref Runs[part]);
            Threads[part] = Environment.CurrentManagedThreadId;
            if (Fault?.Invoke(part) is { } e) throw e;
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    public void EveryPartRunsOnceAndPartZeroOnTheCaller(int parts)
    {
        for (int round = 0; round < 200; round++)
        {
            var work = new Counting(parts);
            WorkerTeam.Run(work, parts);
            Assert.All(work.Runs, r => Assert.Equal(1, r));
            Assert.Equal(Environment.CurrentManagedThreadId, work.Threads[0]);
        }
    }

    [Fact]
    public void AFailingPartIsRethrownAfterEveryPartFinishedAndTheTeamKeepsWorking()
    {
        var work = new Counting(4) { Fault = part => part >= 2 ? new InvalidOperationException($"part {part}") : null };
        var e = Assert.Throws<InvalidOperationException>(() => WorkerTeam.Run(work, 4));
        Assert.Equal("part 2", e.Message); // the first failure by part number
        Assert.All(work.Runs, r => Assert.Equal(1, r));

        var next = new Counting(4);
        WorkerTeam.Run(next, 4);
        Assert.All(next.Runs, r => Assert.Equal(1, r));
    }

    [Fact]
    public void WhileTheTeamIsBusyAJobRunsOnTheCallerWithTheSameFailureRule()
    {
        using var holding = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        using var partOneStarted = new ManualResetEventSlim();
        var busy = new Counting(2)
        {
            Fault = part =>
            {
                if (part == 1) partOneStarted.Set();
                // Part 1 running while part 0 still is proves the team runs this job (inline, part 1 would come after);
                // then hold the team until the test is done.
                else if (partOneStarted.Wait(TimeSpan.FromSeconds(1))) { holding.Set(); release.Wait(); }
                return null;
            },
        };
        var holder = new Thread(() =>
        {
            // Retry until this thread is the one holding the team (another test may hold it for a moment).
            while (!holding.IsSet)
            {
                partOneStarted.Reset();
                WorkerTeam.Run(busy, 2);
            }
        });
        holder.Start();
        holding.Wait();
        try
        {
            var work = new Counting(4) { Fault = part => part >= 2 ? new InvalidOperationException($"part {part}") : null };
            var e = Assert.Throws<InvalidOperationException>(() => WorkerTeam.Run(work, 4));
            Assert.Equal("part 2", e.Message);
            Assert.All(work.Runs, r => Assert.Equal(1, r));
            Assert.All(work.Threads, t => Assert.Equal(Environment.CurrentManagedThreadId, t)); // all inline
        }
        finally
        {
            release.Set();
            holder.Join();
        }
    }

    [Fact]
    public void CallersOnSeveralThreadsAtOnceAllGetEveryPartRun()
    {
        var failures = new List<string>();
        var callers = Enumerable.Range(0, 4).Select(c => new Thread(() =>
        {
            for (int round = 0; round < 300; round++)
            {
                var work = new Counting(3);
                WorkerTeam.Run(work, 3);
                if (work.Runs.Any(r => r != 1)) lock (failures) failures.Add($"caller {c}, round {round}: {string.Join(",", work.Runs)}");
            }
        })).ToList();
        callers.ForEach(t => t.Start());
        callers.ForEach(t => t.Join());
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(3)));
    }

    [Fact]
    public void APartMayRunAJobOfItsOwn()
    {
        var inner = new Counting(3);
        var outer = new Counting(2) { Fault = _ => { WorkerTeam.Run(new Counting(3), 3); return null; } };
        WorkerTeam.Run(outer, 2);
        Assert.All(outer.Runs, r => Assert.Equal(1, r));
        WorkerTeam.Run(inner, 3);
        Assert.All(inner.Runs, r => Assert.Equal(1, r));
    }

    [Fact]
    public void AJobAllocatesNothingOnTheCallingThreadOnceTheTeamIsStarted()
    {
        var work = new Counting(3);
        WorkerTeam.Reserve(3); // the first job may run inline while another test holds the team
        // Warm up past tiered compilation's call counting and any on-stack replacement, as the other allocation tests do,
        // waking sleeping workers too: with a single job before the measurement, one CI run saw 6,600 bytes once.
        for (int i = 0; i < 60; i++)
        {
            WorkerTeam.Run(work, 3);
            if (i % 20 == 0) Thread.Sleep(1);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            WorkerTeam.Run(work, 3);
            if (i % 100 == 0) Thread.Sleep(1); // let the workers fall asleep now and then: waking them must not allocate either
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.All(work.Runs, r => Assert.Equal(1060, r));
    }
}
