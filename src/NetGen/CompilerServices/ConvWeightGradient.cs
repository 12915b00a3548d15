using System.Runtime.CompilerServices;

namespace NetGen.CompilerServices;

/// <summary>
/// The weight gradient of a convolution, dW[f, c, ky, kx] = Σ_b Σ_(oy, ox) dz[b, f, oy, ox]·x_pad[b, c, oy·S + ky, ox·S + kx],
/// with the filters in the vector lanes: per sample, dz is transposed to [positions × filters] (dzᵀ, rows padded to whole
/// vectors), and blocks of 8 weights (c, ky, kx) × 2 vectors of filters keep 16 accumulators in registers while the
/// positions stream past: per position two dzᵀ vectors and eight broadcast inputs feed 16 fused multiply-adds. The
/// input is read in place from its padded copy, whatever the stride, so nothing is packed. The accumulators live in
/// dWᵀ [weights × filters] between samples; each element is summed over the samples and positions in order, so its
/// bits do not depend on the block, the filter range or the thread that computes it.
/// </summary>
internal static class ConvWeightGradient<TShape, TS, TV> where TShape : IConv2DShape where TS : ISimdWidth<TV> where TV : struct
{
    // Constants for the JIT as static readonly fields (see ConvProduct).
    private static readonly int Lanes = TS.Count;
    private static readonly int Patch = ConvSizes<TShape>.Patch, K = ConvSizes<TShape>.K, S = ConvSizes<TShape>.S;
    private static readonly int PaddedHeight = ConvSizes<TShape>.PaddedHeight, PaddedWidth = ConvSizes<TShape>.PaddedWidth;
    private static readonly int OutputHeight = ConvSizes<TShape>.OutputHeight, OutputWidth = ConvSizes<TShape>.OutputWidth;

    /// <summary>Filters rounded up to whole vectors: the row length of dzᵀ and dWᵀ.</summary>
    public static readonly int FilterPitch = (ConvSizes<TShape>.F + TS.Count - 1) / TS.Count * TS.Count;

    /// <summary>
    /// dWᵀ[k, v] += Σ_(oy, ox) dzᵀ[(oy, ox), v]·xpad[offset(k) + oy·S·PW + ox·S] for weights k and filter vectors
    /// [<paramref name="firstVector"/>, <paramref name="endVector"/>) (in lanes), one sample.
    /// </summary>
    public static void Accumulate(ref float xpad, ref float dzT, ref float dwT, int firstVector, int endVector)
    {
        int patch = Patch;
        for (int v = firstVector; v < endVector; v += 2 * Lanes)
        {
            bool two = v + Lanes < endVector;
            int k = 0;
            for (; k + 8 <= patch; k += 8)
                if (two) Tile<Count8, Count2>(ref xpad, ref dzT, ref dwT, k, v); else Tile<Count8, Count1>(ref xpad, ref dzT, ref dwT, k, v);
            for (; k + 4 <= patch; k += 4)
                if (two) Tile<Count4, Count2>(ref xpad, ref dzT, ref dwT, k, v); else Tile<Count4, Count1>(ref xpad, ref dzT, ref dwT, k, v);
            for (; k < patch; k++)
                if (two) Tile<Count1, Count2>(ref xpad, ref dzT, ref dwT, k, v); else Tile<Count1, Count1>(ref xpad, ref dzT, ref dwT, k, v);
        }
    }

    /// <summary>Where weight k = (c, ky, kx) reads in the padded input, for output position (0, 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint Offset(int k)
    {
        int kk = K * K;
        int c = k / kk, ky = k % kk / K, kx = k % K;
        return (nuint)((c * PaddedHeight + ky) * PaddedWidth + kx);
    }

    /// <summary>Weights [k, k + TK) × filter vectors [v, v + TF·Lanes).</summary>
    private static void Tile<TK, TF>(ref float xpad, ref float dzT, ref float dwT, int k, int v) where TK : IDimension where TF : IDimension
    {
        int kb = TK.Value, fv = TF.Value;
        nuint pitch = (nuint)FilterPitch, lanes = (nuint)Lanes;
        ref float d = ref Unsafe.Add(ref dwT, (nint)k * FilterPitch + v);
        nuint o0 = Offset(k);
        nuint o1 = kb > 1 ? Offset(k + 1) : 0;
        nuint o2 = kb > 2 ? Offset(k + 2) : 0;
        nuint o3 = kb > 3 ? Offset(k + 3) : 0;
        nuint o4 = kb > 4 ? Offset(k + 4) : 0;
        nuint o5 = kb > 5 ? Offset(k + 5) : 0;
        nuint o6 = kb > 6 ? Offset(k + 6) : 0;
        nuint o7 = kb > 7 ? Offset(k + 7) : 0;
        TV a00 = TS.Load(ref d, 0 * pitch), a01 = fv > 1 ? TS.Load(ref d, 0 * pitch + lanes) : default;
        TV a10 = kb > 1 ? TS.Load(ref d, 1 * pitch) : default, a11 = fv > 1 && kb > 1 ? TS.Load(ref d, 1 * pitch + lanes) : default;
        TV a20 = kb > 2 ? TS.Load(ref d, 2 * pitch) : default, a21 = fv > 1 && kb > 2 ? TS.Load(ref d, 2 * pitch + lanes) : default;
        TV a30 = kb > 3 ? TS.Load(ref d, 3 * pitch) : default, a31 = fv > 1 && kb > 3 ? TS.Load(ref d, 3 * pitch + lanes) : default;
        TV a40 = kb > 4 ? TS.Load(ref d, 4 * pitch) : default, a41 = fv > 1 && kb > 4 ? TS.Load(ref d, 4 * pitch + lanes) : default;
        TV a50 = kb > 5 ? TS.Load(ref d, 5 * pitch) : default, a51 = fv > 1 && kb > 5 ? TS.Load(ref d, 5 * pitch + lanes) : default;
        TV a60 = kb > 6 ? TS.Load(ref d, 6 * pitch) : default, a61 = fv > 1 && kb > 6 ? TS.Load(ref d, 6 * pitch + lanes) : default;
        TV a70 = kb > 7 ? TS.Load(ref d, 7 * pitch) : default, a71 = fv > 1 && kb > 7 ? TS.Load(ref d, 7 * pitch + lanes) : default;
        ref float g = ref Unsafe.Add(ref dzT, v);
        nuint rowStep = (nuint)(S * PaddedWidth), step = (nuint)S;
        nuint row = 0;
        for (int oy = 0; oy < OutputHeight; oy++, row += rowStep)
        {
            nuint at = row;
            for (int ox = 0; ox < OutputWidth; ox++, at += step)
            {
                TV g0 = TS.Load(ref g, 0), g1 = fv > 1 ? TS.Load(ref g, lanes) : default;
                g = ref Unsafe.Add(ref g, pitch);
                { a00 = TS.MulAdd(g0, TS.Broadcast(Unsafe.Add(ref xpad, o0 + at)), a00); if (fv > 1) a01 = TS.MulAdd(g1, TS.Broadcast(Unsafe.Add(ref xpad, o0 + at)), a01); }
                if (kb > 1) { a10 = TS.MulAdd(g0, TS.Broadcast(Unsafe.Add(ref xpad, o1 + at)), a10); if (fv > 1) a11 = TS.MulAdd(g1, TS.Broadcast(Unsafe.Add(ref xpad, o1 + at)), a11); }
                if (kb > 2) { a20 = TS.MulAdd(g0, TS.Broadcast(Unsafe.Add(ref xpad, o2 + at)), a20); if (fv > 1) a21 = TS.MulAdd(g1, TS.Broadcast(Unsafe.Add(ref xpad, o2 + at)), a21); }
                if (kb > 3) { a30 = TS.MulAdd(g0, TS.Broadcast(Unsafe.Add(ref xpad, o3 + at)), a30); if (fv > 1) a31 = TS.MulAdd(g1, TS.Broadcast(Unsafe.Add(ref xpad, o3 + at)), a31); }
                if (kb > 4) { a40 = TS.MulAdd(g0, TS.Broadcast(Unsafe.Add(ref xpad, o4 + at)), a40); if (fv > 1) a41 = TS.MulAdd(g1, TS.Broadcast(Unsafe.Add(ref xpad, o4 + at)), a41); }
                if (kb > 5) { a50 = TS.MulAdd(g0, TS.Broadcast(Unsafe.Add(ref xpad, o5 + at)), a50); if (fv > 1) a51 = TS.MulAdd(g1, TS.Broadcast(Unsafe.Add(ref xpad, o5 + at)), a51); }
                if (kb > 6) { a60 = TS.MulAdd(g0, TS.Broadcast(Unsafe.Add(ref xpad, o6 + at)), a60); if (fv > 1) a61 = TS.MulAdd(g1, TS.Broadcast(Unsafe.Add(ref xpad, o6 + at)), a61); }
                if (kb > 7) { a70 = TS.MulAdd(g0, TS.Broadcast(Unsafe.Add(ref xpad, o7 + at)), a70); if (fv > 1) a71 = TS.MulAdd(g1, TS.Broadcast(Unsafe.Add(ref xpad, o7 + at)), a71); }
            }
        }
        { TS.Store(a00, ref d, 0 * pitch); if (fv > 1) TS.Store(a01, ref d, 0 * pitch + lanes); }
        if (kb > 1) { TS.Store(a10, ref d, 1 * pitch); if (fv > 1) TS.Store(a11, ref d, 1 * pitch + lanes); }
        if (kb > 2) { TS.Store(a20, ref d, 2 * pitch); if (fv > 1) TS.Store(a21, ref d, 2 * pitch + lanes); }
        if (kb > 3) { TS.Store(a30, ref d, 3 * pitch); if (fv > 1) TS.Store(a31, ref d, 3 * pitch + lanes); }
        if (kb > 4) { TS.Store(a40, ref d, 4 * pitch); if (fv > 1) TS.Store(a41, ref d, 4 * pitch + lanes); }
        if (kb > 5) { TS.Store(a50, ref d, 5 * pitch); if (fv > 1) TS.Store(a51, ref d, 5 * pitch + lanes); }
        if (kb > 6) { TS.Store(a60, ref d, 6 * pitch); if (fv > 1) TS.Store(a61, ref d, 6 * pitch + lanes); }
        if (kb > 7) { TS.Store(a70, ref d, 7 * pitch); if (fv > 1) TS.Store(a71, ref d, 7 * pitch + lanes); }
    }
}
