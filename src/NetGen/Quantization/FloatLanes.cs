using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.Quantization;

/// <summary>
/// The float operations <see cref="SoftmaxOutput"/> needs, on one vector width. Every operation is exact or one
/// IEEE-754 rounding to nearest (ties to even) per lane, with no fused multiply-add, so a lane computes the same bits
/// on every width and in the scalar code.
/// </summary>
internal unsafe interface IFloatLanes<TV> where TV : struct
{
    /// <summary>The lanes per vector: 16, 8 or 4.</summary>
    static abstract int Count { get; }
    static abstract TV Create(float value);
    static abstract TV Load(float* source);
    static abstract void Store(TV value, float* destination);
    /// <summary><c>(float)(sums[i] + offsets[i]) · scales[i]</c> per lane (the int32 sum wraps as in C#).</summary>
    static abstract TV Dequantize(int* sums, int* offsets, float* scales);
    static abstract TV Add(TV a, TV b);
    static abstract TV Subtract(TV a, TV b);
    static abstract TV Multiply(TV a, TV b);
    static abstract TV Divide(TV a, TV b);
    /// <summary>The smaller per lane; the operands are never NaN.</summary>
    static abstract TV Min(TV a, TV b);
    /// <summary>The larger per lane; the operands are never NaN.</summary>
    static abstract TV Max(TV a, TV b);
    /// <summary>To the nearest whole number, ties to even.</summary>
    static abstract TV Round(TV a);
    /// <summary>2^n for whole n in [−126, 127], built in the exponent bits.</summary>
    static abstract TV Pow2(TV n);
    /// <summary>All bits set where a ≥ b, none elsewhere.</summary>
    static abstract TV GreaterThanOrEqual(TV a, TV b);
    /// <summary>Per bit: <paramref name="a"/> where <paramref name="mask"/> is set, <paramref name="b"/> elsewhere.</summary>
    static abstract TV Select(TV mask, TV a, TV b);
    /// <summary>
    /// The 16 lanes held in <c>16 / Count</c> vectors (a0 lanes 0 to Count − 1, a1 the next, …) combined by the halving
    /// tree of <see cref="SoftmaxOutput"/>: lane i with i + 8, then i + 4, i + 2, i + 1; the sum, or the maximum.
    /// </summary>
    static abstract float Reduce(TV a0, TV a1, TV a2, TV a3, bool maximum);
}

internal readonly unsafe struct Lanes512 : IFloatLanes<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Create(float value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(float* source) => Vector512.Load(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> value, float* destination) => value.Store(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Dequantize(int* sums, int* offsets, float* scales) =>
        Vector512.ConvertToSingle(Vector512.Load(sums) + Vector512.Load(offsets)) * Vector512.Load(scales);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Divide(Vector512<float> a, Vector512<float> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Min(Vector512<float> a, Vector512<float> b) => Vector512.MinNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Vector512.MaxNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Round(Vector512<float> a) => Vector512.Round(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Pow2(Vector512<float> n) => ((Vector512.ConvertToInt32Native(n) + Vector512.Create(127)) << 23).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> GreaterThanOrEqual(Vector512<float> a, Vector512<float> b) => Vector512.GreaterThanOrEqual(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Select(Vector512<float> mask, Vector512<float> a, Vector512<float> b) => Vector512.ConditionalSelect(mask, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Reduce(Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3, bool maximum)
    {
        Vector256<float> t = maximum ? Vector256.MaxNative(a0.GetLower(), a0.GetUpper()) : a0.GetLower() + a0.GetUpper();
        Vector128<float> u = maximum ? Vector128.MaxNative(t.GetLower(), t.GetUpper()) : t.GetLower() + t.GetUpper();
        return SoftmaxOutput.Tree4(u, maximum);
    }
}

internal readonly unsafe struct Lanes256 : IFloatLanes<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Create(float value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(float* source) => Vector256.Load(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> value, float* destination) => value.Store(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Dequantize(int* sums, int* offsets, float* scales) =>
        Vector256.ConvertToSingle(Vector256.Load(sums) + Vector256.Load(offsets)) * Vector256.Load(scales);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Divide(Vector256<float> a, Vector256<float> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Min(Vector256<float> a, Vector256<float> b) => Vector256.MinNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Vector256.MaxNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Round(Vector256<float> a) => Vector256.Round(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Pow2(Vector256<float> n) => ((Vector256.ConvertToInt32Native(n) + Vector256.Create(127)) << 23).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> GreaterThanOrEqual(Vector256<float> a, Vector256<float> b) => Vector256.GreaterThanOrEqual(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Select(Vector256<float> mask, Vector256<float> a, Vector256<float> b) => Vector256.ConditionalSelect(mask, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Reduce(Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3, bool maximum)
    {
        Vector256<float> t = maximum ? Vector256.MaxNative(a0, a1) : a0 + a1;
        Vector128<float> u = maximum ? Vector128.MaxNative(t.GetLower(), t.GetUpper()) : t.GetLower() + t.GetUpper();
        return SoftmaxOutput.Tree4(u, maximum);
    }
}

internal readonly unsafe struct Lanes128 : IFloatLanes<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Create(float value) => Vector128.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(float* source) => Vector128.Load(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<float> value, float* destination) => value.Store(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Dequantize(int* sums, int* offsets, float* scales) =>
        Vector128.ConvertToSingle(Vector128.Load(sums) + Vector128.Load(offsets)) * Vector128.Load(scales);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Subtract(Vector128<float> a, Vector128<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Multiply(Vector128<float> a, Vector128<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Divide(Vector128<float> a, Vector128<float> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Min(Vector128<float> a, Vector128<float> b) => Vector128.MinNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Max(Vector128<float> a, Vector128<float> b) => Vector128.MaxNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Round(Vector128<float> a) => Vector128.Round(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Pow2(Vector128<float> n) => ((Vector128.ConvertToInt32Native(n) + Vector128.Create(127)) << 23).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> GreaterThanOrEqual(Vector128<float> a, Vector128<float> b) => Vector128.GreaterThanOrEqual(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Select(Vector128<float> mask, Vector128<float> a, Vector128<float> b) => Vector128.ConditionalSelect(mask, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Reduce(Vector128<float> a0, Vector128<float> a1, Vector128<float> a2, Vector128<float> a3, bool maximum)
    {
        Vector128<float> t0 = maximum ? Vector128.MaxNative(a0, a2) : a0 + a2, t1 = maximum ? Vector128.MaxNative(a1, a3) : a1 + a3;
        return SoftmaxOutput.Tree4(maximum ? Vector128.MaxNative(t0, t1) : t0 + t1, maximum);
    }
}
