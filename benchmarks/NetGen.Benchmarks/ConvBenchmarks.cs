using BenchmarkDotNet.Attributes;
using NetGen.CompilerServices;

namespace NetGen.Benchmarks;

/// <summary>
/// The convolution layers of the digits CNN (Conv(1→16, 5, pad 2) on 28 × 28 and Conv(16→32, 5, pad 2) on 14 × 14),
/// batch 64, one thread, through the kernels generated code calls: a training step's forward and backward (the first
/// layer needs no input gradient). Work per call, in multiply-adds × 2: forward and weight gradient of the first layer
/// 40.1 MFLOP each (80.3 MFLOP together); forward, weight and input gradient of the second 321.1 MFLOP each (963.4 MFLOP
/// together). GFLOP/s = MFLOP / Mean(µs); % of peak against <see cref="PeakFlopsBenchmarks"/> in the same run.
/// </summary>
[MemoryDiagnoser]
public class ConvBenchmarks
{
    private const int Batch = 64;

    private readonly struct Conv1 : IConv2DShape { public static int Channels => 1; public static int Height => 28; public static int Width => 28; public static int Filters => 16; public static int KernelSize => 5; public static int Stride => 1; public static int Padding => 2; }
    private readonly struct Conv2 : IConv2DShape { public static int Channels => 16; public static int Height => 14; public static int Width => 14; public static int Filters => 32; public static int KernelSize => 5; public static int Stride => 1; public static int Padding => 2; }

    private readonly float[] _x1 = Values(Batch * 784, 1), _w1 = Values(16 * 25, 2), _b1 = Values(16, 3), _z1 = new float[Batch * 16 * 784], _dz1 = Values(Batch * 16 * 784, 4);
    private readonly float[] _dw1 = new float[16 * 25], _db1 = new float[16];
    private readonly float[] _x2 = Values(Batch * 16 * 196, 5), _w2 = Values(32 * 400, 6), _b2 = Values(32, 7), _z2 = new float[Batch * 32 * 196], _dz2 = Values(Batch * 32 * 196, 8);
    private readonly float[] _dw2 = new float[32 * 400], _db2 = new float[32], _dx2 = new float[Batch * 16 * 196];
    private readonly AlignedBuffer _scratch = new(Math.Max(Conv2DKernels.ScratchLength<Conv1>(), Conv2DKernels.ScratchLength<Conv2>()));

    [Benchmark(Description = "Conv(1→16, 5, pad 2) 28×28, forward + weight gradient (80.3 MFLOP)")]
    public void FirstLayer()
    {
        Conv2DKernels.Forward<Conv1, ReLUOperator>(_w1, _b1, _x1, _z1, Batch, 0, Batch, _scratch.Span, default);
        Conv2DKernels.WeightGradients<Conv1>(_dz1, _x1, _dw1, _db1, Batch, 0, 16, _scratch.Span);
    }

    [Benchmark(Description = "Conv(16→32, 5, pad 2) 14×14, forward + weight + input gradient (963.4 MFLOP)")]
    public void SecondLayer()
    {
        Conv2DKernels.Forward<Conv2, ReLUOperator>(_w2, _b2, _x2, _z2, Batch, 0, Batch, _scratch.Span, default);
        Conv2DKernels.WeightGradients<Conv2>(_dz2, _x2, _dw2, _db2, Batch, 0, 32, _scratch.Span);
        Conv2DKernels.InputGradients<Conv2, LeakyReLUGradient>(_dz2, _w2, _dx2, Batch, 0, Batch, _x2, new LeakyReLUGradient(0f), _scratch.Span);
    }

    [Benchmark(Description = "Conv(16→32) forward only (321.1 MFLOP)")]
    public void SecondForward() => Conv2DKernels.Forward<Conv2, ReLUOperator>(_w2, _b2, _x2, _z2, Batch, 0, Batch, _scratch.Span, default);

    [Benchmark(Description = "Conv(16→32) weight gradient only (321.1 MFLOP)")]
    public void SecondWeightGradient() => Conv2DKernels.WeightGradients<Conv2>(_dz2, _x2, _dw2, _db2, Batch, 0, 32, _scratch.Span);

    [Benchmark(Description = "Conv(16→32) input gradient only (321.1 MFLOP)")]
    public void SecondInputGradient() => Conv2DKernels.InputGradients<Conv2, LeakyReLUGradient>(_dz2, _w2, _dx2, Batch, 0, Batch, _x2, new LeakyReLUGradient(0f), _scratch.Span);

    private static float[] Values(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1) * 0.5f;
        return values;
    }
}
