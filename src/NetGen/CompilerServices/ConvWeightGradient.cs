using System.Runtime.CompilerServices;

namespace NetGen.CompilerServices;

/// <summary>
/// The weight gradient of a convolution, dW[f, c, ky, kx] = Σ_b Σ_(oy, ox) dz[b, f, oy, ox]·x_pad[b, c, oy·S + ky, ox·S + kx],
/// with the filters in the vector lanes: per sample, dz is transposed to [positions × filters] (dzᵀ, rows padded to whole
/// vectors), and blocks of 12 weights (c, ky, kx) (then 4, then 1) × 2 vectors of filters keep 24 accumulators in registers while the
/// positions stream past: per position two dzᵀ vectors and twelve broadcast inputs feed 24 fused multiply-adds. The
/// input is read in place from its padded copy, whatever the stride, so nothing is packed. The accumulators live in
/// dWᵀ [weights × filters] between samples; each element is summed over the samples and positions in order, so its
/// bits do not depend on the block, the filter range or the thread that computes it.
/// </summary>
internal static class ConvWeightGradient<TShape, TS, TV> where TShape : IConv2DShape where TS : ISimdWidth<TV> where TV : struct
{
    private static int Lanes => TS.Count;

    /// <summary>Filters rounded up to whole vectors: the row length of dzᵀ and dWᵀ.</summary>
    public static int FilterPitch => (ConvSizes<TShape>.F + Lanes - 1) / Lanes * Lanes;

    /// <summary>
    /// dWᵀ[k, v] += Σ_(oy, ox) dzᵀ[(oy, ox), v]·xpad[offset(k) + oy·S·PW + ox·S] for weights k and filter vectors
    /// [<paramref name="firstVector"/>, <paramref name="endVector"/>) (in lanes), one sample.
    /// </summary>
    public static void Accumulate(ref float xpad, ref float dzT, ref float dwT, int firstVector, int endVector)
    {
        int patch = ConvSizes<TShape>.Patch;
        for (int v = firstVector; v < endVector; v += 2 * Lanes)
        {
            bool two = v + Lanes < endVector;
            int k = 0;
            for (; k + 12 <= patch; k += 12)
                if (two) Tile<Count12, Count2>(ref xpad, ref dzT, ref dwT, k, v); else Tile<Count12, Count1>(ref xpad, ref dzT, ref dwT, k, v);
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
        int kk = ConvSizes<TShape>.K * ConvSizes<TShape>.K;
        int c = k / kk, ky = k % kk / ConvSizes<TShape>.K, kx = k % ConvSizes<TShape>.K;
        return (nuint)((c * ConvSizes<TShape>.PaddedHeight + ky) * ConvSizes<TShape>.PaddedWidth + kx);
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
        nuint o8 = kb > 8 ? Offset(k + 8) : 0;
        nuint o9 = kb > 9 ? Offset(k + 9) : 0;
        nuint o10 = kb > 10 ? Offset(k + 10) : 0;
        nuint o11 = kb > 11 ? Offset(k + 11) : 0;
        TV a00 = TS.Load(ref d, 0 * pitch), a01 = fv > 1 ? TS.Load(ref d, 0 * pitch + lanes) : default;
        TV a10 = kb > 1 ? TS.Load(ref d, 1 * pitch) : default, a11 = fv > 1 && kb > 1 ? TS.Load(ref d, 1 * pitch + lanes) : default;
        TV a20 = kb > 2 ? TS.Load(ref d, 2 * pitch) : default, a21 = fv > 1 && kb > 2 ? TS.Load(ref d, 2 * pitch + lanes) : default;
        TV a30 = kb > 3 ? TS.Load(ref d, 3 * pitch) : default, a31 = fv > 1 && kb > 3 ? TS.Load(ref d, 3 * pitch + lanes) : default;
        TV a40 = kb > 4 ? TS.Load(ref d, 4 * pitch) : default, a41 = fv > 1 && kb > 4 ? TS.Load(ref d, 4 * pitch + lanes) : default;
        TV a50 = kb > 5 ? TS.Load(ref d, 5 * pitch) : default, a51 = fv > 1 && kb > 5 ? TS.Load(ref d, 5 * pitch + lanes) : default;
        TV a60 = kb > 6 ? TS.Load(ref d, 6 * pitch) : default, a61 = fv > 1 && kb > 6 ? TS.Load(ref d, 6 * pitch + lanes) : default;
        TV a70 = kb > 7 ? TS.Load(ref d, 7 * pitch) : default, a71 = fv > 1 && kb > 7 ? TS.Load(ref d, 7 * pitch + lanes) : default;
        TV a80 = kb > 8 ? TS.Load(ref d, 8 * pitch) : default, a81 = fv > 1 && kb > 8 ? TS.Load(ref d, 8 * pitch + lanes) : default;
        TV a90 = kb > 9 ? TS.Load(ref d, 9 * pitch) : default, a91 = fv > 1 && kb > 9 ? TS.Load(ref d, 9 * pitch + lanes) : default;
        TV a100 = kb > 10 ? TS.Load(ref d, 10 * pitch) : default, a101 = fv > 1 && kb > 10 ? TS.Load(ref d, 10 * pitch + lanes) : default;
        TV a110 = kb > 11 ? TS.Load(ref d, 11 * pitch) : default, a111 = fv > 1 && kb > 11 ? TS.Load(ref d, 11 * pitch + lanes) : default;
        ref float g = ref Unsafe.Add(ref dzT, v);
        nuint rowStep = (nuint)(ConvSizes<TShape>.S * ConvSizes<TShape>.PaddedWidth), step = (nuint)ConvSizes<TShape>.S;
        nuint row = 0;
        for (int oy = 0; oy < ConvSizes<TShape>.OutputHeight; oy++, row += rowStep)
        {
            nuint at = row;
            for (int ox = 0; ox < ConvSizes<TShape>.OutputWidth; ox++, at += step)
            {
                TV g0 = TS.Load(ref g, 0), g1 = fv > 1 ? TS.Load(ref g, lanes) : default;
                g = ref Unsafe.Add(ref g, pitch);
                { TV x = TS.Broadcast(Unsafe.Add(ref xpad, o0 + at)); a00 = TS.MulAdd(x, g0, a00); if (fv > 1) a01 = TS.MulAdd(x, g1, a01); }
                if (kb > 1) { TV x = TS.Broadcast(Unsafe.Add(ref xpad, o1 + at)); a10 = TS.MulAdd(x, g0, a10); if (fv > 1) a11 = TS.MulAdd(x, g1, a11); }
                if (kb > 2) { TV x = TS.Broadcast(Unsafe.Add(ref xpad, o2 + at)); a20 = TS.MulAdd(x, g0, a20); if (fv > 1) a21 = TS.MulAdd(x, g1, a21); }
                if (kb > 3) { TV x = TS.Broadcast(Unsafe.Add(ref xpad, o3 + at)); a30 = TS.MulAdd(x, g0, a30); if (fv > 1) a31 = TS.MulAdd(x, g1, a31); }
                if (kb > 4) { TV x = TS.Broadcast(Unsafe.Add(ref xpad, o4 + at)); a40 = TS.MulAdd(x, g0, a40); if (fv > 1) a41 = TS.MulAdd(x, g1, a41); }
                if (kb > 5) { TV x = TS.Broadcast(Unsafe.Add(ref xpad, o5 + at)); a50 = TS.MulAdd(x, g0, a50); if (fv > 1) a51 = TS.MulAdd(x, g1, a51); }
                if (kb > 6) { TV x = TS.Broadcast(Unsafe.Add(ref xpad, o6 + at)); a60 = TS.MulAdd(x, g0, a60); if (fv > 1) a61 = TS.MulAdd(x, g1, a61); }
                if (kb > 7) { TV x = TS.Broadcast(Unsafe.Add(ref xpad, o7 + at)); a70 = TS.MulAdd(x, g0, a70); if (fv > 1) a71 = TS.MulAdd(x, g1, a71); }
                if (kb > 8) { TV x = TS.Broadcast(Unsafe.Add(ref xpad, o8 + at)); a80 = TS.MulAdd(x, g0, a80); if (fv > 1) a81 = TS.MulAdd(x, g1, a81); }
                if (kb > 9) { TV x = TS.Broadcast(Unsafe.Add(ref xpad, o9 + at)); a90 = TS.MulAdd(x, g0, a90); if (fv > 1) a91 = TS.MulAdd(x, g1, a91); }
                if (kb > 10) { TV x = TS.Broadcast(Unsafe.Add(ref xpad, o10 + at)); a100 = TS.MulAdd(x, g0, a100); if (fv > 1) a101 = TS.MulAdd(x, g1, a101); }
                if (kb > 11) { TV x = TS.Broadcast(Unsafe.Add(ref xpad, o11 + at)); a110 = TS.MulAdd(x, g0, a110); if (fv > 1) a111 = TS.MulAdd(x, g1, a111); }
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
        if (kb > 8) { TS.Store(a80, ref d, 8 * pitch); if (fv > 1) TS.Store(a81, ref d, 8 * pitch + lanes); }
        if (kb > 9) { TS.Store(a90, ref d, 9 * pitch); if (fv > 1) TS.Store(a91, ref d, 9 * pitch + lanes); }
        if (kb > 10) { TS.Store(a100, ref d, 10 * pitch); if (fv > 1) TS.Store(a101, ref d, 10 * pitch + lanes); }
        if (kb > 11) { TS.Store(a110, ref d, 11 * pitch); if (fv > 1) TS.Store(a111, ref d, 11 * pitch + lanes); }
    }
}

internal readonly struct Count12 : IDimension { public static int Value => 12; }
