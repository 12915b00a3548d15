using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace NetGen.CompilerServices;

/// <summary>
/// The two inner loops every dense kernel is built from, over a length known at JIT time (<c>TN</c>):
/// a dot product and y += α·x. Each picks Vector512, Vector256 or Vector128 at JIT time and keeps a scalar path;
/// a scalar tail is compiled only when the length is not a multiple of the vector width.
/// </summary>
internal static class VectorOps
{
    /// <summary>The smallest positive normal float, 2⁻¹²⁶.</summary>
    public const float SmallestNormal = 1.17549435E-38f;

    /// <summary>
    /// x, or 0 where |x| is subnormal (below 2⁻¹²⁶ ≈ 1.2·10⁻³⁸); NaN and infinities pass through. Optimizer state that
    /// decays geometrically (Adam's moments, momentum buffers, RMSProp's averages) reaches the subnormal range after some
    /// hundreds of steps without gradient, and arithmetic on subnormals is slow on x86. Measured on 669,696 Adam parameters given one gradient
    /// and then none: 231 µs a step, then 330-380 µs from step ~700 on; with the flush 255 µs throughout (the flush
    /// costs about 8 % when nothing is subnormal). PyTorch users get the same with <c>torch.set_flush_denormal(True)</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> FlushSubnormal(Vector<float> x) =>
        Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(x), new Vector<float>(SmallestNormal)), Vector<float>.Zero, x); // NaN stays NaN

    /// <summary>Scalar <see cref="FlushSubnormal(Vector{float})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float FlushSubnormal(float x) => MathF.Abs(x) < SmallestNormal ? 0f : x;

    /// <summary>Σ_i a[i]·b[i] over <typeparamref name="TN"/> elements, four independent accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot<TN>(ref float a, ref float b) where TN : IDimension
    {
        nuint n = (nuint)TN.Value;
        nuint i = 0;
        float sum = 0f;
        if (Vector512.IsHardwareAccelerated && n >= (nuint)Vector512<float>.Count)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i + 64 <= n; i += 64)
            {
                s0 = MulAdd(Vector512.LoadUnsafe(ref a, i), Vector512.LoadUnsafe(ref b, i), s0);
                s1 = MulAdd(Vector512.LoadUnsafe(ref a, i + 16), Vector512.LoadUnsafe(ref b, i + 16), s1);
                s2 = MulAdd(Vector512.LoadUnsafe(ref a, i + 32), Vector512.LoadUnsafe(ref b, i + 32), s2);
                s3 = MulAdd(Vector512.LoadUnsafe(ref a, i + 48), Vector512.LoadUnsafe(ref b, i + 48), s3);
            }
            for (; i + 16 <= n; i += 16)
                s0 = MulAdd(Vector512.LoadUnsafe(ref a, i), Vector512.LoadUnsafe(ref b, i), s0);
            sum = Vector512.Sum((s0 + s1) + (s2 + s3));
            if (TN.Value % 16 == 0) return sum;
        }
        else if (Vector256.IsHardwareAccelerated && n >= (nuint)Vector256<float>.Count)
        {
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i + 32 <= n; i += 32)
            {
                s0 = MulAdd(Vector256.LoadUnsafe(ref a, i), Vector256.LoadUnsafe(ref b, i), s0);
                s1 = MulAdd(Vector256.LoadUnsafe(ref a, i + 8), Vector256.LoadUnsafe(ref b, i + 8), s1);
                s2 = MulAdd(Vector256.LoadUnsafe(ref a, i + 16), Vector256.LoadUnsafe(ref b, i + 16), s2);
                s3 = MulAdd(Vector256.LoadUnsafe(ref a, i + 24), Vector256.LoadUnsafe(ref b, i + 24), s3);
            }
            for (; i + 8 <= n; i += 8)
                s0 = MulAdd(Vector256.LoadUnsafe(ref a, i), Vector256.LoadUnsafe(ref b, i), s0);
            sum = Vector256.Sum((s0 + s1) + (s2 + s3));
            if (TN.Value % 8 == 0) return sum;
        }
        else if (Vector128.IsHardwareAccelerated && n >= (nuint)Vector128<float>.Count)
        {
            Vector128<float> s0 = default, s1 = default;
            for (; i + 8 <= n; i += 8)
            {
                s0 = MulAdd(Vector128.LoadUnsafe(ref a, i), Vector128.LoadUnsafe(ref b, i), s0);
                s1 = MulAdd(Vector128.LoadUnsafe(ref a, i + 4), Vector128.LoadUnsafe(ref b, i + 4), s1);
            }
            for (; i + 4 <= n; i += 4)
                s0 = MulAdd(Vector128.LoadUnsafe(ref a, i), Vector128.LoadUnsafe(ref b, i), s0);
            sum = Vector128.Sum(s0 + s1);
            if (TN.Value % 4 == 0) return sum;
        }

        for (; i < n; i++)
            sum += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
        return sum;
    }

    /// <summary>y[i] += α·x[i] over <typeparamref name="TN"/> elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy<TN>(float alpha, ref float x, ref float y) where TN : IDimension
    {
        nuint n = (nuint)TN.Value;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated && n >= (nuint)Vector512<float>.Count)
        {
            var va = Vector512.Create(alpha);
            for (; i + 16 <= n; i += 16)
                MulAdd(va, Vector512.LoadUnsafe(ref x, i), Vector512.LoadUnsafe(ref y, i)).StoreUnsafe(ref y, i);
            if (TN.Value % 16 == 0) return;
        }
        else if (Vector256.IsHardwareAccelerated && n >= (nuint)Vector256<float>.Count)
        {
            var va = Vector256.Create(alpha);
            for (; i + 8 <= n; i += 8)
                MulAdd(va, Vector256.LoadUnsafe(ref x, i), Vector256.LoadUnsafe(ref y, i)).StoreUnsafe(ref y, i);
            if (TN.Value % 8 == 0) return;
        }
        else if (Vector128.IsHardwareAccelerated && n >= (nuint)Vector128<float>.Count)
        {
            var va = Vector128.Create(alpha);
            for (; i + 4 <= n; i += 4)
                MulAdd(va, Vector128.LoadUnsafe(ref x, i), Vector128.LoadUnsafe(ref y, i)).StoreUnsafe(ref y, i);
            if (TN.Value % 4 == 0) return;
        }

        for (; i < n; i++)
            Unsafe.Add(ref y, i) += alpha * Unsafe.Add(ref x, i);
    }

    // Where MulAdd fuses (one rounding, as IEEE fma; unfused, the product is rounded before the add):
    // - x86 with FMA: scalar and every accelerated width (vfmadd; Vector512 is accelerated only with AVX-512F).
    // - ARM64: scalar (fmadd: MathF.FusedMultiplyAdd is a JIT intrinsic there) and Vector128 (fmla), the width ARM64
    //   kernels run on. Vector256 and Vector512 are not accelerated on ARM64, so no kernel takes them; their MulAdd
    //   still fuses (Vector256/512.FusedMultiplyAdd work on Vector128 halves) so that every width rounds alike.
    // - x86 without FMA (DOTNET_EnableFMA=0, DOTNET_EnableAVX2=0 or older CPUs), DOTNET_EnableHWIntrinsic=0, other
    //   CPUs: a multiply then an add.
    // Within a process the vector loops and their scalar tails therefore agree bit for bit; between a CPU that fuses
    // and one that does not, results differ in the last bits of each product-sum.

    /// <summary>
    /// a·b + c, fused on x86 CPUs with FMA and on ARM64 (so scalar code rounds like the vector paths below); elsewhere a
    /// multiply then an add.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MulAdd(float a, float b, float c) =>
        Fma.IsSupported || AdvSimd.IsSupported ? MathF.FusedMultiplyAdd(a, b, c) : a * b + c;

    /// <summary>
    /// a·b + c, fused on x86 CPUs with AVX-512F and on ARM64 (as four Vector128 fmla: Vector512 is not accelerated
    /// there); elsewhere a multiply then an add.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MulAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
        Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(a, b, c)
        : AdvSimd.IsSupported ? Vector512.FusedMultiplyAdd(a, b, c)
        : a * b + c;

    /// <summary>
    /// a·b + c, fused on x86 CPUs with FMA and on ARM64 (as two Vector128 fmla: Vector256 is not accelerated there);
    /// elsewhere a multiply then an add.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c)
        : AdvSimd.IsSupported ? Vector256.FusedMultiplyAdd(a, b, c)
        : a * b + c;

    /// <summary>
    /// a·b + c, fused on x86 CPUs with FMA (vfmadd) and on ARM64 (fmla, the path ARM64 kernels take); elsewhere a
    /// multiply then an add.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MulAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c)
        : AdvSimd.IsSupported ? AdvSimd.FusedMultiplyAdd(c, a, b) // AdvSimd takes the addend first
        : a * b + c;
}
