using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static NetGen.CompilerServices.VectorOps;

namespace NetGen.CompilerServices;

/// <summary>
/// An element-wise function, written once per vector width (TensorPrimitives' operator pattern). The activations are
/// public because generated code hands them to the dense kernels, which apply them to each block of outputs before
/// storing it (see <see cref="DenseKernels"/>); a kernel generic over the operator struct is compiled once per
/// activation with the call inlined.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IUnaryOperator
{
    /// <summary>f(x) for one value.</summary>
    float Invoke(float x);
    /// <summary>f(x) in every lane; the same function as the scalar overload.</summary>
    Vector128<float> Invoke(Vector128<float> x);
    /// <inheritdoc cref="Invoke(Vector128{float})"/>
    Vector256<float> Invoke(Vector256<float> x);
    /// <inheritdoc cref="Invoke(Vector128{float})"/>
    Vector512<float> Invoke(Vector512<float> x);
}

/// <summary>
/// The backward step of an activation: given its output a and the gradient g of the loss with respect to a,
/// returns g·f′ written in terms of a (micrograd's trick: the forward output is all the derivative needs). Public for
/// the same reason as <see cref="IUnaryOperator"/>: the input-gradient kernel applies it as it stores each block.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IGradientOperator
{
    /// <summary>g·f′ at the output <paramref name="a"/>, for one value.</summary>
    float Invoke(float a, float g);
    /// <summary>g·f′ at the outputs <paramref name="a"/> in every lane; the same function as the scalar overload.</summary>
    Vector128<float> Invoke(Vector128<float> a, Vector128<float> g);
    /// <inheritdoc cref="Invoke(Vector128{float}, Vector128{float})"/>
    Vector256<float> Invoke(Vector256<float> a, Vector256<float> g);
    /// <inheritdoc cref="Invoke(Vector128{float}, Vector128{float})"/>
    Vector512<float> Invoke(Vector512<float> a, Vector512<float> g);
}

/// <summary>The identity, for layers without an activation: kernels skip it entirely.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct IdentityOperator : IUnaryOperator
{
    /// <inheritdoc/>
    public float Invoke(float x) => x;
    /// <inheritdoc/>
    public Vector128<float> Invoke(Vector128<float> x) => x;
    /// <inheritdoc/>
    public Vector256<float> Invoke(Vector256<float> x) => x;
    /// <inheritdoc/>
    public Vector512<float> Invoke(Vector512<float> x) => x;
}

/// <summary>ReLU max(x, 0), as TensorPrimitives.Max(x, 0) computes it (NaN stays NaN, −0 becomes +0).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct ReLUOperator : IUnaryOperator
{
    /// <inheritdoc/>
    public float Invoke(float x) => MathF.Max(x, 0f);
    /// <inheritdoc/>
    public Vector128<float> Invoke(Vector128<float> x) => Vector128.Max(x, Vector128<float>.Zero);
    /// <inheritdoc/>
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.Max(x, Vector256<float>.Zero);
    /// <inheritdoc/>
    public Vector512<float> Invoke(Vector512<float> x) => Vector512.Max(x, Vector512<float>.Zero);
}

/// <summary>Step: 1 for x ≥ 0, else 0.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct StepOperator : IUnaryOperator
{
    /// <inheritdoc/>
    public float Invoke(float x) => x >= 0f ? 1f : 0f;
    /// <inheritdoc/>
    public Vector128<float> Invoke(Vector128<float> x) => Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(x, Vector128<float>.Zero), Vector128<float>.One, Vector128<float>.Zero);
    /// <inheritdoc/>
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<float>.Zero), Vector256<float>.One, Vector256<float>.Zero);
    /// <inheritdoc/>
    public Vector512<float> Invoke(Vector512<float> x) => Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512<float>.Zero), Vector512<float>.One, Vector512<float>.Zero);
}

/// <summary>Leaky ReLU max(αx, x) for 0 ≤ α &lt; 1 (α = 0 is ReLU).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct LeakyReLUOperator(float alpha) : IUnaryOperator
{
    /// <inheritdoc/>
    public float Invoke(float x) => x > 0f ? x : alpha * x;
    /// <inheritdoc/>
    public Vector128<float> Invoke(Vector128<float> x) => Vector128.Max(x, x * alpha);
    /// <inheritdoc/>
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.Max(x, x * alpha);
    /// <inheritdoc/>
    public Vector512<float> Invoke(Vector512<float> x) => Vector512.Max(x, x * alpha);
}

/// <summary>
/// eˣ for the activations: Cody–Waite range reduction x = k·ln 2 + r (|r| ≤ ln 2 / 2, ln 2 split in two so k·ln 2 is
/// exact), the Taylor polynomial of eʳ to r⁶ (truncation under 1.2·10⁻⁷ relative), and 2ᵏ built in the exponent bits.
/// The polynomial is evaluated in Estrin's scheme with fused multiply-adds: three dependent steps instead of Horner's
/// six, because in a tiny network it sits on the critical path. x is clamped to [−87.3, 88.7], where eˣ stays a normal
/// float. Scalar and vector paths compute the same thing. It is written here because Vector128/256/512.Exp cost about
/// 11 ns a call on .NET 10, which dominated tiny layers.
/// </summary>
internal static class FastExp
{
    private const float Log2E = 1.44269504f, Ln2High = 0.693145752f, Ln2Low = 1.42860677e-06f, Min = -87.3f, Max = 88.7f;
    private const float C2 = 1f / 2, C3 = 1f / 6, C4 = 1f / 24, C5 = 1f / 120, C6 = 1f / 720;

    /// <inheritdoc/>
    public static float Invoke(float x)
    {
        x = Math.Clamp(x, Min, Max);
        float k = MathF.Round(x * Log2E);
        float r = MulAdd(k, -Ln2Low, MulAdd(k, -Ln2High, x));
        float r2 = r * r, r4 = r2 * r2;
        float p = MulAdd(r4, MulAdd(r2, C6, MulAdd(r, C5, C4)), MulAdd(r2, MulAdd(r, C3, C2), 1f + r));
        return p * BitConverter.Int32BitsToSingle(((int)k + 127) << 23);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Invoke(Vector128<float> x)
    {
        x = Vector128.Min(Vector128.Max(x, Vector128.Create(Min)), Vector128.Create(Max));
        Vector128<float> k = Vector128.Round(x * Log2E);
        Vector128<float> r = MulAdd(k, Vector128.Create(-Ln2Low), MulAdd(k, Vector128.Create(-Ln2High), x));
        Vector128<float> r2 = r * r, r4 = r2 * r2;
        Vector128<float> p = MulAdd(r4, MulAdd(r2, Vector128.Create(C6), MulAdd(r, Vector128.Create(C5), Vector128.Create(C4))), MulAdd(r2, MulAdd(r, Vector128.Create(C3), Vector128.Create(C2)), Vector128<float>.One + r));
        return p * Vector128.ShiftLeft(Vector128.ConvertToInt32(k) + Vector128.Create(127), 23).AsSingle();
    }

    /// <inheritdoc/>
    public static Vector256<float> Invoke(Vector256<float> x)
    {
        x = Vector256.Min(Vector256.Max(x, Vector256.Create(Min)), Vector256.Create(Max));
        Vector256<float> k = Vector256.Round(x * Log2E);
        Vector256<float> r = MulAdd(k, Vector256.Create(-Ln2Low), MulAdd(k, Vector256.Create(-Ln2High), x));
        Vector256<float> r2 = r * r, r4 = r2 * r2;
        Vector256<float> p = MulAdd(r4, MulAdd(r2, Vector256.Create(C6), MulAdd(r, Vector256.Create(C5), Vector256.Create(C4))), MulAdd(r2, MulAdd(r, Vector256.Create(C3), Vector256.Create(C2)), Vector256<float>.One + r));
        return p * Vector256.ShiftLeft(Vector256.ConvertToInt32(k) + Vector256.Create(127), 23).AsSingle();
    }

    /// <inheritdoc/>
    public static Vector512<float> Invoke(Vector512<float> x)
    {
        x = Vector512.Min(Vector512.Max(x, Vector512.Create(Min)), Vector512.Create(Max));
        Vector512<float> k = Vector512.Round(x * Log2E);
        Vector512<float> r = MulAdd(k, Vector512.Create(-Ln2Low), MulAdd(k, Vector512.Create(-Ln2High), x));
        Vector512<float> r2 = r * r, r4 = r2 * r2;
        Vector512<float> p = MulAdd(r4, MulAdd(r2, Vector512.Create(C6), MulAdd(r, Vector512.Create(C5), Vector512.Create(C4))), MulAdd(r2, MulAdd(r, Vector512.Create(C3), Vector512.Create(C2)), Vector512<float>.One + r));
        return p * Vector512.ShiftLeft(Vector512.ConvertToInt32(k) + Vector512.Create(127), 23).AsSingle();
    }
}

/// <summary>
/// eˣ as an element-wise operator (<see cref="FastExp"/>: relative error about 10⁻⁷ for x in [−87.3, 88.7]; the input
/// is clamped to that range, so −∞ gives about 1.2·10⁻³⁸ rather than 0 and large x about 3.3·10³⁸ rather than ∞).
/// </summary>
internal readonly struct ExpOperator : IUnaryOperator
{
    /// <inheritdoc/>
    public float Invoke(float x) => FastExp.Invoke(x);
    /// <inheritdoc/>
    public Vector128<float> Invoke(Vector128<float> x) => FastExp.Invoke(x);
    /// <inheritdoc/>
    public Vector256<float> Invoke(Vector256<float> x) => FastExp.Invoke(x);
    /// <inheritdoc/>
    public Vector512<float> Invoke(Vector512<float> x) => FastExp.Invoke(x);
}

/// <summary>
/// eˣ − 1 without the cancellation of exp then − 1 near 0: below |x| = 1/4 the Taylor series to x⁷ (truncation under
/// 2·10⁻⁹ relative, Estrin's scheme), above it exp then − 1 (relative error under 6·10⁻⁷). Scalar and vector paths use
/// the same formula, so one sample alone and in a batch agree.
/// </summary>
internal static class ExpM1
{
    private const float SeriesLimit = 0.25f;
    private const float C2 = 1f / 2, C3 = 1f / 6, C4 = 1f / 24, C5 = 1f / 120, C6 = 1f / 720, C7 = 1f / 5040;

    /// <inheritdoc/>
    public static float Invoke(float x)
    {
        if (MathF.Abs(x) >= SeriesLimit) return FastExp.Invoke(x) - 1f;
        float x2 = x * x, x4 = x2 * x2;
        return x * MulAdd(x4, MulAdd(x2, C7, MulAdd(x, C6, C5)), MulAdd(x2, MulAdd(x, C4, C3), MulAdd(x, C2, 1f)));
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Invoke(Vector128<float> x)
    {
        Vector128<float> x2 = x * x, x4 = x2 * x2;
        Vector128<float> series = x * MulAdd(x4, MulAdd(x2, Vector128.Create(C7), MulAdd(x, Vector128.Create(C6), Vector128.Create(C5))), MulAdd(x2, MulAdd(x, Vector128.Create(C4), Vector128.Create(C3)), MulAdd(x, Vector128.Create(C2), Vector128<float>.One)));
        return Vector128.ConditionalSelect(Vector128.LessThan(Vector128.Abs(x), Vector128.Create(SeriesLimit)), series, FastExp.Invoke(x) - Vector128<float>.One);
    }

    /// <inheritdoc/>
    public static Vector256<float> Invoke(Vector256<float> x)
    {
        Vector256<float> x2 = x * x, x4 = x2 * x2;
        Vector256<float> series = x * MulAdd(x4, MulAdd(x2, Vector256.Create(C7), MulAdd(x, Vector256.Create(C6), Vector256.Create(C5))), MulAdd(x2, MulAdd(x, Vector256.Create(C4), Vector256.Create(C3)), MulAdd(x, Vector256.Create(C2), Vector256<float>.One)));
        return Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(x), Vector256.Create(SeriesLimit)), series, FastExp.Invoke(x) - Vector256<float>.One);
    }

    /// <inheritdoc/>
    public static Vector512<float> Invoke(Vector512<float> x)
    {
        Vector512<float> x2 = x * x, x4 = x2 * x2;
        Vector512<float> series = x * MulAdd(x4, MulAdd(x2, Vector512.Create(C7), MulAdd(x, Vector512.Create(C6), Vector512.Create(C5))), MulAdd(x2, MulAdd(x, Vector512.Create(C4), Vector512.Create(C3)), MulAdd(x, Vector512.Create(C2), Vector512<float>.One)));
        return Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(x), Vector512.Create(SeriesLimit)), series, FastExp.Invoke(x) - Vector512<float>.One);
    }
}

/// <summary>ELU: x for x ≥ 0, else α(eˣ − 1); NaN stays NaN.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct ELUOperator(float alpha) : IUnaryOperator
{
    /// <inheritdoc/>
    public float Invoke(float x) => x >= 0f || float.IsNaN(x) ? x : alpha * ExpM1.Invoke(x);
    /// <inheritdoc/>
    public Vector128<float> Invoke(Vector128<float> x) => Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(x, Vector128<float>.Zero) | Vector128.IsNaN(x), x, ExpM1.Invoke(Vector128.Min(x, Vector128<float>.Zero)) * alpha);
    /// <inheritdoc/>
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<float>.Zero) | Vector256.IsNaN(x), x, ExpM1.Invoke(Vector256.Min(x, Vector256<float>.Zero)) * alpha);
    /// <inheritdoc/>
    public Vector512<float> Invoke(Vector512<float> x) => Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512<float>.Zero) | Vector512.IsNaN(x), x, ExpM1.Invoke(Vector512.Min(x, Vector512<float>.Zero)) * alpha);
}

/// <summary>
/// tanh(x) ≈ x·P(x²) / Q(x²), the odd [13/6] rational minimax approximation on |x| ≤ 7.9053 with the coefficients
/// published in Eigen (<c>ptanh_float</c>); beyond the clamp tanh is within half an ulp of ±1. Both polynomials are
/// evaluated in Estrin's scheme with fused multiply-adds (short dependency chains). Measured against double precision
/// over [−12, 12] in steps of 10⁻⁴: relative error under 3.3·10⁻⁷. No exponential and one division: half the work of
/// e / (e + 2) with e = e²ˣ − 1. NaN stays NaN: Math.Clamp and Vector.Min/Max return it.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct TanhOperator : IUnaryOperator
{
    private const float Limit = 7.90531110763549805f;
    private const float A1 = 4.89352455891786e-03f, A3 = 6.37261928875436e-04f, A5 = 1.48572235717979e-05f, A7 = 5.12229709037114e-08f,
        A9 = -8.60467152213735e-11f, A11 = 2.00018790482477e-13f, A13 = -2.76076847742355e-16f;
    private const float B0 = 4.89352518554385e-03f, B2 = 2.26843463243900e-03f, B4 = 1.18534705686654e-04f, B6 = 1.19825839466702e-06f;

    /// <inheritdoc/>
    public float Invoke(float x)
    {
        float c = Math.Clamp(x, -Limit, Limit), c2 = c * c, c4 = c2 * c2, c8 = c4 * c4;
        float p = MulAdd(c8, MulAdd(c4, A13, MulAdd(c2, A11, A9)), MulAdd(c4, MulAdd(c2, A7, A5), MulAdd(c2, A3, A1)));
        float q = MulAdd(c4, MulAdd(c2, B6, B4), MulAdd(c2, B2, B0));
        return c * p / q;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Invoke(Vector128<float> x)
    {
        Vector128<float> c = Vector128.Min(Vector128.Max(x, Vector128.Create(-Limit)), Vector128.Create(Limit)), c2 = c * c, c4 = c2 * c2, c8 = c4 * c4;
        Vector128<float> p = MulAdd(c8, MulAdd(c4, Vector128.Create(A13), MulAdd(c2, Vector128.Create(A11), Vector128.Create(A9))), MulAdd(c4, MulAdd(c2, Vector128.Create(A7), Vector128.Create(A5)), MulAdd(c2, Vector128.Create(A3), Vector128.Create(A1))));
        Vector128<float> q = MulAdd(c4, MulAdd(c2, Vector128.Create(B6), Vector128.Create(B4)), MulAdd(c2, Vector128.Create(B2), Vector128.Create(B0)));
        return c * p / q;
    }

    /// <inheritdoc/>
    public Vector256<float> Invoke(Vector256<float> x)
    {
        Vector256<float> c = Vector256.Min(Vector256.Max(x, Vector256.Create(-Limit)), Vector256.Create(Limit)), c2 = c * c, c4 = c2 * c2, c8 = c4 * c4;
        Vector256<float> p = MulAdd(c8, MulAdd(c4, Vector256.Create(A13), MulAdd(c2, Vector256.Create(A11), Vector256.Create(A9))), MulAdd(c4, MulAdd(c2, Vector256.Create(A7), Vector256.Create(A5)), MulAdd(c2, Vector256.Create(A3), Vector256.Create(A1))));
        Vector256<float> q = MulAdd(c4, MulAdd(c2, Vector256.Create(B6), Vector256.Create(B4)), MulAdd(c2, Vector256.Create(B2), Vector256.Create(B0)));
        return c * p / q;
    }

    /// <inheritdoc/>
    public Vector512<float> Invoke(Vector512<float> x)
    {
        Vector512<float> c = Vector512.Min(Vector512.Max(x, Vector512.Create(-Limit)), Vector512.Create(Limit)), c2 = c * c, c4 = c2 * c2, c8 = c4 * c4;
        Vector512<float> p = MulAdd(c8, MulAdd(c4, Vector512.Create(A13), MulAdd(c2, Vector512.Create(A11), Vector512.Create(A9))), MulAdd(c4, MulAdd(c2, Vector512.Create(A7), Vector512.Create(A5)), MulAdd(c2, Vector512.Create(A3), Vector512.Create(A1))));
        Vector512<float> q = MulAdd(c4, MulAdd(c2, Vector512.Create(B6), Vector512.Create(B4)), MulAdd(c2, Vector512.Create(B2), Vector512.Create(B0)));
        return c * p / q;
    }
}

/// <summary>σ(x) = 1 / (1 + e⁻ˣ): within a few 10⁻³⁹ of 0 and 1 at the extremes, NaN stays NaN.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct SigmoidOperator : IUnaryOperator
{
    /// <inheritdoc/>
    public float Invoke(float x) => float.IsNaN(x) ? x : 1f / (1f + FastExp.Invoke(-x));
    /// <inheritdoc/>
    public Vector128<float> Invoke(Vector128<float> x) => Vector128.ConditionalSelect(Vector128.IsNaN(x), x, Vector128<float>.One / (Vector128<float>.One + FastExp.Invoke(-x)));
    /// <inheritdoc/>
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.ConditionalSelect(Vector256.IsNaN(x), x, Vector256<float>.One / (Vector256<float>.One + FastExp.Invoke(-x)));
    /// <inheritdoc/>
    public Vector512<float> Invoke(Vector512<float> x) => Vector512.ConditionalSelect(Vector512.IsNaN(x), x, Vector512<float>.One / (Vector512<float>.One + FastExp.Invoke(-x)));
}

/// <summary>No activation below: the gradient passes unchanged (kernels skip it).</summary>
internal readonly struct IdentityGradient : IGradientOperator
{
    /// <inheritdoc/>
    public float Invoke(float a, float g) => g;
    /// <inheritdoc/>
    public Vector128<float> Invoke(Vector128<float> a, Vector128<float> g) => g;
    /// <inheritdoc/>
    public Vector256<float> Invoke(Vector256<float> a, Vector256<float> g) => g;
    /// <inheritdoc/>
    public Vector512<float> Invoke(Vector512<float> a, Vector512<float> g) => g;
}

/// <summary>Step′ = 0 wherever it is defined: the gradient stops (g ← 0).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct StepGradient : IGradientOperator
{
    /// <inheritdoc/>
    public float Invoke(float a, float g) => 0f;
    /// <inheritdoc/>
    public Vector128<float> Invoke(Vector128<float> a, Vector128<float> g) => Vector128<float>.Zero;
    /// <inheritdoc/>
    public Vector256<float> Invoke(Vector256<float> a, Vector256<float> g) => Vector256<float>.Zero;
    /// <inheritdoc/>
    public Vector512<float> Invoke(Vector512<float> a, Vector512<float> g) => Vector512<float>.Zero;
}

/// <summary>Sigmoid′ = a(1 − a).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct SigmoidGradient : IGradientOperator
{
    /// <inheritdoc/>
    public float Invoke(float a, float g) => g * a * (1f - a);
    /// <inheritdoc/>
    public Vector128<float> Invoke(Vector128<float> a, Vector128<float> g) => g * a * (Vector128<float>.One - a);
    /// <inheritdoc/>
    public Vector256<float> Invoke(Vector256<float> a, Vector256<float> g) => g * a * (Vector256<float>.One - a);
    /// <inheritdoc/>
    public Vector512<float> Invoke(Vector512<float> a, Vector512<float> g) => g * a * (Vector512<float>.One - a);
}

/// <summary>Tanh′ = 1 − a².</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct TanhGradient : IGradientOperator
{
    /// <inheritdoc/>
    public float Invoke(float a, float g) => g * (1f - a * a);
    /// <inheritdoc/>
    public Vector128<float> Invoke(Vector128<float> a, Vector128<float> g) => g * (Vector128<float>.One - a * a);
    /// <inheritdoc/>
    public Vector256<float> Invoke(Vector256<float> a, Vector256<float> g) => g * (Vector256<float>.One - a * a);
    /// <inheritdoc/>
    public Vector512<float> Invoke(Vector512<float> a, Vector512<float> g) => g * (Vector512<float>.One - a * a);
}

/// <summary>Leaky ReLU′ = 1 where a &gt; 0, else α (ReLU is α = 0).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct LeakyReLUGradient(float alpha) : IGradientOperator
{
    /// <inheritdoc/>
    public float Invoke(float a, float g) => a > 0f ? g : alpha * g;
    /// <inheritdoc/>
    public Vector128<float> Invoke(Vector128<float> a, Vector128<float> g) => Vector128.ConditionalSelect(Vector128.GreaterThan(a, Vector128<float>.Zero), g, g * alpha);
    /// <inheritdoc/>
    public Vector256<float> Invoke(Vector256<float> a, Vector256<float> g) => Vector256.ConditionalSelect(Vector256.GreaterThan(a, Vector256<float>.Zero), g, g * alpha);
    /// <inheritdoc/>
    public Vector512<float> Invoke(Vector512<float> a, Vector512<float> g) => Vector512.ConditionalSelect(Vector512.GreaterThan(a, Vector512<float>.Zero), g, g * alpha);
}

/// <summary>ELU′ = 1 where a &gt; 0, else αeˣ = a + α.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct ELUGradient(float alpha) : IGradientOperator
{
    /// <inheritdoc/>
    public float Invoke(float a, float g) => a > 0f ? g : g * (a + alpha);
    /// <inheritdoc/>
    public Vector128<float> Invoke(Vector128<float> a, Vector128<float> g) => Vector128.ConditionalSelect(Vector128.GreaterThan(a, Vector128<float>.Zero), g, g * (a + Vector128.Create(alpha)));
    /// <inheritdoc/>
    public Vector256<float> Invoke(Vector256<float> a, Vector256<float> g) => Vector256.ConditionalSelect(Vector256.GreaterThan(a, Vector256<float>.Zero), g, g * (a + Vector256.Create(alpha)));
    /// <inheritdoc/>
    public Vector512<float> Invoke(Vector512<float> a, Vector512<float> g) => Vector512.ConditionalSelect(Vector512.GreaterThan(a, Vector512<float>.Zero), g, g * (a + Vector512.Create(alpha)));
}
