using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen.CompilerServices;

/// <summary>
/// The forward product of a convolution with the filters in the vector lanes: outᵀ[(oy, ox), f] = act(bias[f] +
/// Σ_(c, ky, kx) wᵀ[(c, ky, kx), f]·x_pad[c, oy·S + ky, ox·S + kx]), the outputs position-major [positions × filters]
/// (rows padded to whole vectors). Blocks of up to 12 neighbouring positions of one output row × 2 vectors of filters
/// keep 24 accumulators in registers while (c, ky, kx) runs over the reduction: per step two wᵀ vectors and one input
/// per position feed the multiply-adds. Each input is broadcast inside its multiply-add (the JIT folds the broadcast
/// load into an AVX-512 <c>vfmadd231ps …{1to16}</c>): a broadcast of its own into a register costs the CPUs whose
/// 512-bit operations run in two halves a slot of the multiply-add's pipes, which held a block with one filter vector
/// at about 60 % of the peak. Every lane holds a real filter when the filters fill whole
/// vectors, whatever the output width (the row-vector kernels waste the rest of each row's last vector), and the input
/// is read in place from its padded copy at any stride, so nothing is packed.
/// </summary>
/// <remarks>Each output is one accumulator started at its bias and summed over (c, ky, kx) in order, as in
/// <see cref="ConvProduct{TGeo, TS, TV}"/>: the same bits as the other forward methods, whichever block computes it.</remarks>
internal static class ConvFilterLanes<TShape, TS, TV> where TShape : IConv2DShape where TS : ISimdWidth<TV> where TV : struct
{
    // Constants for the JIT as static readonly fields (see ConvProduct).
    private static readonly int Lanes = TS.Count;
    private static readonly int Patch = ConvSizes<TShape>.Patch, S = ConvSizes<TShape>.S;
    private static readonly int PaddedWidth = ConvSizes<TShape>.PaddedWidth;
    private static readonly int OutputHeight = ConvSizes<TShape>.OutputHeight, OutputWidth = ConvSizes<TShape>.OutputWidth;

    /// <summary>The most positions one block holds: 12 positions × 2 filter vectors are 24 accumulators, leaving registers for the two wᵀ vectors and the broadcast.</summary>
    private const int MaxBlock = 12;

    /// <summary>Blocks per output row: the row split into near-equal blocks of at most <see cref="MaxBlock"/> positions.</summary>
    private static readonly int BlocksPerRow = (OutputWidth + MaxBlock - 1) / MaxBlock;

    /// <summary>Filters rounded up to whole vectors: the row length of wᵀ, the padded bias and outᵀ.</summary>
    public static readonly int FilterPitch = (ConvSizes<TShape>.F + TS.Count - 1) / TS.Count * TS.Count;

    /// <summary>Where weight (c, ky, kx) reads in the padded input for output position (0, 0), in reduction order.</summary>
    private static readonly int[] Offsets = MakeOffsets();

    private static int[] MakeOffsets()
    {
        int k = ConvSizes<TShape>.K, ph = ConvSizes<TShape>.PaddedHeight, pw = ConvSizes<TShape>.PaddedWidth;
        var offsets = new int[ConvSizes<TShape>.Patch];
        int i = 0;
        for (int c = 0; c < ConvSizes<TShape>.C; c++)
            for (int ky = 0; ky < k; ky++)
                for (int kx = 0; kx < k; kx++)
                    offsets[i++] = (c * ph + ky) * pw + kx;
        return offsets;
    }

    /// <summary>
    /// outᵀ for one sample: <paramref name="xpad"/> is its padded input, <paramref name="wT"/> the weights transposed to
    /// [Patch × <see cref="FilterPitch"/>] and <paramref name="bias"/> the biases, both zero past the last filter.
    /// </summary>
    public static void Run<TAct>(ref float xpad, ref float wT, ref float bias, ref float outT, TAct activation) where TAct : struct, IUnaryOperator
    {
        int lanes = Lanes, pitch = FilterPitch;
        for (int v = 0; v < pitch; v += 2 * lanes)
        {
            bool two = v + lanes < pitch;
            for (int oy = 0; oy < OutputHeight; oy++)
                for (int block = 0; block < BlocksPerRow; block++)
                {
                    int first = block * OutputWidth / BlocksPerRow, end = (block + 1) * OutputWidth / BlocksPerRow;
                    nuint source = (nuint)(oy * S * PaddedWidth + first * S);
                    ref float o = ref Unsafe.Add(ref outT, (nint)(oy * OutputWidth + first) * pitch + v);
                    if (two) Block<Count2, TAct>(end - first, ref xpad, source, ref wT, ref bias, v, ref o, activation);
                    else Block<Count1, TAct>(end - first, ref xpad, source, ref wT, ref bias, v, ref o, activation);
                }
        }
    }

    private static void Block<TF, TAct>(int positions, ref float xpad, nuint source, ref float wT, ref float bias, int v, ref float o, TAct activation)
        where TF : IDimension where TAct : struct, IUnaryOperator
    {
        switch (positions)
        {
            case 12: Tile<Count12, TF, TAct>(ref xpad, source, ref wT, ref bias, v, ref o, activation); break;
            case 11: Tile<Count11, TF, TAct>(ref xpad, source, ref wT, ref bias, v, ref o, activation); break;
            case 10: Tile<Count10, TF, TAct>(ref xpad, source, ref wT, ref bias, v, ref o, activation); break;
            case 9: Tile<Count9, TF, TAct>(ref xpad, source, ref wT, ref bias, v, ref o, activation); break;
            case 8: Tile<Count8, TF, TAct>(ref xpad, source, ref wT, ref bias, v, ref o, activation); break;
            case 7: Tile<Count7, TF, TAct>(ref xpad, source, ref wT, ref bias, v, ref o, activation); break;
            case 6: Tile<Count6, TF, TAct>(ref xpad, source, ref wT, ref bias, v, ref o, activation); break;
            case 5: Tile<Count5, TF, TAct>(ref xpad, source, ref wT, ref bias, v, ref o, activation); break;
            case 4: Tile<Count4, TF, TAct>(ref xpad, source, ref wT, ref bias, v, ref o, activation); break;
            case 3: Tile<Count3, TF, TAct>(ref xpad, source, ref wT, ref bias, v, ref o, activation); break;
            case 2: Tile<Count2, TF, TAct>(ref xpad, source, ref wT, ref bias, v, ref o, activation); break;
            default: Tile<Count1, TF, TAct>(ref xpad, source, ref wT, ref bias, v, ref o, activation); break;
        }
    }

    /// <summary>Positions [0, TP) of a block (S apart in the padded input) × filter vectors [v, v + TF·Lanes).</summary>
    private static void Tile<TP, TF, TAct>(ref float xpad, nuint source, ref float wT, ref float bias, int v, ref float o, TAct activation)
        where TP : IDimension where TF : IDimension where TAct : struct, IUnaryOperator
    {
        int tp = TP.Value, tf = TF.Value;
        nuint lanes = (nuint)Lanes, pitch = (nuint)FilterPitch, s = (nuint)S;
        TV b0 = TS.Load(ref bias, (nuint)v), b1 = tf > 1 ? TS.Load(ref bias, (nuint)v + lanes) : default;
        TV a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1, a30 = b0, a31 = b1, a40 = b0, a41 = b1, a50 = b0, a51 = b1;
        TV a60 = b0, a61 = b1, a70 = b0, a71 = b1, a80 = b0, a81 = b1, a90 = b0, a91 = b1, aA0 = b0, aA1 = b1, aB0 = b0, aB1 = b1;
        ref float src = ref Unsafe.Add(ref xpad, source);
        ref float w = ref Unsafe.Add(ref wT, v);
        ref int offsets = ref MemoryMarshal.GetArrayDataReference(Offsets);
        nuint patch = (nuint)Patch;
        for (nuint k = 0; k < patch; k++)
        {
            ref float q = ref Unsafe.Add(ref src, Unsafe.Add(ref offsets, k));
            TV w0 = TS.Load(ref w, 0), w1 = tf > 1 ? TS.Load(ref w, lanes) : default;
            w = ref Unsafe.Add(ref w, pitch);
            { a00 = TS.MulAdd(w0, TS.Broadcast(q), a00); if (tf > 1) a01 = TS.MulAdd(w1, TS.Broadcast(q), a01); }
            if (tp > 1) { a10 = TS.MulAdd(w0, TS.Broadcast(Unsafe.Add(ref q, 1 * s)), a10); if (tf > 1) a11 = TS.MulAdd(w1, TS.Broadcast(Unsafe.Add(ref q, 1 * s)), a11); }
            if (tp > 2) { a20 = TS.MulAdd(w0, TS.Broadcast(Unsafe.Add(ref q, 2 * s)), a20); if (tf > 1) a21 = TS.MulAdd(w1, TS.Broadcast(Unsafe.Add(ref q, 2 * s)), a21); }
            if (tp > 3) { a30 = TS.MulAdd(w0, TS.Broadcast(Unsafe.Add(ref q, 3 * s)), a30); if (tf > 1) a31 = TS.MulAdd(w1, TS.Broadcast(Unsafe.Add(ref q, 3 * s)), a31); }
            if (tp > 4) { a40 = TS.MulAdd(w0, TS.Broadcast(Unsafe.Add(ref q, 4 * s)), a40); if (tf > 1) a41 = TS.MulAdd(w1, TS.Broadcast(Unsafe.Add(ref q, 4 * s)), a41); }
            if (tp > 5) { a50 = TS.MulAdd(w0, TS.Broadcast(Unsafe.Add(ref q, 5 * s)), a50); if (tf > 1) a51 = TS.MulAdd(w1, TS.Broadcast(Unsafe.Add(ref q, 5 * s)), a51); }
            if (tp > 6) { a60 = TS.MulAdd(w0, TS.Broadcast(Unsafe.Add(ref q, 6 * s)), a60); if (tf > 1) a61 = TS.MulAdd(w1, TS.Broadcast(Unsafe.Add(ref q, 6 * s)), a61); }
            if (tp > 7) { a70 = TS.MulAdd(w0, TS.Broadcast(Unsafe.Add(ref q, 7 * s)), a70); if (tf > 1) a71 = TS.MulAdd(w1, TS.Broadcast(Unsafe.Add(ref q, 7 * s)), a71); }
            if (tp > 8) { a80 = TS.MulAdd(w0, TS.Broadcast(Unsafe.Add(ref q, 8 * s)), a80); if (tf > 1) a81 = TS.MulAdd(w1, TS.Broadcast(Unsafe.Add(ref q, 8 * s)), a81); }
            if (tp > 9) { a90 = TS.MulAdd(w0, TS.Broadcast(Unsafe.Add(ref q, 9 * s)), a90); if (tf > 1) a91 = TS.MulAdd(w1, TS.Broadcast(Unsafe.Add(ref q, 9 * s)), a91); }
            if (tp > 10) { aA0 = TS.MulAdd(w0, TS.Broadcast(Unsafe.Add(ref q, 10 * s)), aA0); if (tf > 1) aA1 = TS.MulAdd(w1, TS.Broadcast(Unsafe.Add(ref q, 10 * s)), aA1); }
            if (tp > 11) { aB0 = TS.MulAdd(w0, TS.Broadcast(Unsafe.Add(ref q, 11 * s)), aB0); if (tf > 1) aB1 = TS.MulAdd(w1, TS.Broadcast(Unsafe.Add(ref q, 11 * s)), aB1); }
        }
        Store(a00, a01, tf, ref o, 0 * pitch, activation);
        if (tp > 1) Store(a10, a11, tf, ref o, 1 * pitch, activation);
        if (tp > 2) Store(a20, a21, tf, ref o, 2 * pitch, activation);
        if (tp > 3) Store(a30, a31, tf, ref o, 3 * pitch, activation);
        if (tp > 4) Store(a40, a41, tf, ref o, 4 * pitch, activation);
        if (tp > 5) Store(a50, a51, tf, ref o, 5 * pitch, activation);
        if (tp > 6) Store(a60, a61, tf, ref o, 6 * pitch, activation);
        if (tp > 7) Store(a70, a71, tf, ref o, 7 * pitch, activation);
        if (tp > 8) Store(a80, a81, tf, ref o, 8 * pitch, activation);
        if (tp > 9) Store(a90, a91, tf, ref o, 9 * pitch, activation);
        if (tp > 10) Store(aA0, aA1, tf, ref o, 10 * pitch, activation);
        if (tp > 11) Store(aB0, aB1, tf, ref o, 11 * pitch, activation);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TAct>(TV first, TV second, int vectors, ref float o, nuint at, TAct activation) where TAct : struct, IUnaryOperator
    {
        bool identity = typeof(TAct) == typeof(IdentityOperator);
        TS.Store(identity ? first : TS.Apply(activation, first), ref o, at);
        if (vectors > 1) TS.Store(identity ? second : TS.Apply(activation, second), ref o, at + (nuint)Lanes);
    }
}
