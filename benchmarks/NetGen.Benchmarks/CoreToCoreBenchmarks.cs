using BenchmarkDotNet.Attributes;

namespace NetGen.Benchmarks;

/// <summary>
/// How fast two threads of one process exchange data on this machine: the round trip of one cache line, and 64 KB
/// written by one thread and read by the other, each way. Two-thread training moves activations, gradients and updated
/// weights between the cores every step, so its speed-up depends on these figures as well as on the cores.
/// </summary>
/// <remarks>
/// On a VM the two vCPUs may be placed close together (sharing an L3 cache) or far apart, and the placement can change
/// from minute to minute. Read the two-thread training rows next to these rows from the same run; benchmarks/README.md
/// gives both placements' figures on the machine it names.
/// </remarks>
public class CoreToCoreBenchmarks
{
    private const int RoundTrips = 10_000;
    private const int Floats = 16 * 1024; // 64 KB

    private readonly float[] _there = new float[Floats], _back = new float[Floats];
    private Thread? _partner;
    private long _turn; // odd: the partner's move; even: the caller's
    private volatile int _mode; // 0 round trip, 1 hand-off, -1 stop
    private float _sink;

    [GlobalSetup]
    public void Setup()
    {
        _partner = new Thread(Partner) { IsBackground = true, Name = "CoreToCore partner" };
        _partner.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _mode = -1;
        Interlocked.Increment(ref _turn);
        _partner?.Join();
    }

    [Benchmark(Description = "Core to core: one cache line there and back", OperationsPerInvoke = RoundTrips)]
    public long RoundTrip()
    {
        _mode = 0;
        long turn = Volatile.Read(ref _turn);
        for (int i = 0; i < RoundTrips; i++)
        {
            Volatile.Write(ref _turn, ++turn); // odd: the partner answers with turn + 1
            while (Volatile.Read(ref _turn) == turn) { }
            turn++;
        }
        return turn;
    }

    [Benchmark(Description = "Core to core: 64 KB written by one thread and read by the other, each way")]
    public float HandOff()
    {
        _mode = 1;
        Fill(_there, _sink);
        long turn = Volatile.Read(ref _turn) + 1;
        Volatile.Write(ref _turn, turn);
        while (Volatile.Read(ref _turn) == turn) { }
        return _sink = Sum(_back);
    }

    private void Partner()
    {
        long seen = 0;
        while (true)
        {
            long turn;
            while (((turn = Volatile.Read(ref _turn)) & 1) == 0 || turn == seen) { }
            if (_mode < 0) return;
            if (_mode == 1) Fill(_back, Sum(_there));
            seen = turn;
            Volatile.Write(ref _turn, turn + 1);
        }
    }

    private static void Fill(float[] buffer, float value) => buffer.AsSpan().Fill(value);

    private static float Sum(float[] buffer) => System.Numerics.Tensors.TensorPrimitives.Sum(buffer);
}
