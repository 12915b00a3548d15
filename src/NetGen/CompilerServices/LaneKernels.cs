using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace NetGen.CompilerServices;

/// <summary>
/// Helpers for the generated training code of tiny networks (every layer unrolled): there, samples go four at a time
/// through the lanes of <see cref="Vector128{T}"/> values, one value per unit, so a layer of 4 units costs 4 vector
/// operations for 4 samples instead of 4 kernel calls over memory. Lanes past the end of the batch hold zeros and are
/// masked out of the loss and the gradients.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class LaneKernels
{
    /// <summary>The number of samples in one group.</summary>
    public const int Lanes = 4;

    /// <summary>1 in the first <paramref name="valid"/> lanes, 0 in the rest.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Mask(int valid) => valid >= Lanes
        ? Vector128<float>.One
        : Vector128.LessThan(Vector128.Create(0f, 1f, 2f, 3f), Vector128.Create((float)valid)) & Vector128<float>.One;

    /// <summary>
    /// Column <paramref name="column"/> of samples <paramref name="sample"/> … <paramref name="sample"/> + 3 of a
    /// row-major matrix <paramref name="width"/> wide: lane k holds data[(sample + k)·width + column] for k &lt;
    /// <paramref name="valid"/>, and 0 after.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Column(ReadOnlySpan<float> data, int width, int sample, int valid, int column)
    {
        nint first = (nint)sample * width + column;
        if ((uint)valid - 1 >= Lanes || column < 0 || column >= width || first < 0 || first + (nint)(valid - 1) * width >= data.Length)
            ThrowHelper.ThrowLaneRange(data.Length, width, sample, valid, column);
        ref float r = ref Unsafe.Add(ref MemoryMarshal.GetReference(data), first);
        if (valid == Lanes)
            return Vector128.Create(r, Unsafe.Add(ref r, width), Unsafe.Add(ref r, 2 * width), Unsafe.Add(ref r, 3 * width));
        return Vector128.Create(r,
            valid > 1 ? Unsafe.Add(ref r, width) : 0f,
            valid > 2 ? Unsafe.Add(ref r, 2 * width) : 0f,
            0f);
    }

    /// <summary>a·w + c per lane (w broadcast), fused where the CPU has FMA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MulAdd(Vector128<float> a, float w, Vector128<float> c) => VectorOps.MulAdd(a, Vector128.Create(w), c);

    /// <summary>a·b + c per lane, fused where the CPU has FMA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MulAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => VectorOps.MulAdd(a, b, c);

    /// <summary>eˣ per lane (the activations' exponential: relative error about 2·10⁻⁷, x clamped to [−87.3, 88.7]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> x) => FastExp.Invoke(x);

    /// <summary>
    /// ln x per lane for positive normal x: x = 2ᵉ·m with m in [√½, √2), ln m = 2·atanh(t), t = (m − 1)/(m + 1),
    /// |t| ≤ 0.1716, series to t⁹ (truncation under 10⁻⁸ relative).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Log(Vector128<float> x)
    {
        Vector128<int> bits = x.AsInt32();
        Vector128<int> e = Vector128.ShiftRightLogical(bits, 23) - Vector128.Create(127);
        Vector128<float> m = ((bits & Vector128.Create(0x007FFFFF)) | Vector128.Create(0x3F800000)).AsSingle();
        Vector128<float> high = Vector128.GreaterThan(m, Vector128.Create(1.41421356f));
        m = Vector128.ConditionalSelect(high, m * 0.5f, m);
        e -= high.AsInt32(); // high lanes are all ones, i.e. −1
        Vector128<float> t = (m - Vector128<float>.One) / (m + Vector128<float>.One), t2 = t * t;
        Vector128<float> t4 = t2 * t2;
        Vector128<float> series = MulAdd(t4, MulAdd(t4, 1f / 9, MulAdd(t2, 1f / 7, Vector128.Create(1f / 5))), MulAdd(t2, 1f / 3, Vector128<float>.One));
        return MulAdd(Vector128.ConvertToSingle(e), 0.693147181f, (t + t) * series);
    }

    /// <summary>
    /// Binary cross-entropy of σ(z) against y per lane, from the logits: max(z, 0) − z·y + ln(1 + e^−|z|), finite for any
    /// z; <paramref name="dz"/> = σ(z) − y, its derivative with respect to z. ln(1 + u) for u = e^−|z| in (0, 1] is
    /// 2·atanh(u / (2 + u)), a series in t ≤ 1/3 to t¹⁵ (truncation under 2·10⁻⁹ relative; Estrin's scheme), exact near u = 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> BinaryCrossEntropyWithLogits(Vector128<float> z, Vector128<float> y, out Vector128<float> dz)
    {
        Vector128<float> u = FastExp.Invoke(-Vector128.Abs(z));
        Vector128<float> onePlusU = Vector128<float>.One + u;
        Vector128<float> sigmoid = Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(z, Vector128<float>.Zero), Vector128<float>.One, u) / onePlusU;
        dz = sigmoid - y;
        Vector128<float> t = u / (onePlusU + Vector128<float>.One), t2 = t * t, t4 = t2 * t2, t8 = t4 * t4;
        Vector128<float> series = MulAdd(t8,
            MulAdd(t4, MulAdd(t2, 1f / 15, Vector128.Create(1f / 13)), MulAdd(t2, 1f / 11, Vector128.Create(1f / 9))),
            MulAdd(t4, MulAdd(t2, 1f / 7, Vector128.Create(1f / 5)), MulAdd(t2, 1f / 3, Vector128<float>.One)));
        return Vector128.Max(z, Vector128<float>.Zero) - z * y + (t + t) * series;
    }

    /// <summary>
    /// The lane sums of four accumulators as one vector (a 4 × 4 transpose folded into the additions): six operations
    /// instead of four horizontal sums of four each, and one store for four consecutive gradients.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4(Vector128<float> a, Vector128<float> b, Vector128<float> c, Vector128<float> d)
    {
        if (Sse.IsSupported)
        {
            Vector128<float> ab = Sse.UnpackLow(a, b) + Sse.UnpackHigh(a, b); // a0+a2, b0+b2, a1+a3, b1+b3
            Vector128<float> cd = Sse.UnpackLow(c, d) + Sse.UnpackHigh(c, d);
            return Sse.MoveLowToHigh(ab, cd) + Sse.MoveHighToLow(cd, ab);
        }
        if (AdvSimd.Arm64.IsSupported)
            return AdvSimd.Arm64.AddPairwise(AdvSimd.Arm64.AddPairwise(a, b), AdvSimd.Arm64.AddPairwise(c, d));
        return Vector128.Create(Vector128.Sum(a), Vector128.Sum(b), Vector128.Sum(c), Vector128.Sum(d));
    }

    /// <summary>Writes the lane sums of four accumulators to destination[offset … offset + 3].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreSums(Span<float> destination, int offset, Vector128<float> a, Vector128<float> b, Vector128<float> c, Vector128<float> d) =>
        Sum4(a, b, c, d).CopyTo(destination.Slice(offset, Lanes));

    /// <summary>
    /// Writes the lane sums of eight accumulators to destination[offset … offset + 7], as one 256-bit store where
    /// <see cref="Vector{T}"/> is at least that wide. The optimizers read the gradients in <see cref="Vector{T}"/>
    /// pieces from the start of the buffer; a load that spans two narrower stores cannot take its data straight from
    /// them (store-to-load forwarding) and waits until they reach the cache, which lengthens a tiny network's step,
    /// a chain of dependent operations, by several nanoseconds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreSums(Span<float> destination, int offset,
        Vector128<float> a, Vector128<float> b, Vector128<float> c, Vector128<float> d,
        Vector128<float> e, Vector128<float> f, Vector128<float> g, Vector128<float> h)
    {
        Span<float> target = destination.Slice(offset, 2 * Lanes);
        if (Vector<float>.Count >= 2 * Lanes && Vector256.IsHardwareAccelerated)
        {
            Vector256.Create(Sum4(a, b, c, d), Sum4(e, f, g, h)).CopyTo(target);
            return;
        }
        Sum4(a, b, c, d).CopyTo(target);
        Sum4(e, f, g, h).CopyTo(target.Slice(Lanes));
    }

    /// <summary>The sum of the lanes, in double (the loss of a long batch is accumulated group by group).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sum(Vector128<float> x) => (double)x[0] + x[1] + (double)x[2] + x[3];
}
