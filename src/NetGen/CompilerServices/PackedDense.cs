using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.CompilerServices;

/// <summary>
/// The batched forward product in outer-product form, as BLAS micro-kernels do it: the weights are first transposed into
/// Wᵀ [inputs × units] (once per call into a buffer private to the calling thread, or, when the product is split by
/// units, by each thread for its own units into a buffer of its own, or once for good by a frozen network), then each block of 6 samples × 4 vectors of units keeps
/// 24 accumulators in registers while k runs over the inputs: one broadcast input value and four contiguous Wᵀ vectors
/// feed 24 multiply-adds, and no horizontal reduction is ever needed. Used when the unit count is a multiple of four
/// vectors and the batch is large enough (<see cref="MinBatch"/>, or one block when Wᵀ is given); other shapes use <see cref="BlockedDense{TIn, TOut, TS, TV}"/>.
/// </summary>
internal static class PackedDense<TIn, TOut, TS, TV>
    where TIn : IDimension where TOut : IDimension where TS : ISimdWidth<TV> where TV : struct
{
    private const int Rows = 6;
    private static int N => TIn.Value;
    private static int Units => TOut.Value;

    /// <summary>The fewest samples for the packed path when the call transposes the weights (see <see cref="Tuning.PackedMinBatch"/>).</summary>
    public static int MinBatch => Tuning.PackedMinBatch(TS.Count);

    /// <summary>
    /// With the weights already transposed (by <see cref="DenseKernels.PackWeights{TIn, TOut}"/>, for a frozen network)
    /// nothing has to be amortized, so the packed kernel is used as soon as one block of six samples fills.
    /// </summary>
    public const int MinBatchPrepacked = Rows;

    /// <summary>The units are processed in blocks of four vectors; a split over threads hands out whole blocks.</summary>
    public static int UnitBlock => 4 * TS.Count;

    /// <summary>Whether this shape and batch take the packed path, with Wᵀ given (<paramref name="prepacked"/>) or made by the call.</summary>
    public static bool Applies(int batch, bool prepacked) =>
        Units % UnitBlock == 0 && batch >= (prepacked ? MinBatchPrepacked : MinBatch);

    /// <summary>
    /// z[b, j] = f(bias[j] + Σ_k x[b, k]·wt[k, j]) for units <paramref name="unitStart"/> ≤ j &lt; <paramref name="unitEnd"/>
    /// (multiples of <see cref="UnitBlock"/>), with wt = wᵀ [inputs × units] and f the <paramref name="activation"/>, applied
    /// to the accumulators in registers just before they are stored. Each output is one accumulator summed over k in order,
    /// so it comes out the same whatever block, range or batch it is computed in. <paramref name="wt"/> points at unit
    /// <paramref name="unitStart"/>'s column, and its rows are <paramref name="wtStride"/> apart: the whole Wᵀ (stride
    /// Units) or a thread's own transposed columns (stride unitEnd − unitStart).
    /// </summary>
    public static void ForwardTransposed<TAct>(ref float wt, nuint wtStride, ref float bias, ref float x, ref float z, int batch, int unitStart, int unitEnd, TAct activation)
        where TAct : struct, IUnaryOperator
    {
        nuint step = (nuint)TS.Count;
        for (nuint j = (nuint)unitStart; j < (nuint)unitEnd; j += 4 * step)
        {
            ref float wtj = ref Unsafe.Add(ref wt, j - (nuint)unitStart);
            int b = 0;
            for (; b + Rows <= batch; b += Rows)
                Block6(ref wtj, wtStride, ref Unsafe.Add(ref bias, j), ref Unsafe.Add(ref x, (nint)b * N), ref Unsafe.Add(ref z, (nint)b * Units + (nint)j), activation);
            // Leftovers: four at once where possible (batch 64 = 10 × 6 + 4, and the one-sample block is bound by its four
            // dependency chains), then one by one.
            for (; b + 4 <= batch; b += 4)
                Block4(ref wtj, wtStride, ref Unsafe.Add(ref bias, j), ref Unsafe.Add(ref x, (nint)b * N), ref Unsafe.Add(ref z, (nint)b * Units + (nint)j), activation);
            for (; b < batch; b++)
                Block1(ref wtj, wtStride, ref Unsafe.Add(ref bias, j), ref Unsafe.Add(ref x, (nint)b * N), ref Unsafe.Add(ref z, (nint)b * Units + (nint)j), activation);
        }
    }

    /// <summary>Six samples (rows of x, N apart) × four vectors of units starting at wt/bias/z.</summary>
    private static void Block6<TAct>(ref float wt, nuint wtStride, ref float bias, ref float x, ref float z, TAct activation) where TAct : struct, IUnaryOperator
    {
        nuint s = (nuint)TS.Count, units = (nuint)Units, n = (nuint)N;
        TV b0 = TS.Load(ref bias, 0), b1 = TS.Load(ref bias, s), b2 = TS.Load(ref bias, 2 * s), b3 = TS.Load(ref bias, 3 * s);
        TV a00 = b0, a01 = b1, a02 = b2, a03 = b3, a10 = b0, a11 = b1, a12 = b2, a13 = b3, a20 = b0, a21 = b1, a22 = b2, a23 = b3;
        TV a30 = b0, a31 = b1, a32 = b2, a33 = b3, a40 = b0, a41 = b1, a42 = b2, a43 = b3, a50 = b0, a51 = b1, a52 = b2, a53 = b3;
        ref float x1 = ref Unsafe.Add(ref x, n), x2 = ref Unsafe.Add(ref x, 2 * n), x3 = ref Unsafe.Add(ref x, 3 * n);
        ref float x4 = ref Unsafe.Add(ref x, 4 * n), x5 = ref Unsafe.Add(ref x, 5 * n);
        for (nuint k = 0; k < n; k++)
        {
            ref float row = ref Unsafe.Add(ref wt, k * wtStride);
            TV w0 = TS.Load(ref row, 0), w1 = TS.Load(ref row, s), w2 = TS.Load(ref row, 2 * s), w3 = TS.Load(ref row, 3 * s);
            TV v = TS.Broadcast(Unsafe.Add(ref x, k));
            a00 = TS.MulAdd(v, w0, a00); a01 = TS.MulAdd(v, w1, a01); a02 = TS.MulAdd(v, w2, a02); a03 = TS.MulAdd(v, w3, a03);
            v = TS.Broadcast(Unsafe.Add(ref x1, k));
            a10 = TS.MulAdd(v, w0, a10); a11 = TS.MulAdd(v, w1, a11); a12 = TS.MulAdd(v, w2, a12); a13 = TS.MulAdd(v, w3, a13);
            v = TS.Broadcast(Unsafe.Add(ref x2, k));
            a20 = TS.MulAdd(v, w0, a20); a21 = TS.MulAdd(v, w1, a21); a22 = TS.MulAdd(v, w2, a22); a23 = TS.MulAdd(v, w3, a23);
            v = TS.Broadcast(Unsafe.Add(ref x3, k));
            a30 = TS.MulAdd(v, w0, a30); a31 = TS.MulAdd(v, w1, a31); a32 = TS.MulAdd(v, w2, a32); a33 = TS.MulAdd(v, w3, a33);
            v = TS.Broadcast(Unsafe.Add(ref x4, k));
            a40 = TS.MulAdd(v, w0, a40); a41 = TS.MulAdd(v, w1, a41); a42 = TS.MulAdd(v, w2, a42); a43 = TS.MulAdd(v, w3, a43);
            v = TS.Broadcast(Unsafe.Add(ref x5, k));
            a50 = TS.MulAdd(v, w0, a50); a51 = TS.MulAdd(v, w1, a51); a52 = TS.MulAdd(v, w2, a52); a53 = TS.MulAdd(v, w3, a53);
        }
        Store4(ref z, 0, a00, a01, a02, a03, activation);
        Store4(ref z, units, a10, a11, a12, a13, activation);
        Store4(ref z, 2 * units, a20, a21, a22, a23, activation);
        Store4(ref z, 3 * units, a30, a31, a32, a33, activation);
        Store4(ref z, 4 * units, a40, a41, a42, a43, activation);
        Store4(ref z, 5 * units, a50, a51, a52, a53, activation);
    }

    /// <summary>Four leftover samples × four vectors of units: 16 accumulators, four broadcasts per input.</summary>
    private static void Block4<TAct>(ref float wt, nuint wtStride, ref float bias, ref float x, ref float z, TAct activation) where TAct : struct, IUnaryOperator
    {
        nuint s = (nuint)TS.Count, units = (nuint)Units, n = (nuint)N;
        TV b0 = TS.Load(ref bias, 0), b1 = TS.Load(ref bias, s), b2 = TS.Load(ref bias, 2 * s), b3 = TS.Load(ref bias, 3 * s);
        TV a00 = b0, a01 = b1, a02 = b2, a03 = b3, a10 = b0, a11 = b1, a12 = b2, a13 = b3;
        TV a20 = b0, a21 = b1, a22 = b2, a23 = b3, a30 = b0, a31 = b1, a32 = b2, a33 = b3;
        ref float x1 = ref Unsafe.Add(ref x, n), x2 = ref Unsafe.Add(ref x, 2 * n), x3 = ref Unsafe.Add(ref x, 3 * n);
        for (nuint k = 0; k < n; k++)
        {
            ref float row = ref Unsafe.Add(ref wt, k * wtStride);
            TV w0 = TS.Load(ref row, 0), w1 = TS.Load(ref row, s), w2 = TS.Load(ref row, 2 * s), w3 = TS.Load(ref row, 3 * s);
            TV v = TS.Broadcast(Unsafe.Add(ref x, k));
            a00 = TS.MulAdd(v, w0, a00); a01 = TS.MulAdd(v, w1, a01); a02 = TS.MulAdd(v, w2, a02); a03 = TS.MulAdd(v, w3, a03);
            v = TS.Broadcast(Unsafe.Add(ref x1, k));
            a10 = TS.MulAdd(v, w0, a10); a11 = TS.MulAdd(v, w1, a11); a12 = TS.MulAdd(v, w2, a12); a13 = TS.MulAdd(v, w3, a13);
            v = TS.Broadcast(Unsafe.Add(ref x2, k));
            a20 = TS.MulAdd(v, w0, a20); a21 = TS.MulAdd(v, w1, a21); a22 = TS.MulAdd(v, w2, a22); a23 = TS.MulAdd(v, w3, a23);
            v = TS.Broadcast(Unsafe.Add(ref x3, k));
            a30 = TS.MulAdd(v, w0, a30); a31 = TS.MulAdd(v, w1, a31); a32 = TS.MulAdd(v, w2, a32); a33 = TS.MulAdd(v, w3, a33);
        }
        Store4(ref z, 0, a00, a01, a02, a03, activation);
        Store4(ref z, units, a10, a11, a12, a13, activation);
        Store4(ref z, 2 * units, a20, a21, a22, a23, activation);
        Store4(ref z, 3 * units, a30, a31, a32, a33, activation);
    }

    /// <summary>One leftover sample × four vectors of units.</summary>
    private static void Block1<TAct>(ref float wt, nuint wtStride, ref float bias, ref float x, ref float z, TAct activation) where TAct : struct, IUnaryOperator
    {
        nuint s = (nuint)TS.Count, units = (nuint)Units, n = (nuint)N;
        TV a0 = TS.Load(ref bias, 0), a1 = TS.Load(ref bias, s), a2 = TS.Load(ref bias, 2 * s), a3 = TS.Load(ref bias, 3 * s);
        for (nuint k = 0; k < n; k++)
        {
            ref float row = ref Unsafe.Add(ref wt, k * wtStride);
            TV v = TS.Broadcast(Unsafe.Add(ref x, k));
            a0 = TS.MulAdd(v, TS.Load(ref row, 0), a0);
            a1 = TS.MulAdd(v, TS.Load(ref row, s), a1);
            a2 = TS.MulAdd(v, TS.Load(ref row, 2 * s), a2);
            a3 = TS.MulAdd(v, TS.Load(ref row, 3 * s), a3);
        }
        Store4(ref z, 0, a0, a1, a2, a3, activation);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4<TAct>(ref float z, nuint at, TV a0, TV a1, TV a2, TV a3, TAct activation) where TAct : struct, IUnaryOperator
    {
        nuint s = (nuint)TS.Count;
        TS.Store(TS.Apply(activation, a0), ref z, at);
        TS.Store(TS.Apply(activation, a1), ref z, at + s);
        TS.Store(TS.Apply(activation, a2), ref z, at + 2 * s);
        TS.Store(TS.Apply(activation, a3), ref z, at + 3 * s);
    }
}

/// <summary>
/// A scratch buffer per thread for transposed weights: grown once, then reused, so Forward stays thread-safe and
/// allocation-free; 64-byte aligned (see <see cref="AlignedBuffer"/>), so the packed kernel's row loads are aligned.
/// </summary>
internal static class PackedWeights
{
    [ThreadStatic] private static AlignedBuffer? t_buffer;

    public static Span<float> Rent(int length) => AlignedBuffer.Rent(ref t_buffer, length);
}

/// <summary>A scratch buffer per thread for the samples-in-lanes kernel's transposed inputs and results (see <see cref="PackedWeights"/>).</summary>
internal static class SampleLanesScratch
{
    [ThreadStatic] private static AlignedBuffer? t_buffer;

    public static Span<float> Rent(int length) => AlignedBuffer.Rent(ref t_buffer, length);
}

/// <summary>Matrix transpose: 8 × 8 tiles through AVX shuffles where available, scalar elsewhere and at the edges.</summary>
internal static class Transpose
{
    /// <summary>destination[c, r] = source[r, c] for a row-major source of <paramref name="rows"/> × <paramref name="columns"/>.</summary>
    public static void Copy(ref float source, int rows, int columns, ref float destination) =>
        Copy(ref source, rows, columns, ref destination, rows);

    /// <summary>
    /// destination[c · <paramref name="destinationStride"/> + r] = source[r, c]: the transpose written into columns of a
    /// wider matrix (a range of units of a layer's wᵀ).
    /// </summary>
    public static void Copy(ref float source, int rows, int columns, ref float destination, int destinationStride) =>
        Copy(ref source, rows, columns, columns, ref destination, destinationStride);

    /// <summary>
    /// destination[c · <paramref name="destinationStride"/> + r] = source[r · <paramref name="sourceStride"/> + c]: the
    /// transpose of the first <paramref name="columns"/> columns of a wider source (results laid out over padded rows).
    /// </summary>
    public static void Copy(ref float source, int rows, int columns, int sourceStride, ref float destination, int destinationStride)
    {
        int fullRows = Avx.IsSupported ? rows - rows % 8 : 0;
        if (fullRows > 0)
        {
            // Column strips outermost: each strip of 8 source columns is read down all rows (the same cache lines serve
            // the next strip) and written as 8 consecutive destination rows.
            int c = 0;
            for (; c + 8 <= columns; c += 8)
                for (int r = 0; r < fullRows; r += 8)
                    Tile8(ref Unsafe.Add(ref source, (nint)r * sourceStride + c), sourceStride, ref Unsafe.Add(ref destination, (nint)c * destinationStride + r), destinationStride);
            for (; c < columns; c++)
                for (int r = 0; r < fullRows; r++)
                    Unsafe.Add(ref destination, (nint)c * destinationStride + r) = Unsafe.Add(ref source, (nint)r * sourceStride + c);
        }
        for (int r = fullRows; r < rows; r++)
            for (int c = 0; c < columns; c++)
                Unsafe.Add(ref destination, (nint)c * destinationStride + r) = Unsafe.Add(ref source, (nint)r * sourceStride + c);
    }

    /// <summary>The textbook 8 × 8 AVX transpose: unpack pairs of rows, shuffle pairs of pairs, swap 128-bit halves.</summary>
    private static void Tile8(ref float source, int sourceStride, ref float destination, int destinationStride)
    {
        Vector256<float> r0 = Vector256.LoadUnsafe(ref source), r1 = Vector256.LoadUnsafe(ref source, (nuint)sourceStride);
        Vector256<float> r2 = Vector256.LoadUnsafe(ref source, (nuint)(2 * sourceStride)), r3 = Vector256.LoadUnsafe(ref source, (nuint)(3 * sourceStride));
        Vector256<float> r4 = Vector256.LoadUnsafe(ref source, (nuint)(4 * sourceStride)), r5 = Vector256.LoadUnsafe(ref source, (nuint)(5 * sourceStride));
        Vector256<float> r6 = Vector256.LoadUnsafe(ref source, (nuint)(6 * sourceStride)), r7 = Vector256.LoadUnsafe(ref source, (nuint)(7 * sourceStride));
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE), s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE), s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);
        nuint d = (nuint)destinationStride;
        Avx.Permute2x128(s0, s4, 0x20).StoreUnsafe(ref destination);
        Avx.Permute2x128(s1, s5, 0x20).StoreUnsafe(ref destination, d);
        Avx.Permute2x128(s2, s6, 0x20).StoreUnsafe(ref destination, 2 * d);
        Avx.Permute2x128(s3, s7, 0x20).StoreUnsafe(ref destination, 3 * d);
        Avx.Permute2x128(s0, s4, 0x31).StoreUnsafe(ref destination, 4 * d);
        Avx.Permute2x128(s1, s5, 0x31).StoreUnsafe(ref destination, 5 * d);
        Avx.Permute2x128(s2, s6, 0x31).StoreUnsafe(ref destination, 6 * d);
        Avx.Permute2x128(s3, s7, 0x31).StoreUnsafe(ref destination, 7 * d);
    }
}
