using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.CompilerServices;

/// <summary>
/// Activations applied in place to a layer's outputs, and their backward steps (g ← g·f′(a), written in terms of
/// the saved output a). ReLU and softmax reuse TensorPrimitives; the rest use the operator structs in
/// <c>ActivationOperators.cs</c> through one vectorized driver, which costs nothing extra on the 1-16 values of a tiny
/// layer.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ActivationKernels
{
    /// <summary>x ← (x ≥ 0 ? 1 : 0).</summary>
    public static void Step(Span<float> x) => Map(x, new StepOperator());

    /// <summary>x ← 1 / (1 + e^-x).</summary>
    public static void Sigmoid(Span<float> x) => Map(x, new SigmoidOperator());

    /// <summary>x ← tanh(x).</summary>
    public static void Tanh(Span<float> x) => Map(x, new TanhOperator());

    /// <summary>x ← max(0, x).</summary>
    public static void ReLU(Span<float> x)
    {
        if (!x.IsEmpty) TensorPrimitives.Max(x, 0f, x); // TensorPrimitives rejects empty spans
    }

    /// <summary>x ← max(αx, x).</summary>
    public static void LeakyReLU(Span<float> x, float alpha) => Map(x, new LeakyReLUOperator(alpha));

    /// <summary>x ← x for x ≥ 0, else α(eˣ − 1).</summary>
    public static void ELU(Span<float> x, float alpha) => Map(x, new ELUOperator(alpha));

    /// <summary>Softmax of each row of <paramref name="width"/> values, in place (max-subtracted, so it never overflows).</summary>
    public static void Softmax(Span<float> x, int width)
    {
        for (int start = 0; start + width <= x.Length; start += width)
        {
            Span<float> row = x.Slice(start, width);
            TensorPrimitives.SoftMax(row, row);
        }
    }

    /// <summary>x ← eˣ, element-wise (the cross-entropy kernel's exponentials).</summary>
    internal static void Exp(Span<float> x) => Map(x, new ExpOperator());

    /// <summary>g ← g·a(1 − a).</summary>
    public static void SigmoidBackward(ReadOnlySpan<float> a, Span<float> g) => Map(a, g, new SigmoidGradient());

    /// <summary>g ← g·(1 − a²).</summary>
    public static void TanhBackward(ReadOnlySpan<float> a, Span<float> g) => Map(a, g, new TanhGradient());

    /// <summary>g ← a &gt; 0 ? g : 0.</summary>
    public static void ReLUBackward(ReadOnlySpan<float> a, Span<float> g) => Map(a, g, new LeakyReLUGradient(0f));

    /// <summary>g ← a &gt; 0 ? g : α·g.</summary>
    public static void LeakyReLUBackward(ReadOnlySpan<float> a, Span<float> g, float alpha) => Map(a, g, new LeakyReLUGradient(alpha));

    /// <summary>g ← a &gt; 0 ? g : g·(a + α).</summary>
    public static void ELUBackward(ReadOnlySpan<float> a, Span<float> g, float alpha) => Map(a, g, new ELUGradient(alpha));

    /// <summary>Step has a zero derivative everywhere it is defined: g ← 0.</summary>
    public static void StepBackward(Span<float> g) => g.Clear();

    /// <summary>Softmax's Jacobian-vector product per row: g_i ← a_i·(g_i − Σ_k g_k·a_k).</summary>
    public static void SoftmaxBackward(ReadOnlySpan<float> a, Span<float> g, int width)
    {
        for (int start = 0; start + width <= g.Length; start += width)
        {
            ReadOnlySpan<float> p = a.Slice(start, width);
            Span<float> row = g.Slice(start, width);
            float dot = TensorPrimitives.Dot(row, p);
            TensorPrimitives.Subtract(row, dot, row);
            TensorPrimitives.Multiply(row, p, row);
        }
    }

    /// <summary>Four tanh values at once, for unrolled code (the same function as the span kernel, lane by lane).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh(Vector128<float> x) => new TanhOperator().Invoke(x);

    /// <summary>Four sigmoid values at once, for unrolled code.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sigmoid(Vector128<float> x) => new SigmoidOperator().Invoke(x);

    /// <summary>Four ELU values at once, for unrolled code.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ELU(Vector128<float> x, float alpha) => new ELUOperator(alpha).Invoke(x);

    /// <summary>g·a(1 − a) per lane, for unrolled code.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SigmoidBackward(Vector128<float> a, Vector128<float> g) => new SigmoidGradient().Invoke(a, g);

    /// <summary>g·(1 − a²) per lane, for unrolled code.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> TanhBackward(Vector128<float> a, Vector128<float> g) => new TanhGradient().Invoke(a, g);

    /// <summary>a &gt; 0 ? g : 0 per lane, for unrolled code.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ReLUBackward(Vector128<float> a, Vector128<float> g) => new LeakyReLUGradient(0f).Invoke(a, g);

    /// <summary>a &gt; 0 ? g : α·g per lane, for unrolled code.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LeakyReLUBackward(Vector128<float> a, Vector128<float> g, float alpha) => new LeakyReLUGradient(alpha).Invoke(a, g);

    /// <summary>a &gt; 0 ? g : g·(a + α) per lane, for unrolled code.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ELUBackward(Vector128<float> a, Vector128<float> g, float alpha) => new ELUGradient(alpha).Invoke(a, g);

    /// <summary>Step per lane, for unrolled code.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Step(Vector128<float> x) => new StepOperator().Invoke(x);

    /// <summary>max(0, x) per lane, for unrolled code.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ReLU(Vector128<float> x) => Vector128.Max(x, Vector128<float>.Zero);

    /// <summary>max(αx, x) per lane, for unrolled code.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LeakyReLU(Vector128<float> x, float alpha) => new LeakyReLUOperator(alpha).Invoke(x);

    /// <summary>Scalar tanh for unrolled code.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x) => new TanhOperator().Invoke(x);

    /// <summary>Scalar ELU for unrolled code.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ELU(float x, float alpha) => new ELUOperator(alpha).Invoke(x);

    /// <summary>Scalar sigmoid for unrolled code and the binary cross-entropy kernel's gradient.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => new SigmoidOperator().Invoke(x);

    /// <summary>Scalar step for unrolled code.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Step(float x) => x >= 0f ? 1f : 0f;

    /// <summary>Scalar leaky ReLU for unrolled code.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LeakyReLU(float x, float alpha) => x > 0f ? x : alpha * x;

    /// <summary>x ← f(x) element-wise, vectorized (nothing at all for the identity).</summary>
    internal static void Map<TOp>(Span<float> x, TOp op) where TOp : struct, IUnaryOperator
    {
        if (typeof(TOp) == typeof(IdentityOperator)) return;
        ref float r = ref MemoryMarshal.GetReference(x);
        nuint n = (nuint)x.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= n; i += 16) op.Invoke(Vector512.LoadUnsafe(ref r, i)).StoreUnsafe(ref r, i);
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= n; i += 8) op.Invoke(Vector256.LoadUnsafe(ref r, i)).StoreUnsafe(ref r, i);
        if (Vector128.IsHardwareAccelerated)
            for (; i + 4 <= n; i += 4) op.Invoke(Vector128.LoadUnsafe(ref r, i)).StoreUnsafe(ref r, i);
        for (; i < n; i++) Unsafe.Add(ref r, i) = op.Invoke(Unsafe.Add(ref r, i));
    }

    /// <summary>g ← g·f′(a) element-wise, vectorized.</summary>
    internal static void Map<TOp>(ReadOnlySpan<float> a, Span<float> g, TOp op) where TOp : struct, IGradientOperator
    {
        if (a.Length < g.Length) throw new ArgumentException("The saved activations are shorter than the gradient.", nameof(a));
        ref float ar = ref MemoryMarshal.GetReference(a);
        ref float gr = ref MemoryMarshal.GetReference(g);
        nuint n = (nuint)g.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= n; i += 16) op.Invoke(Vector512.LoadUnsafe(ref ar, i), Vector512.LoadUnsafe(ref gr, i)).StoreUnsafe(ref gr, i);
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= n; i += 8) op.Invoke(Vector256.LoadUnsafe(ref ar, i), Vector256.LoadUnsafe(ref gr, i)).StoreUnsafe(ref gr, i);
        if (Vector128.IsHardwareAccelerated)
            for (; i + 4 <= n; i += 4) op.Invoke(Vector128.LoadUnsafe(ref ar, i), Vector128.LoadUnsafe(ref gr, i)).StoreUnsafe(ref gr, i);
        for (; i < n; i++) Unsafe.Add(ref gr, i) = op.Invoke(Unsafe.Add(ref ar, i), Unsafe.Add(ref gr, i));
    }
}
