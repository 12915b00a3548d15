using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen.CompilerServices;

/// <summary>
/// Register-blocked matrix products for a dense layer with <c>TIn</c> inputs and <c>TOut</c> units, at one vector
/// width <c>TS</c>. Each micro-kernel keeps a 4 × 4 block of results in sixteen vector registers, so every vector
/// loaded feeds four fused multiply-adds instead of one. Sizes are JIT-time constants, so block counts and tails fold.
/// Edges that do not fill a block (fewer than four units left, a length that is not a multiple of the vector width)
/// take narrower paths that compute the same sums. Samples left over after the blocks of four go one at a time, and
/// for weights larger than 64 KB that path sums each row in four accumulators (see <see cref="StreamRows"/>), so its
/// last bits can differ from the same sample's in a block: a sample's output depends on whether it falls in a block
/// of four, which callers that split the batch must keep (see <c>DenseSplit</c>'s sample grain).
/// </summary>
internal static class BlockedDense<TIn, TOut, TS, TV>
    where TIn : IDimension where TOut : IDimension where TS : ISimdWidth<TV> where TV : struct
{
    private static int N => TIn.Value;
    private static int Units => TOut.Value;

    /// <summary>
    /// z[b, j] = f(bias[j] + Σ_i w[j, i]·x[b, i]) with f the <paramref name="activation"/>. Blocks of 4 samples × 4 units
    /// share every x and w vector; each of the 16 sums is reduced horizontally once at the end. Leftover samples run
    /// 1 sample × 4 or 8 units. The sums come out as scalars, so f is applied to each block's rows of z (4 × Units
    /// values, still in L1) as soon as they are complete: vectorized, and by the thread that computed them.
    /// </summary>
    public static void Forward<TAct>(ref float w, ref float bias, ref float x, ref float z, int batch, TAct activation)
        where TAct : struct, IUnaryOperator
    {
        int b = 0;
        for (; b + 4 <= batch; b += 4)
        {
            ref float x0 = ref Unsafe.Add(ref x, (nint)b * N);
            int j = 0;
            for (; j + 4 <= Units; j += 4)
                Block4x4(ref Unsafe.Add(ref w, (nint)j * N), ref x0, ref Unsafe.Add(ref z, (nint)b * Units + j), ref Unsafe.Add(ref bias, j));
            for (; j < Units; j++)
                for (int s = 0; s < 4; s++)
                    Unsafe.Add(ref z, (nint)(b + s) * Units + j) = Unsafe.Add(ref bias, j) + VectorOps.Dot<TIn>(ref Unsafe.Add(ref w, (nint)j * N), ref Unsafe.Add(ref x0, (nint)s * N));
            ActivationKernels.Map(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref z, (nint)b * Units), 4 * Units), activation);
        }
        for (; b < batch; b++)
        {
            ref float xb = ref Unsafe.Add(ref x, (nint)b * N);
            ref float zb = ref Unsafe.Add(ref z, (nint)b * Units);
            if (StreamRows)
                RowsOneByOne(ref w, ref xb, ref zb, ref bias);
            else
            {
                int j = 0;
                for (; j + 8 <= Units; j += 8)
                    Block1x8(ref Unsafe.Add(ref w, (nint)j * N), ref xb, ref Unsafe.Add(ref zb, j), ref Unsafe.Add(ref bias, j));
                for (; j + 4 <= Units; j += 4)
                    Block1x4(ref Unsafe.Add(ref w, (nint)j * N), ref xb, ref Unsafe.Add(ref zb, j), ref Unsafe.Add(ref bias, j));
                for (; j < Units; j++)
                    Unsafe.Add(ref zb, j) = Unsafe.Add(ref bias, j) + VectorOps.Dot<TIn>(ref Unsafe.Add(ref w, (nint)j * N), ref xb);
            }
            ActivationKernels.Map(MemoryMarshal.CreateSpan(ref zb, Units), activation);
        }
    }

    /// <summary>Four samples (rows of x, N apart) × four units (rows of w, N apart) into z (rows Units apart).</summary>
    private static void Block4x4(ref float w, ref float x, ref float z, ref float bias)
    {
        TV a00 = default, a01 = default, a02 = default, a03 = default;
        TV a10 = default, a11 = default, a12 = default, a13 = default;
        TV a20 = default, a21 = default, a22 = default, a23 = default;
        TV a30 = default, a31 = default, a32 = default, a33 = default;
        nuint n = (nuint)N, step = (nuint)TS.Count, i = 0;
        for (; i + step <= n; i += step)
        {
            TV w0 = TS.Load(ref w, i), w1 = TS.Load(ref w, n + i), w2 = TS.Load(ref w, 2 * n + i), w3 = TS.Load(ref w, 3 * n + i);
            TV x0 = TS.Load(ref x, i);
            a00 = TS.MulAdd(x0, w0, a00); a01 = TS.MulAdd(x0, w1, a01); a02 = TS.MulAdd(x0, w2, a02); a03 = TS.MulAdd(x0, w3, a03);
            TV x1 = TS.Load(ref x, n + i);
            a10 = TS.MulAdd(x1, w0, a10); a11 = TS.MulAdd(x1, w1, a11); a12 = TS.MulAdd(x1, w2, a12); a13 = TS.MulAdd(x1, w3, a13);
            TV x2 = TS.Load(ref x, 2 * n + i);
            a20 = TS.MulAdd(x2, w0, a20); a21 = TS.MulAdd(x2, w1, a21); a22 = TS.MulAdd(x2, w2, a22); a23 = TS.MulAdd(x2, w3, a23);
            TV x3 = TS.Load(ref x, 3 * n + i);
            a30 = TS.MulAdd(x3, w0, a30); a31 = TS.MulAdd(x3, w1, a31); a32 = TS.MulAdd(x3, w2, a32); a33 = TS.MulAdd(x3, w3, a33);
        }
        nint u = Units;
        Finish(ref z, 0, TS.Sum(a00), ref x, 0, ref w, 0, ref bias, 0, i);
        Finish(ref z, 1, TS.Sum(a01), ref x, 0, ref w, 1, ref bias, 1, i);
        Finish(ref z, 2, TS.Sum(a02), ref x, 0, ref w, 2, ref bias, 2, i);
        Finish(ref z, 3, TS.Sum(a03), ref x, 0, ref w, 3, ref bias, 3, i);
        Finish(ref z, u, TS.Sum(a10), ref x, 1, ref w, 0, ref bias, 0, i);
        Finish(ref z, u + 1, TS.Sum(a11), ref x, 1, ref w, 1, ref bias, 1, i);
        Finish(ref z, u + 2, TS.Sum(a12), ref x, 1, ref w, 2, ref bias, 2, i);
        Finish(ref z, u + 3, TS.Sum(a13), ref x, 1, ref w, 3, ref bias, 3, i);
        Finish(ref z, 2 * u, TS.Sum(a20), ref x, 2, ref w, 0, ref bias, 0, i);
        Finish(ref z, 2 * u + 1, TS.Sum(a21), ref x, 2, ref w, 1, ref bias, 1, i);
        Finish(ref z, 2 * u + 2, TS.Sum(a22), ref x, 2, ref w, 2, ref bias, 2, i);
        Finish(ref z, 2 * u + 3, TS.Sum(a23), ref x, 2, ref w, 3, ref bias, 3, i);
        Finish(ref z, 3 * u, TS.Sum(a30), ref x, 3, ref w, 0, ref bias, 0, i);
        Finish(ref z, 3 * u + 1, TS.Sum(a31), ref x, 3, ref w, 1, ref bias, 1, i);
        Finish(ref z, 3 * u + 2, TS.Sum(a32), ref x, 3, ref w, 2, ref bias, 2, i);
        Finish(ref z, 3 * u + 3, TS.Sum(a33), ref x, 3, ref w, 3, ref bias, 3, i);
    }

    /// <summary>
    /// Whether a single sample reads the weights one row at a time (<see cref="RowsOneByOne"/>) rather than eight rows at a
    /// time (<see cref="Block1x8"/>): when they are larger than 64 KB (above the 32-48 KB L1 data caches of current
    /// x86 cores), so they stream in from L2 or beyond, and each row is long enough for four accumulators. A JIT-time
    /// constant.
    /// </summary>
    /// <remarks>
    /// The matrix-vector product reads every weight once, so it runs at the speed the weights arrive. Measured with
    /// Vector512: 784 × 128 weights from L2 take 1.88 µs one row at a time against 2.97 µs
    /// eight rows at a time (one sequential stream, which the prefetchers follow, against eight); 256 × 256 1.25
    /// against 1.88 µs; 512 × 512 6.5 against 8.1 µs. Weights that stay in L1 (128 × 64) are 7 % faster eight rows at
    /// a time, which share each x vector and need one horizontal sum per eight units.
    /// </remarks>
    private static bool StreamRows => (long)N * Units * sizeof(float) > 64 * 1024 && N >= 4 * TS.Count;

    /// <summary>
    /// z[j] = bias[j] + Σ_i w[j, i]·x[i] for every unit, one row of w at a time (see <see cref="StreamRows"/>). Every
    /// row reads all of x again, so x is read from a 64-byte-aligned copy on the stack unless it is aligned already
    /// (or too long for the stack): a misaligned x made each vector load of it straddle two cache lines, which cost
    /// 25 % (784 × 128: 2.6 against 2.1 µs).
    /// </summary>
    [SkipLocalsInit] // the copy overwrites the buffer before anything reads it
    private static unsafe void RowsOneByOne(ref float w, ref float x, ref float z, ref float bias)
    {
        const int MaxCopied = 4096; // 16 KB of stack at most
        ref float xs = ref x;
        if (N <= MaxCopied && ((nuint)Unsafe.AsPointer(ref x) & 63) != 0) // the address only decides whether to copy
        {
            float* buffer = stackalloc float[N + 16]; // the stack does not move
            float* aligned = (float*)(((nuint)buffer + 63) & ~(nuint)63);
            MemoryMarshal.CreateReadOnlySpan(ref x, N).CopyTo(new Span<float>(aligned, N)); // through the ref: x may be in a movable array
            xs = ref *aligned;
        }
        for (int j = 0; j < Units; j++) // each row a dot product with four accumulators
            Unsafe.Add(ref z, j) = Unsafe.Add(ref bias, j) + VectorOps.Dot<TIn>(ref Unsafe.Add(ref w, (nint)j * N), ref xs);
    }

    /// <summary>
    /// One sample × eight units, for weights that fit in L1 (see <see cref="StreamRows"/>): each x vector feeds eight
    /// units, and eight sums share one pass over x.
    /// </summary>
    private static void Block1x8(ref float w, ref float x, ref float z, ref float bias)
    {
        TV a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        nuint n = (nuint)N, step = (nuint)TS.Count, i = 0;
        for (; i + step <= n; i += step)
        {
            TV xv = TS.Load(ref x, i);
            a0 = TS.MulAdd(xv, TS.Load(ref w, i), a0);
            a1 = TS.MulAdd(xv, TS.Load(ref w, n + i), a1);
            a2 = TS.MulAdd(xv, TS.Load(ref w, 2 * n + i), a2);
            a3 = TS.MulAdd(xv, TS.Load(ref w, 3 * n + i), a3);
            a4 = TS.MulAdd(xv, TS.Load(ref w, 4 * n + i), a4);
            a5 = TS.MulAdd(xv, TS.Load(ref w, 5 * n + i), a5);
            a6 = TS.MulAdd(xv, TS.Load(ref w, 6 * n + i), a6);
            a7 = TS.MulAdd(xv, TS.Load(ref w, 7 * n + i), a7);
        }
        Finish(ref z, 0, TS.Sum(a0), ref x, 0, ref w, 0, ref bias, 0, i);
        Finish(ref z, 1, TS.Sum(a1), ref x, 0, ref w, 1, ref bias, 1, i);
        Finish(ref z, 2, TS.Sum(a2), ref x, 0, ref w, 2, ref bias, 2, i);
        Finish(ref z, 3, TS.Sum(a3), ref x, 0, ref w, 3, ref bias, 3, i);
        Finish(ref z, 4, TS.Sum(a4), ref x, 0, ref w, 4, ref bias, 4, i);
        Finish(ref z, 5, TS.Sum(a5), ref x, 0, ref w, 5, ref bias, 5, i);
        Finish(ref z, 6, TS.Sum(a6), ref x, 0, ref w, 6, ref bias, 6, i);
        Finish(ref z, 7, TS.Sum(a7), ref x, 0, ref w, 7, ref bias, 7, i);
    }

    /// <summary>One sample × four units: the single-sample (matrix-vector) case, each x vector feeding four units.</summary>
    private static void Block1x4(ref float w, ref float x, ref float z, ref float bias)
    {
        TV a0 = default, a1 = default, a2 = default, a3 = default;
        nuint n = (nuint)N, step = (nuint)TS.Count, i = 0;
        for (; i + step <= n; i += step)
        {
            TV xv = TS.Load(ref x, i);
            a0 = TS.MulAdd(xv, TS.Load(ref w, i), a0);
            a1 = TS.MulAdd(xv, TS.Load(ref w, n + i), a1);
            a2 = TS.MulAdd(xv, TS.Load(ref w, 2 * n + i), a2);
            a3 = TS.MulAdd(xv, TS.Load(ref w, 3 * n + i), a3);
        }
        Finish(ref z, 0, TS.Sum(a0), ref x, 0, ref w, 0, ref bias, 0, i);
        Finish(ref z, 1, TS.Sum(a1), ref x, 0, ref w, 1, ref bias, 1, i);
        Finish(ref z, 2, TS.Sum(a2), ref x, 0, ref w, 2, ref bias, 2, i);
        Finish(ref z, 3, TS.Sum(a3), ref x, 0, ref w, 3, ref bias, 3, i);
    }

    /// <summary>z[at] = bias + vector sum + the scalar tail i..N of x row <paramref name="xRow"/> · w row <paramref name="wRow"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(ref float z, nint at, float sum, ref float x, int xRow, ref float w, int wRow, ref float bias, int unit, nuint i)
    {
        if (N % TS.Count != 0) // folded away when the length is a multiple of the vector width
        {
            ref float xr = ref Unsafe.Add(ref x, (nint)xRow * N);
            ref float wr = ref Unsafe.Add(ref w, (nint)wRow * N);
            for (; i < (nuint)N; i++) sum += Unsafe.Add(ref xr, i) * Unsafe.Add(ref wr, i);
        }
        Unsafe.Add(ref z, at) = Unsafe.Add(ref bias, unit) + sum;
    }

    /// <summary>
    /// dW[j, i] = Σ_b dz[b, j]·x[b, i] (overwritten). Blocks of 4 units × 4 vectors of inputs stay in registers while
    /// the batch streams past: per sample, four x vectors and four broadcast dz values feed sixteen multiply-adds.
    /// </summary>
    /// <remarks>
    /// Only units <paramref name="unitStart"/> ≤ j &lt; <paramref name="unitEnd"/> (a multiple of 4 apart, or ending at
    /// the last unit) are written, so threads can share the rows; each element is one accumulator summed over the batch
    /// in order, the same whichever range computes it.
    /// </remarks>
    public static void WeightGradients(ref float dz, ref float x, ref float dw, int batch, int unitStart, int unitEnd)
    {
        nuint n = (nuint)N, step = (nuint)TS.Count;
        int blockedEnd = unitStart + (unitEnd - unitStart) / 4 * 4;
        // Inputs outermost: one slab of x (the batch's values of 4 vectors of inputs, 16 KB at batch 64) stays in L1
        // while every block of units sweeps it. (Units outermost stream all of x from L2 once per block of units:
        // 784 × 128 at batch 64 takes 62 µs that way.)
        nuint i = 0;
        for (; i + 4 * step <= n; i += 4 * step)
            for (int j = unitStart; j < blockedEnd; j += 4)
                WeightGradientBlock(ref dz, ref x, ref Unsafe.Add(ref dw, (nint)j * N), batch, j, i);
        for (int j = unitStart; j < blockedEnd; j++)
            WeightGradientRowTail(ref dz, ref x, ref Unsafe.Add(ref dw, (nint)j * N), j, i, batch);
        for (int j = blockedEnd; j < unitEnd; j++)
            WeightGradientRowTail(ref dz, ref x, ref Unsafe.Add(ref dw, (nint)j * N), j, 0, batch);
    }

    /// <summary>dW[j..j+4, i..i+4 vectors): sixteen accumulators over the whole batch, in sample order.</summary>
    private static void WeightGradientBlock(ref float dz, ref float x, ref float dwj, int batch, int j, nuint i)
    {
        nuint n = (nuint)N, step = (nuint)TS.Count;
        TV a00 = default, a01 = default, a02 = default, a03 = default;
        TV a10 = default, a11 = default, a12 = default, a13 = default;
        TV a20 = default, a21 = default, a22 = default, a23 = default;
        TV a30 = default, a31 = default, a32 = default, a33 = default;
        for (int b = 0; b < batch; b++)
        {
            ref float xb = ref Unsafe.Add(ref x, (nint)b * N);
            ref float d = ref Unsafe.Add(ref dz, (nint)b * Units + j);
            TV x0 = TS.Load(ref xb, i), x1 = TS.Load(ref xb, i + step), x2 = TS.Load(ref xb, i + 2 * step), x3 = TS.Load(ref xb, i + 3 * step);
            TV d0 = TS.Broadcast(d);
            a00 = TS.MulAdd(d0, x0, a00); a01 = TS.MulAdd(d0, x1, a01); a02 = TS.MulAdd(d0, x2, a02); a03 = TS.MulAdd(d0, x3, a03);
            TV d1 = TS.Broadcast(Unsafe.Add(ref d, 1));
            a10 = TS.MulAdd(d1, x0, a10); a11 = TS.MulAdd(d1, x1, a11); a12 = TS.MulAdd(d1, x2, a12); a13 = TS.MulAdd(d1, x3, a13);
            TV d2 = TS.Broadcast(Unsafe.Add(ref d, 2));
            a20 = TS.MulAdd(d2, x0, a20); a21 = TS.MulAdd(d2, x1, a21); a22 = TS.MulAdd(d2, x2, a22); a23 = TS.MulAdd(d2, x3, a23);
            TV d3 = TS.Broadcast(Unsafe.Add(ref d, 3));
            a30 = TS.MulAdd(d3, x0, a30); a31 = TS.MulAdd(d3, x1, a31); a32 = TS.MulAdd(d3, x2, a32); a33 = TS.MulAdd(d3, x3, a33);
        }
        TS.Store(a00, ref dwj, i); TS.Store(a01, ref dwj, i + step); TS.Store(a02, ref dwj, i + 2 * step); TS.Store(a03, ref dwj, i + 3 * step);
        TS.Store(a10, ref dwj, n + i); TS.Store(a11, ref dwj, n + i + step); TS.Store(a12, ref dwj, n + i + 2 * step); TS.Store(a13, ref dwj, n + i + 3 * step);
        TS.Store(a20, ref dwj, 2 * n + i); TS.Store(a21, ref dwj, 2 * n + i + step); TS.Store(a22, ref dwj, 2 * n + i + 2 * step); TS.Store(a23, ref dwj, 2 * n + i + 3 * step);
        TS.Store(a30, ref dwj, 3 * n + i); TS.Store(a31, ref dwj, 3 * n + i + step); TS.Store(a32, ref dwj, 3 * n + i + 2 * step); TS.Store(a33, ref dwj, 3 * n + i + 3 * step);
    }

    /// <summary>dW[j, i..N) one vector at a time, then scalar.</summary>
    private static void WeightGradientRowTail(ref float dz, ref float x, ref float dwRow, int j, nuint i, int batch)
    {
        nuint n = (nuint)N, step = (nuint)TS.Count;
        for (; i + step <= n; i += step)
        {
            TV a = default;
            for (int b = 0; b < batch; b++)
                a = TS.MulAdd(TS.Broadcast(Unsafe.Add(ref dz, (nint)b * Units + j)), TS.Load(ref Unsafe.Add(ref x, (nint)b * N), i), a);
            TS.Store(a, ref dwRow, i);
        }
        for (; i < n; i++)
        {
            float a = 0f;
            for (int b = 0; b < batch; b++)
                a += Unsafe.Add(ref dz, (nint)b * Units + j) * Unsafe.Add(ref x, (nint)b * N + (nint)i);
            Unsafe.Add(ref dwRow, i) = a;
        }
    }

    /// <summary>
    /// dx[b, i] = g(a[b, i], Σ_j dz[b, j]·w[j, i]) (overwritten), where g is the backward step of the layer below's
    /// activation (<paramref name="derivative"/>, given that layer's outputs <paramref name="a"/>, laid out like dx), so
    /// dx comes out as that layer's dz; <see cref="IdentityGradient"/> leaves the plain product (and never reads a).
    /// Blocks of 4 samples × 4 vectors of inputs stay in registers while the units stream past: per unit, four w vectors
    /// and four broadcast dz values feed sixteen multiply-adds; g is applied to each accumulator as it is stored.
    /// </summary>
    public static void InputGradients<TGrad>(ref float dz, ref float w, ref float dx, int batch, ref float a, TGrad derivative)
        where TGrad : struct, IGradientOperator
    {
        nuint n = (nuint)N, step = (nuint)TS.Count;
        int b = 0;
        for (; b + 4 <= batch; b += 4)
        {
            ref float dxb = ref Unsafe.Add(ref dx, (nint)b * N);
            ref float ab = ref Unsafe.Add(ref a, (nint)b * N);
            ref float d = ref Unsafe.Add(ref dz, (nint)b * Units);
            nuint i = 0;
            for (; i + 4 * step <= n; i += 4 * step)
            {
                TV a00 = default, a01 = default, a02 = default, a03 = default;
                TV a10 = default, a11 = default, a12 = default, a13 = default;
                TV a20 = default, a21 = default, a22 = default, a23 = default;
                TV a30 = default, a31 = default, a32 = default, a33 = default;
                for (int j = 0; j < Units; j++)
                {
                    ref float wj = ref Unsafe.Add(ref w, (nint)j * N);
                    TV w0 = TS.Load(ref wj, i), w1 = TS.Load(ref wj, i + step), w2 = TS.Load(ref wj, i + 2 * step), w3 = TS.Load(ref wj, i + 3 * step);
                    TV d0 = TS.Broadcast(Unsafe.Add(ref d, j));
                    a00 = TS.MulAdd(d0, w0, a00); a01 = TS.MulAdd(d0, w1, a01); a02 = TS.MulAdd(d0, w2, a02); a03 = TS.MulAdd(d0, w3, a03);
                    TV d1 = TS.Broadcast(Unsafe.Add(ref d, Units + j));
                    a10 = TS.MulAdd(d1, w0, a10); a11 = TS.MulAdd(d1, w1, a11); a12 = TS.MulAdd(d1, w2, a12); a13 = TS.MulAdd(d1, w3, a13);
                    TV d2 = TS.Broadcast(Unsafe.Add(ref d, 2 * Units + j));
                    a20 = TS.MulAdd(d2, w0, a20); a21 = TS.MulAdd(d2, w1, a21); a22 = TS.MulAdd(d2, w2, a22); a23 = TS.MulAdd(d2, w3, a23);
                    TV d3 = TS.Broadcast(Unsafe.Add(ref d, 3 * Units + j));
                    a30 = TS.MulAdd(d3, w0, a30); a31 = TS.MulAdd(d3, w1, a31); a32 = TS.MulAdd(d3, w2, a32); a33 = TS.MulAdd(d3, w3, a33);
                }
                StoreGradient(a00, ref dxb, ref ab, i, derivative); StoreGradient(a01, ref dxb, ref ab, i + step, derivative); StoreGradient(a02, ref dxb, ref ab, i + 2 * step, derivative); StoreGradient(a03, ref dxb, ref ab, i + 3 * step, derivative);
                StoreGradient(a10, ref dxb, ref ab, n + i, derivative); StoreGradient(a11, ref dxb, ref ab, n + i + step, derivative); StoreGradient(a12, ref dxb, ref ab, n + i + 2 * step, derivative); StoreGradient(a13, ref dxb, ref ab, n + i + 3 * step, derivative);
                StoreGradient(a20, ref dxb, ref ab, 2 * n + i, derivative); StoreGradient(a21, ref dxb, ref ab, 2 * n + i + step, derivative); StoreGradient(a22, ref dxb, ref ab, 2 * n + i + 2 * step, derivative); StoreGradient(a23, ref dxb, ref ab, 2 * n + i + 3 * step, derivative);
                StoreGradient(a30, ref dxb, ref ab, 3 * n + i, derivative); StoreGradient(a31, ref dxb, ref ab, 3 * n + i + step, derivative); StoreGradient(a32, ref dxb, ref ab, 3 * n + i + 2 * step, derivative); StoreGradient(a33, ref dxb, ref ab, 3 * n + i + 3 * step, derivative);
            }
            for (int s = 0; s < 4; s++)
                InputGradientRowTail(ref Unsafe.Add(ref d, (nint)s * Units), ref w, ref Unsafe.Add(ref dxb, (nint)s * N), i, ref Unsafe.Add(ref ab, (nint)s * N), derivative);
        }
        for (; b < batch; b++)
            InputGradientRowTail(ref Unsafe.Add(ref dz, (nint)b * Units), ref w, ref Unsafe.Add(ref dx, (nint)b * N), 0, ref Unsafe.Add(ref a, (nint)b * N), derivative);
    }

    /// <summary>dx[b, i..N) for one sample, one vector at a time, then scalar.</summary>
    private static void InputGradientRowTail<TGrad>(ref float dzRow, ref float w, ref float dxRow, nuint i, ref float aRow, TGrad derivative)
        where TGrad : struct, IGradientOperator
    {
        nuint n = (nuint)N, step = (nuint)TS.Count;
        for (; i + step <= n; i += step)
        {
            TV sum = default;
            for (int j = 0; j < Units; j++)
                sum = TS.MulAdd(TS.Broadcast(Unsafe.Add(ref dzRow, j)), TS.Load(ref Unsafe.Add(ref w, (nint)j * N), i), sum);
            StoreGradient(sum, ref dxRow, ref aRow, i, derivative);
        }
        for (; i < n; i++)
        {
            float sum = 0f;
            for (int j = 0; j < Units; j++)
                sum += Unsafe.Add(ref dzRow, j) * Unsafe.Add(ref w, (nint)j * N + (nint)i);
            Unsafe.Add(ref dxRow, i) = typeof(TGrad) == typeof(IdentityGradient) ? sum : derivative.Invoke(Unsafe.Add(ref aRow, i), sum);
        }
    }

    /// <summary>dx[at…] = g(a[at…], sum): the backward step applied as the block is stored (the identity reads nothing).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreGradient<TGrad>(TV sum, ref float dx, ref float a, nuint at, TGrad derivative) where TGrad : struct, IGradientOperator =>
        TS.Store(typeof(TGrad) == typeof(IdentityGradient) ? sum : TS.Apply(derivative, TS.Load(ref a, at), sum), ref dx, at);
}
