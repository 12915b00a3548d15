using NetGen.Kernels;

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
        WorkerTeam.Run(work, 3);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            WorkerTeam.Run(work, 3);
            if (i % 100 == 0) Thread.Sleep(1); // let the workers fall asleep now and then: waking them must not allocate either
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.All(work.Runs, r => Assert.Equal(1001, r));
    }
}
