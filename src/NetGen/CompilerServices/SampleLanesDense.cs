using System.Runtime.CompilerServices;

namespace NetGen.CompilerServices;

/// <summary>
/// The batched forward product with the samples in the vector lanes, for weights that change between calls (a network
/// in training): the inputs are transposed into xᵀ [inputs × pitch] (pitch = the batch rounded up to whole vectors), and
/// each block of 6 units × up to 4 vectors of samples keeps 24 accumulators in registers while k runs over the inputs:
/// one broadcast weight and up to four contiguous xᵀ vectors feed up to 24 multiply-adds. The weights are read in their
/// own [units × inputs] layout, so nothing of their size is transposed; the results, [units × pitch], are transposed
/// back into z. Moving batch · (inputs + units) floats instead of the inputs · units weights is what makes this the
/// kernel of small training batches on wide layers (see <see cref="Tuning.SampleLanesPay"/>).
/// </summary>
/// <remarks>
/// Each output is one accumulator that starts at the bias and adds w[j, k]·x[b, k] for k in order, the sums of
/// <see cref="PackedDense{TIn, TOut, TS, TV}"/> bit for bit (a fused multiply-add does not care which factor is broadcast),
/// so a sample's outputs do not depend on the batch, the block or the thread that computes them.
/// </remarks>
internal static class SampleLanesDense<TIn, TOut, TS, TV>
    where TIn : IDimension where TOut : IDimension where TS : ISimdWidth<TV> where TV : struct
{
    private const int Rows = 6;
    private static int N => TIn.Value;
    private static int Units => TOut.Value;

    /// <summary>The batch rounded up to whole vectors: the row length of xᵀ and of the transposed results.</summary>
    public static int Pitch(int batch) => (batch + TS.Count - 1) / TS.Count * TS.Count;

    /// <summary>The floats of scratch a call over <paramref name="batch"/> samples and <paramref name="units"/> units needs: xᵀ, then the results.</summary>
    public static int ScratchLength(int batch, int units) => (N + units) * Pitch(batch);

    /// <summary>
    /// z[b, j] = f(bias[j] + Σ_k w[j, k]·x[b, k]) for units <paramref name="unitStart"/> ≤ j &lt; <paramref name="unitEnd"/>,
    /// with f the <paramref name="activation"/> applied to the accumulators before they are stored. <paramref name="scratch"/>
    /// holds <see cref="ScratchLength"/>(batch, unitEnd − unitStart) floats.
    /// </summary>
    public static void Forward<TAct>(ref float w, ref float bias, ref float x, ref float z, int batch, int unitStart, int unitEnd,
        ref float scratch, TAct activation)
        where TAct : struct, IUnaryOperator
    {
        int pitch = Pitch(batch), width = unitEnd - unitStart;
        ref float xt = ref scratch;
        ref float zt = ref Unsafe.Add(ref scratch, (nint)N * pitch);
        Transpose.Copy(ref x, batch, N, ref xt, pitch);
        ref float wStart = ref Unsafe.Add(ref w, (nint)unitStart * N);
        ref float bStart = ref Unsafe.Add(ref bias, unitStart);
        int vectors = pitch / TS.Count;
        for (int v = 0; v < vectors; v += 4)
        {
            nuint at = (nuint)(v * TS.Count);
            switch (vectors - v)
            {
                case 1: Units1<V1, TAct>(ref wStart, ref bStart, ref xt, ref zt, at, (nuint)pitch, width, activation); break;
                case 2: Units1<V2, TAct>(ref wStart, ref bStart, ref xt, ref zt, at, (nuint)pitch, width, activation); break;
                case 3: Units1<V3, TAct>(ref wStart, ref bStart, ref xt, ref zt, at, (nuint)pitch, width, activation); break;
                default: Units1<V4, TAct>(ref wStart, ref bStart, ref xt, ref zt, at, (nuint)pitch, width, activation); break;
            }
        }
        Transpose.Copy(ref zt, width, batch, pitch, ref Unsafe.Add(ref z, unitStart), Units);
    }

    /// <summary>All <paramref name="width"/> units over the TC vectors of samples from lane <paramref name="at"/>: blocks of six units, then one by one.</summary>
    private static void Units1<TC, TAct>(ref float w, ref float bias, ref float xt, ref float zt, nuint at, nuint pitch, int width, TAct activation)
        where TC : IDimension where TAct : struct, IUnaryOperator
    {
        int j = 0;
        for (; j + Rows <= width; j += Rows)
            Block6<TC, TAct>(ref Unsafe.Add(ref w, (nint)j * N), ref Unsafe.Add(ref bias, j), ref xt, ref Unsafe.Add(ref zt, (nint)j * (nint)pitch), at, pitch, activation);
        for (; j < width; j++)
            Block1<TC, TAct>(ref Unsafe.Add(ref w, (nint)j * N), Unsafe.Add(ref bias, j), ref xt, ref Unsafe.Add(ref zt, (nint)j * (nint)pitch), at, pitch, activation);
    }

    /// <summary>
    /// Six units (rows of w, N apart) × TC vectors of samples (1 to 4, a JIT-time constant, so the unused accumulators
    /// and their multiply-adds are compiled away).
    /// </summary>
    private static void Block6<TC, TAct>(ref float w, ref float bias, ref float xt, ref float zt, nuint at, nuint pitch, TAct activation)
        where TC : IDimension where TAct : struct, IUnaryOperator
    {
        nuint s = (nuint)TS.Count, n = (nuint)N;
        int c = TC.Value;
        TV b0 = TS.Broadcast(bias), b1 = TS.Broadcast(Unsafe.Add(ref bias, 1)), b2 = TS.Broadcast(Unsafe.Add(ref bias, 2));
        TV b3 = TS.Broadcast(Unsafe.Add(ref bias, 3)), b4 = TS.Broadcast(Unsafe.Add(ref bias, 4)), b5 = TS.Broadcast(Unsafe.Add(ref bias, 5));
        TV a00 = b0, a01 = b0, a02 = b0, a03 = b0, a10 = b1, a11 = b1, a12 = b1, a13 = b1, a20 = b2, a21 = b2, a22 = b2, a23 = b2;
        TV a30 = b3, a31 = b3, a32 = b3, a33 = b3, a40 = b4, a41 = b4, a42 = b4, a43 = b4, a50 = b5, a51 = b5, a52 = b5, a53 = b5;
        ref float w1 = ref Unsafe.Add(ref w, n), w2 = ref Unsafe.Add(ref w, 2 * n), w3 = ref Unsafe.Add(ref w, 3 * n);
        ref float w4 = ref Unsafe.Add(ref w, 4 * n), w5 = ref Unsafe.Add(ref w, 5 * n);
        for (nuint k = 0; k < n; k++)
        {
            ref float row = ref Unsafe.Add(ref xt, k * pitch + at);
            TV x0 = TS.Load(ref row, 0);
            TV x1 = c > 1 ? TS.Load(ref row, s) : default;
            TV x2 = c > 2 ? TS.Load(ref row, 2 * s) : default;
            TV x3 = c > 3 ? TS.Load(ref row, 3 * s) : default;
            TV v = TS.Broadcast(Unsafe.Add(ref w, k));
            a00 = TS.MulAdd(v, x0, a00);
            if (c > 1) a01 = TS.MulAdd(v, x1, a01);
            if (c > 2) a02 = TS.MulAdd(v, x2, a02);
            if (c > 3) a03 = TS.MulAdd(v, x3, a03);
            v = TS.Broadcast(Unsafe.Add(ref w1, k));
            a10 = TS.MulAdd(v, x0, a10);
            if (c > 1) a11 = TS.MulAdd(v, x1, a11);
            if (c > 2) a12 = TS.MulAdd(v, x2, a12);
            if (c > 3) a13 = TS.MulAdd(v, x3, a13);
            v = TS.Broadcast(Unsafe.Add(ref w2, k));
            a20 = TS.MulAdd(v, x0, a20);
            if (c > 1) a21 = TS.MulAdd(v, x1, a21);
            if (c > 2) a22 = TS.MulAdd(v, x2, a22);
            if (c > 3) a23 = TS.MulAdd(v, x3, a23);
            v = TS.Broadcast(Unsafe.Add(ref w3, k));
            a30 = TS.MulAdd(v, x0, a30);
            if (c > 1) a31 = TS.MulAdd(v, x1, a31);
            if (c > 2) a32 = TS.MulAdd(v, x2, a32);
            if (c > 3) a33 = TS.MulAdd(v, x3, a33);
            v = TS.Broadcast(Unsafe.Add(ref w4, k));
            a40 = TS.MulAdd(v, x0, a40);
            if (c > 1) a41 = TS.MulAdd(v, x1, a41);
            if (c > 2) a42 = TS.MulAdd(v, x2, a42);
            if (c > 3) a43 = TS.MulAdd(v, x3, a43);
            v = TS.Broadcast(Unsafe.Add(ref w5, k));
            a50 = TS.MulAdd(v, x0, a50);
            if (c > 1) a51 = TS.MulAdd(v, x1, a51);
            if (c > 2) a52 = TS.MulAdd(v, x2, a52);
            if (c > 3) a53 = TS.MulAdd(v, x3, a53);
        }
        StoreRow<TC, TAct>(ref zt, at, a00, a01, a02, a03, activation);
        StoreRow<TC, TAct>(ref zt, pitch + at, a10, a11, a12, a13, activation);
        StoreRow<TC, TAct>(ref zt, 2 * pitch + at, a20, a21, a22, a23, activation);
        StoreRow<TC, TAct>(ref zt, 3 * pitch + at, a30, a31, a32, a33, activation);
        StoreRow<TC, TAct>(ref zt, 4 * pitch + at, a40, a41, a42, a43, activation);
        StoreRow<TC, TAct>(ref zt, 5 * pitch + at, a50, a51, a52, a53, activation);
    }

    /// <summary>One leftover unit × TC vectors of samples.</summary>
    private static void Block1<TC, TAct>(ref float w, float bias, ref float xt, ref float zt, nuint at, nuint pitch, TAct activation)
        where TC : IDimension where TAct : struct, IUnaryOperator
    {
        nuint s = (nuint)TS.Count, n = (nuint)N;
        int c = TC.Value;
        TV a0 = TS.Broadcast(bias), a1 = a0, a2 = a0, a3 = a0;
        for (nuint k = 0; k < n; k++)
        {
            ref float row = ref Unsafe.Add(ref xt, k * pitch + at);
            TV v = TS.Broadcast(Unsafe.Add(ref w, k));
            a0 = TS.MulAdd(v, TS.Load(ref row, 0), a0);
            if (c > 1) a1 = TS.MulAdd(v, TS.Load(ref row, s), a1);
            if (c > 2) a2 = TS.MulAdd(v, TS.Load(ref row, 2 * s), a2);
            if (c > 3) a3 = TS.MulAdd(v, TS.Load(ref row, 3 * s), a3);
        }
        StoreRow<TC, TAct>(ref zt, at, a0, a1, a2, a3, activation);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TC, TAct>(ref float zt, nuint at, TV a0, TV a1, TV a2, TV a3, TAct activation)
        where TC : IDimension where TAct : struct, IUnaryOperator
    {
        nuint s = (nuint)TS.Count;
        TS.Store(TS.Apply(activation, a0), ref zt, at);
        if (TC.Value > 1) TS.Store(TS.Apply(activation, a1), ref zt, at + s);
        if (TC.Value > 2) TS.Store(TS.Apply(activation, a2), ref zt, at + 2 * s);
        if (TC.Value > 3) TS.Store(TS.Apply(activation, a3), ref zt, at + 3 * s);
    }

    private readonly struct V1 : IDimension { public static int Value => 1; }
    private readonly struct V2 : IDimension { public static int Value => 2; }
    private readonly struct V3 : IDimension { public static int Value => 3; }
    private readonly struct V4 : IDimension { public static int Value => 4; }
}
