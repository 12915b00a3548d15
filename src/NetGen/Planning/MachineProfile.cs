using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.CompilerServices;

/// <summary>
/// What the planner knows of the machine: the widest accelerated float vector, the data caches of one core, the cores,
/// and costs measured once (the worker team's hand-off, the core's multiply-add rate, a short row's copy). <see cref="Tuning"/>
/// derives every threshold and tile size from these.
/// </summary>
/// <param name="FloatLanes">Floats per widest accelerated vector: 16 with AVX-512, 8 with AVX2, 4 with SSE or AdvSimd, 1 without SIMD.</param>
/// <param name="L1DataBytes">One core's L1 data cache.</param>
/// <param name="L2Bytes">One core's L2 cache.</param>
/// <param name="Cores">Processors the process may use.</param>
/// <param name="Source">Where the cache sizes came from (the OS, or the defaults when it does not say).</param>
internal sealed record MachineProfile(int FloatLanes, long L1DataBytes, long L2Bytes, int Cores, string Source)
{
    /// <summary>
    /// Cache sizes when the OS does not report them: the smallest of current x86-64 and ARM64 server and desktop cores
    /// (32 KB L1, 512 KB L2), so tiles chosen from them fit on any of those.
    /// </summary>
    private const long DefaultL1 = 32 * 1024, DefaultL2 = 512 * 1024;

    /// <summary>This machine, read once.</summary>
    public static MachineProfile Current { get; } = Detect();

    private static MachineProfile Detect()
    {
        int lanes = Vector512.IsHardwareAccelerated ? Vector512<float>.Count
            : Vector256.IsHardwareAccelerated ? Vector256<float>.Count
            : Vector128.IsHardwareAccelerated ? Vector128<float>.Count : 1;
        var (l1, l2) = (ReadLinuxCache(1, "Data"), ReadLinuxCache(2, "Unified"));
        string source = l1 > 0 && l2 > 0 ? "/sys/devices/system/cpu/cpu0/cache" : "defaults (the OS did not report the caches)";
        return new MachineProfile(lanes, l1 > 0 ? l1 : DefaultL1, l2 > 0 ? l2 : DefaultL2, Environment.ProcessorCount, source);
    }

    /// <summary>A cache's size from Linux's sysfs (level and type as it names them), or 0 when it is not there.</summary>
    private static long ReadLinuxCache(int level, string type)
    {
        if (!OperatingSystem.IsLinux()) return 0;
        try
        {
            const string root = "/sys/devices/system/cpu/cpu0/cache";
            if (!Directory.Exists(root)) return 0;
            foreach (string index in Directory.EnumerateDirectories(root, "index*"))
            {
                if (File.ReadAllText(Path.Combine(index, "level")).Trim() != level.ToString(CultureInfo.InvariantCulture)) continue;
                if (File.ReadAllText(Path.Combine(index, "type")).Trim() != type) continue;
                return ParseSize(File.ReadAllText(Path.Combine(index, "size")).Trim());
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unreadable sysfs (a sandbox): the defaults apply.
        }
        return 0;
    }

    /// <summary>"1024K", "32M" or a plain byte count as sysfs writes it; 0 when it is none of those.</summary>
    internal static long ParseSize(string text)
    {
        if (text.Length == 0) return 0;
        long unit = char.ToUpperInvariant(text[^1]) switch { 'K' => 1024, 'M' => 1024 * 1024, 'G' => 1024L * 1024 * 1024, _ => 1 };
        string digits = unit == 1 ? text : text[..^1];
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long value) && value > 0 ? value * unit : 0;
    }

    /// <summary>
    /// Multiply-adds one core runs per nanosecond in the widest vector: twelve independent accumulators (more than the FMA
    /// latency times its throughput on current cores) over a short loop, compiled fully optimized, best of a few tries.
    /// </summary>
    public static double MeasureMultiplyAddsPerNanosecond()
    {
        const int iterations = 4096, tries = 5;
        double best = 0;
        for (int t = 0; t < tries; t++)
        {
            long start = Stopwatch.GetTimestamp();
            float sink = FmaLoop(iterations);
            double ns = Stopwatch.GetElapsedTime(start).TotalNanoseconds;
            if (sink == float.MaxValue) ns += 1; // keeps the loop's result alive
            best = Math.Max(best, 12.0 * iterations * Current.FloatLanes / Math.Max(ns, 1));
        }
        return best;
    }

    /// <summary>
    /// Nanoseconds to copy one short row of floats to another place, as packing an im2col matrix does for every output row
    /// of every patch element: rows of one vector's length (at least 8 floats) from a 16 KB source to a 64 KB destination,
    /// both in L1 or L2 as the packed data is, best of a few tries.
    /// </summary>
    public static double MeasureRowCopyNanoseconds()
    {
        const int rows = 1024, tries = 5;
        int length = Math.Max(8, Current.FloatLanes);
        var source = new float[4096];
        var destination = new float[16384];
        double best = double.PositiveInfinity;
        for (int t = 0; t < tries; t++)
        {
            long start = Stopwatch.GetTimestamp();
            CopyRows(source, destination, rows, length);
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalNanoseconds / rows);
        }
        return best;
    }

    /// <summary>Nanoseconds per float of a transpose the size of a small convolution's output ([196 positions × 32 filters] into [32 × 196]), the best of five.</summary>
    public static double MeasureTransposeNanoseconds()
    {
        const int rows = 196, columns = 32, repeats = 16, tries = 5;
        var source = new float[rows * columns];
        var destination = new float[rows * columns];
        double best = double.PositiveInfinity;
        for (int t = 0; t < tries; t++)
        {
            long start = Stopwatch.GetTimestamp();
            TransposeRepeatedly(source, destination, rows, columns, repeats);
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalNanoseconds / ((double)repeats * rows * columns));
        }
        return best;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void TransposeRepeatedly(float[] source, float[] destination, int rows, int columns, int repeats)
    {
        for (int r = 0; r < repeats; r++)
            Transpose.Copy(ref source[0], rows, columns, columns, ref destination[0], rows);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void CopyRows(float[] source, float[] destination, int rows, int length)
    {
        // Rows start at unaligned, scattered places, as an image's rows shifted by a kernel column do.
        for (int r = 0; r < rows; r++)
            source.AsSpan(r * 37 % (source.Length - length), length).CopyTo(destination.AsSpan(r * length % (destination.Length - length), length));
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float FmaLoop(int iterations)
    {
        if (Vector512.IsHardwareAccelerated) return Loop<Simd512, Vector512<float>>(iterations);
        if (Vector256.IsHardwareAccelerated) return Loop<Simd256, Vector256<float>>(iterations);
        if (Vector128.IsHardwareAccelerated) return Loop<Simd128, Vector128<float>>(iterations);
        float a = 1f, b = 0.999f;
        for (int i = 0; i < iterations * 12; i++) a = MathF.FusedMultiplyAdd(a, b, 1e-7f);
        return a;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Loop<TS, TV>(int iterations) where TS : ISimdWidth<TV> where TV : struct
    {
        TV m = TS.Broadcast(0.999f), c = TS.Broadcast(1e-7f);
        TV a0 = TS.Broadcast(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < iterations; i++)
        {
            a0 = TS.MulAdd(a0, m, c); a1 = TS.MulAdd(a1, m, c); a2 = TS.MulAdd(a2, m, c); a3 = TS.MulAdd(a3, m, c);
            a4 = TS.MulAdd(a4, m, c); a5 = TS.MulAdd(a5, m, c); a6 = TS.MulAdd(a6, m, c); a7 = TS.MulAdd(a7, m, c);
            a8 = TS.MulAdd(a8, m, c); a9 = TS.MulAdd(a9, m, c); a10 = TS.MulAdd(a10, m, c); a11 = TS.MulAdd(a11, m, c);
        }
        TV sum = TS.Add(TS.Add(TS.Add(a0, a1), TS.Add(a2, a3)), TS.Add(TS.Add(a4, a5), TS.Add(a6, a7)));
        return TS.Sum(TS.Add(sum, TS.Add(TS.Add(a8, a9), TS.Add(a10, a11))));
    }
}
