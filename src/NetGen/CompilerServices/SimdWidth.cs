using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.CompilerServices;

/// <summary>
/// The handful of vector operations the blocked matrix kernels and the optimizers' update loops need, for one vector
/// width. The kernels are generic over a struct implementing this, so the JIT compiles one copy per width with every
/// call inlined (the pattern of TensorPrimitives' operator structs), and each loop is written once instead of three
/// times. <c>MulAdd</c> is one fused multiply-add per lane on x86 CPUs with FMA and on ARM64, and a multiply then an add
/// elsewhere, as <see cref="VectorOps"/>' scalar <c>MulAdd</c> is; the other arithmetic (add, subtract,
/// multiply, divide, square root, max) is plain IEEE per lane. So every width gives the same bits as the scalar code
/// written with the same operations.
/// </summary>
internal interface ISimdWidth<TVector> where TVector : struct
{
    static abstract int Count { get; }
    static abstract TVector Load(ref float source, nuint index);
    static abstract void Store(TVector value, ref float destination, nuint index);
    static abstract TVector Broadcast(float value);
    /// <summary>a·b + c, fused on x86 CPUs with FMA and on ARM64 (see <see cref="VectorOps"/>).</summary>
    static abstract TVector MulAdd(TVector a, TVector b, TVector c);
    static abstract float Sum(TVector value);
    /// <summary>An activation applied to every lane (a dense kernel's epilogue).</summary>
    static abstract TVector Apply<TOp>(TOp op, TVector x) where TOp : struct, IUnaryOperator;
    /// <summary>An activation's backward step g·f′(a) applied to every lane (the input-gradient kernel's epilogue).</summary>
    static abstract TVector Apply<TOp>(TOp op, TVector a, TVector g) where TOp : struct, IGradientOperator;
    static abstract TVector Add(TVector a, TVector b);
    static abstract TVector Subtract(TVector a, TVector b);
    static abstract TVector Multiply(TVector a, TVector b);
    static abstract TVector Divide(TVector a, TVector b);
    static abstract TVector Sqrt(TVector x);
    static abstract TVector Max(TVector a, TVector b);
    /// <summary>0 in the lanes whose magnitude is below the smallest normal float, x elsewhere (NaN stays NaN).</summary>
    static abstract TVector FlushSubnormal(TVector x);
    /// <summary>
    /// All bits set in the lanes where <paramref name="candidate"/> replaces <paramref name="current"/> as a running
    /// maximum that keeps the first of equal values and lets NaN win: candidate &gt; current, or candidate is NaN and
    /// current is not (max pooling's rule).
    /// </summary>
    static abstract TVector Replaces(TVector current, TVector candidate);
    /// <summary>Per lane: <paramref name="whereSet"/> where <paramref name="mask"/> has all bits set, else <paramref name="whereClear"/>.</summary>
    static abstract TVector Select(TVector mask, TVector whereSet, TVector whereClear);
    /// <summary>The even elements of the 2·Count floats from source[index]: source[index + 2i] in lane i.</summary>
    static abstract TVector Evens(ref float source, nuint index);
    /// <summary>The odd elements of the 2·Count floats from source[index]: source[index + 2i + 1] in lane i.</summary>
    static abstract TVector Odds(ref float source, nuint index);
    /// <summary>destination[index + i] = (int)offsets[i] + first + i·step: whole numbers held in floats (exact below 2²⁴), made indices.</summary>
    static abstract void StoreIndices(TVector offsets, int first, int step, ref int destination, nuint index);
}

internal readonly struct Simd512 : ISimdWidth<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(ref float source, nuint index) => Vector512.LoadUnsafe(ref source, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> value, ref float destination, nuint index) => value.StoreUnsafe(ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Broadcast(float value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> MulAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => VectorOps.MulAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector512<float> value) => Vector512.Sum(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Apply<TOp>(TOp op, Vector512<float> x) where TOp : struct, IUnaryOperator => op.Invoke(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Apply<TOp>(TOp op, Vector512<float> a, Vector512<float> g) where TOp : struct, IGradientOperator => op.Invoke(a, g);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Divide(Vector512<float> a, Vector512<float> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Sqrt(Vector512<float> x) => Vector512.Sqrt(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Vector512.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> FlushSubnormal(Vector512<float> x) =>
        Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(x), Vector512.Create(VectorOps.SmallestNormal)), Vector512<float>.Zero, x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Replaces(Vector512<float> current, Vector512<float> candidate) =>
        Vector512.GreaterThan(candidate, current) | (Vector512.IsNaN(candidate) & ~Vector512.IsNaN(current));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Select(Vector512<float> mask, Vector512<float> whereSet, Vector512<float> whereClear) =>
        Vector512.ConditionalSelect(mask, whereSet, whereClear);
    // A pair of floats read as one little-endian ulong holds the even element in its low half: narrowing keeps it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Evens(ref float source, nuint index) =>
        Vector512.Narrow(PairsAt(ref source, index), PairsAt(ref source, index + (nuint)Vector512<float>.Count)).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Odds(ref float source, nuint index) =>
        Vector512.Narrow(PairsAt(ref source, index) >>> 32, PairsAt(ref source, index + (nuint)Vector512<float>.Count) >>> 32).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void StoreIndices(Vector512<float> offsets, int first, int step, ref int destination, nuint index) =>
        (Vector512.ConvertToInt32(offsets) + Vector512.Create(first) + Vector512<int>.Indices * step).StoreUnsafe(ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] private static Vector512<ulong> PairsAt(ref float source, nuint index) =>
        Vector512.LoadUnsafe(ref source, index).AsUInt64();
}

internal readonly struct Simd256 : ISimdWidth<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(ref float source, nuint index) => Vector256.LoadUnsafe(ref source, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> value, ref float destination, nuint index) => value.StoreUnsafe(ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Broadcast(float value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => VectorOps.MulAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector256<float> value) => Vector256.Sum(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Apply<TOp>(TOp op, Vector256<float> x) where TOp : struct, IUnaryOperator => op.Invoke(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Apply<TOp>(TOp op, Vector256<float> a, Vector256<float> g) where TOp : struct, IGradientOperator => op.Invoke(a, g);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Divide(Vector256<float> a, Vector256<float> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Sqrt(Vector256<float> x) => Vector256.Sqrt(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Vector256.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> FlushSubnormal(Vector256<float> x) =>
        Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(x), Vector256.Create(VectorOps.SmallestNormal)), Vector256<float>.Zero, x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Replaces(Vector256<float> current, Vector256<float> candidate) =>
        Vector256.GreaterThan(candidate, current) | (Vector256.IsNaN(candidate) & ~Vector256.IsNaN(current));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Select(Vector256<float> mask, Vector256<float> whereSet, Vector256<float> whereClear) =>
        Vector256.ConditionalSelect(mask, whereSet, whereClear);
    // A pair of floats read as one little-endian ulong holds the even element in its low half: narrowing keeps it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Evens(ref float source, nuint index) =>
        Vector256.Narrow(PairsAt(ref source, index), PairsAt(ref source, index + (nuint)Vector256<float>.Count)).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Odds(ref float source, nuint index) =>
        Vector256.Narrow(PairsAt(ref source, index) >>> 32, PairsAt(ref source, index + (nuint)Vector256<float>.Count) >>> 32).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void StoreIndices(Vector256<float> offsets, int first, int step, ref int destination, nuint index) =>
        (Vector256.ConvertToInt32(offsets) + Vector256.Create(first) + Vector256<int>.Indices * step).StoreUnsafe(ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] private static Vector256<ulong> PairsAt(ref float source, nuint index) =>
        Vector256.LoadUnsafe(ref source, index).AsUInt64();
}

internal readonly struct Simd128 : ISimdWidth<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(ref float source, nuint index) => Vector128.LoadUnsafe(ref source, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<float> value, ref float destination, nuint index) => value.StoreUnsafe(ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Broadcast(float value) => Vector128.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> MulAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => VectorOps.MulAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector128<float> value) => Vector128.Sum(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Apply<TOp>(TOp op, Vector128<float> x) where TOp : struct, IUnaryOperator => op.Invoke(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Apply<TOp>(TOp op, Vector128<float> a, Vector128<float> g) where TOp : struct, IGradientOperator => op.Invoke(a, g);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Subtract(Vector128<float> a, Vector128<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Multiply(Vector128<float> a, Vector128<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Divide(Vector128<float> a, Vector128<float> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Sqrt(Vector128<float> x) => Vector128.Sqrt(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Max(Vector128<float> a, Vector128<float> b) => Vector128.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> FlushSubnormal(Vector128<float> x) =>
        Vector128.ConditionalSelect(Vector128.LessThan(Vector128.Abs(x), Vector128.Create(VectorOps.SmallestNormal)), Vector128<float>.Zero, x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Replaces(Vector128<float> current, Vector128<float> candidate) =>
        Vector128.GreaterThan(candidate, current) | (Vector128.IsNaN(candidate) & ~Vector128.IsNaN(current));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Select(Vector128<float> mask, Vector128<float> whereSet, Vector128<float> whereClear) =>
        Vector128.ConditionalSelect(mask, whereSet, whereClear);
    // A pair of floats read as one little-endian ulong holds the even element in its low half: narrowing keeps it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Evens(ref float source, nuint index) =>
        Vector128.Narrow(PairsAt(ref source, index), PairsAt(ref source, index + (nuint)Vector128<float>.Count)).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Odds(ref float source, nuint index) =>
        Vector128.Narrow(PairsAt(ref source, index) >>> 32, PairsAt(ref source, index + (nuint)Vector128<float>.Count) >>> 32).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void StoreIndices(Vector128<float> offsets, int first, int step, ref int destination, nuint index) =>
        (Vector128.ConvertToInt32(offsets) + Vector128.Create(first) + Vector128<int>.Indices * step).StoreUnsafe(ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] private static Vector128<ulong> PairsAt(ref float source, nuint index) =>
        Vector128.LoadUnsafe(ref source, index).AsUInt64();
}
