using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.CompilerServices;

/// <summary>
/// Where a convolution product reads: out[o, r, x] = init[o] + Σ_(c, ky, kx) w[o, c, ky, kx]·src[c·ChannelStride +
/// ky·RowStride + kx·ColumnStride + r·SourcePitch + x] for o &lt; Outputs, r &lt; Rows, x &lt; Width, with the weights
/// row-major [Outputs × Channels × KernelHeight × KernelWidth] and the output row-major [Outputs × Rows × Width]. Direct
/// convolution over a padded input (rows of the output read shifted rows of the input) and the product with an im2col
/// matrix (one row of Width = all output positions, ColumnStride = that row's length) are both this one form, so one
/// register-blocked kernel serves both, compiled per geometry with every size a constant.
/// </summary>
internal interface IConvGeometry
{
    static abstract int Outputs { get; }
    static abstract int Channels { get; }
    static abstract int KernelHeight { get; }
    static abstract int KernelWidth { get; }
    static abstract int ChannelStride { get; }
    static abstract int RowStride { get; }
    static abstract int ColumnStride { get; }
    static abstract int Rows { get; }
    static abstract int Width { get; }
    static abstract int SourcePitch { get; }
}

/// <summary>
/// The register-blocked convolution product of <see cref="IConvGeometry"/>: blocks of 4 outputs × 6 vectors of output
/// positions keep 24 accumulators in registers while (c, ky, kx) runs over the reduction; per step six vectors of the
/// source and four broadcast weights feed 24 fused multiply-adds (PackedDense's micro-kernel, with the positions in the
/// vectors and one bias per output row). A row's last vector may be partial: it is computed whole (the source has a
/// vector of slack after its end). Above an output's last row it is stored whole: its extra lanes land at the start of
/// the next row of the same output, which a later slot overwrites (slots are stored in increasing order, and an output's
/// rows are never split between calls); on the last row only its valid lanes are stored. Each output element is one accumulator
/// started at its bias and summed over (c, ky, kx) in order, so it has the same bits whichever block computes it.
/// </summary>
internal static class ConvProduct<TGeo, TS, TV> where TGeo : IConvGeometry where TS : ISimdWidth<TV> where TV : struct
{
    // The geometry as static readonly fields: the JIT reads them as constants when it optimizes the kernels (the class is
    // initialized by then), without inlining chains of properties, which exhausted its inlining budget in the tiles.
    private static readonly int Lanes = TS.Count;
    private static readonly int VectorsPerRow = (TGeo.Width + TS.Count - 1) / TS.Count;
    private static readonly int Slots = TGeo.Rows * VectorsPerRow;
    /// <summary>The first slot of an output's last row: from here on a partial vector must not be stored whole.</summary>
    private static readonly int LastRowSlot = (TGeo.Rows - 1) * VectorsPerRow;
    private static readonly int Plane = TGeo.Rows * TGeo.Width;
    private static readonly int Reduction = TGeo.Channels * TGeo.KernelHeight * TGeo.KernelWidth;
    private static readonly int OutputCount = TGeo.Outputs, Channels = TGeo.Channels, KernelHeight = TGeo.KernelHeight, KernelWidth = TGeo.KernelWidth;
    private static readonly int ChannelStride = TGeo.ChannelStride, RowStride = TGeo.RowStride, ColumnStride = TGeo.ColumnStride;
    private static readonly int Width = TGeo.Width, SourcePitch = TGeo.SourcePitch;
    private static readonly bool WholeVectors = TGeo.Width % TS.Count == 0;

    /// <summary>Where each step (c, ky, kx) of the reduction reads, relative to the source: one flat loop over a table
    /// rather than three nested loops, around which the register allocator moved the accumulators to the stack.</summary>
    private static readonly int[] Offsets = MakeOffsets();

    private static int[] MakeOffsets()
    {
        var offsets = new int[TGeo.Channels * TGeo.KernelHeight * TGeo.KernelWidth];
        int k = 0;
        for (int c = 0; c < TGeo.Channels; c++)
            for (int ky = 0; ky < TGeo.KernelHeight; ky++)
                for (int kx = 0; kx < TGeo.KernelWidth; kx++)
                    offsets[k++] = c * TGeo.ChannelStride + ky * TGeo.RowStride + kx * TGeo.ColumnStride;
        return offsets;
    }

    /// <summary>Floats of the spill area <see cref="Run"/> needs: one tile's sums, 24 vectors of up to 16 lanes.</summary>
    public const int SpillLength = 24 * 16;

    /// <summary>
    /// dst[o, ·] = g(a[o, ·], f(bias[o] + the product)) for every output o (no bias when <paramref name="hasBias"/> is
    /// false, f = <paramref name="activation"/>, g = <paramref name="derivative"/> reading <paramref name="a"/> laid out
    /// like dst; the identities skip their step). <paramref name="spill"/> is <see cref="SpillLength"/> floats of scratch.
    /// </summary>
    public static void Run<TAct, TGrad>(ref float w, ref float bias, bool hasBias, ref float src, ref float dst, ref float a, ref float spill, TAct activation, TGrad derivative)
        where TAct : struct, IUnaryOperator where TGrad : struct, IGradientOperator
    {
        int o = 0;
        for (; o + 4 <= OutputCount; o += 4)
            Outputs<Count4, TAct, TGrad>(ref w, ref bias, hasBias, ref src, ref dst, ref a, o, ref spill, activation, derivative);
        for (; o < OutputCount; o++)
            Outputs<Count1, TAct, TGrad>(ref w, ref bias, hasBias, ref src, ref dst, ref a, o, ref spill, activation, derivative);
    }

    private static void Outputs<TR, TAct, TGrad>(ref float w, ref float bias, bool hasBias, ref float src, ref float dst, ref float a, int o, ref float spill, TAct activation, TGrad derivative)
        where TR : IDimension where TAct : struct, IUnaryOperator where TGrad : struct, IGradientOperator
    {
        int s = 0;
        for (; s + 6 <= Slots; s += 6) Tile<TR, Count6, TAct, TGrad>(ref w, ref bias, hasBias, ref src, ref dst, ref a, o, s, ref spill, activation, derivative);
        switch (Slots - s)
        {
            case 5: Tile<TR, Count5, TAct, TGrad>(ref w, ref bias, hasBias, ref src, ref dst, ref a, o, s, ref spill, activation, derivative); break;
            case 4: Tile<TR, Count4, TAct, TGrad>(ref w, ref bias, hasBias, ref src, ref dst, ref a, o, s, ref spill, activation, derivative); break;
            case 3: Tile<TR, Count3, TAct, TGrad>(ref w, ref bias, hasBias, ref src, ref dst, ref a, o, s, ref spill, activation, derivative); break;
            case 2: Tile<TR, Count2, TAct, TGrad>(ref w, ref bias, hasBias, ref src, ref dst, ref a, o, s, ref spill, activation, derivative); break;
            case 1: Tile<TR, Count1, TAct, TGrad>(ref w, ref bias, hasBias, ref src, ref dst, ref a, o, s, ref spill, activation, derivative); break;
        }
    }

    /// <summary>Outputs [o, o + TR) × slots [s, s + TT): TR and TT are at most 4 and 6, and the unused accumulators fold away.</summary>
    private static void Tile<TR, TT, TAct, TGrad>(ref float w, ref float bias, bool hasBias, ref float src, ref float dst, ref float a, int o, int s, ref float spill, TAct activation, TGrad derivative)
        where TR : IDimension where TT : IDimension where TAct : struct, IUnaryOperator where TGrad : struct, IGradientOperator
    {
        SlotAt(s + 0, out nuint src0, out _, out _);
        nuint src1 = 0; if (TT.Value > 1) SlotAt(s + 1, out src1, out _, out _);
        nuint src2 = 0; if (TT.Value > 2) SlotAt(s + 2, out src2, out _, out _);
        nuint src3 = 0; if (TT.Value > 3) SlotAt(s + 3, out src3, out _, out _);
        nuint src4 = 0; if (TT.Value > 4) SlotAt(s + 4, out src4, out _, out _);
        nuint src5 = 0; if (TT.Value > 5) SlotAt(s + 5, out src5, out _, out _);
        TV i0 = hasBias ? TS.Broadcast(Unsafe.Add(ref bias, o)) : default;
        TV i1 = hasBias && TR.Value > 1 ? TS.Broadcast(Unsafe.Add(ref bias, o + 1)) : default;
        TV i2 = hasBias && TR.Value > 2 ? TS.Broadcast(Unsafe.Add(ref bias, o + 2)) : default;
        TV i3 = hasBias && TR.Value > 3 ? TS.Broadcast(Unsafe.Add(ref bias, o + 3)) : default;
        TV a00 = i0, a01 = i0, a02 = i0, a03 = i0, a04 = i0, a05 = i0;
        TV a10 = i1, a11 = i1, a12 = i1, a13 = i1, a14 = i1, a15 = i1;
        TV a20 = i2, a21 = i2, a22 = i2, a23 = i2, a24 = i2, a25 = i2;
        TV a30 = i3, a31 = i3, a32 = i3, a33 = i3, a34 = i3, a35 = i3;
        ref float w0 = ref Unsafe.Add(ref w, (nint)o * Reduction);
        nuint red = (nuint)Reduction, k = 0;
        ref int offsets = ref MemoryMarshal.GetArrayDataReference(Offsets);
        for (; k < red; k++)
        {
                {
                    ref float p = ref Unsafe.Add(ref src, Unsafe.Add(ref offsets, k));
                    TV x0 = TS.Load(ref p, src0);
                    TV x1 = TT.Value > 1 ? TS.Load(ref p, src1) : default;
                    TV x2 = TT.Value > 2 ? TS.Load(ref p, src2) : default;
                    TV x3 = TT.Value > 3 ? TS.Load(ref p, src3) : default;
                    TV x4 = TT.Value > 4 ? TS.Load(ref p, src4) : default;
                    TV x5 = TT.Value > 5 ? TS.Load(ref p, src5) : default;
                    {
                        TV v = TS.Broadcast(Unsafe.Add(ref w0, k));
                        a00 = TS.MulAdd(v, x0, a00); if (TT.Value > 1) a01 = TS.MulAdd(v, x1, a01); if (TT.Value > 2) a02 = TS.MulAdd(v, x2, a02); if (TT.Value > 3) a03 = TS.MulAdd(v, x3, a03); if (TT.Value > 4) a04 = TS.MulAdd(v, x4, a04); if (TT.Value > 5) a05 = TS.MulAdd(v, x5, a05);
                    }
                    if (TR.Value > 1)
                    {
                        TV v = TS.Broadcast(Unsafe.Add(ref w0, 1 * red + k));
                        a10 = TS.MulAdd(v, x0, a10); if (TT.Value > 1) a11 = TS.MulAdd(v, x1, a11); if (TT.Value > 2) a12 = TS.MulAdd(v, x2, a12); if (TT.Value > 3) a13 = TS.MulAdd(v, x3, a13); if (TT.Value > 4) a14 = TS.MulAdd(v, x4, a14); if (TT.Value > 5) a15 = TS.MulAdd(v, x5, a15);
                    }
                    if (TR.Value > 2)
                    {
                        TV v = TS.Broadcast(Unsafe.Add(ref w0, 2 * red + k));
                        a20 = TS.MulAdd(v, x0, a20); if (TT.Value > 1) a21 = TS.MulAdd(v, x1, a21); if (TT.Value > 2) a22 = TS.MulAdd(v, x2, a22); if (TT.Value > 3) a23 = TS.MulAdd(v, x3, a23); if (TT.Value > 4) a24 = TS.MulAdd(v, x4, a24); if (TT.Value > 5) a25 = TS.MulAdd(v, x5, a25);
                    }
                    if (TR.Value > 3)
                    {
                        TV v = TS.Broadcast(Unsafe.Add(ref w0, 3 * red + k));
                        a30 = TS.MulAdd(v, x0, a30); if (TT.Value > 1) a31 = TS.MulAdd(v, x1, a31); if (TT.Value > 2) a32 = TS.MulAdd(v, x2, a32); if (TT.Value > 3) a33 = TS.MulAdd(v, x3, a33); if (TT.Value > 4) a34 = TS.MulAdd(v, x4, a34); if (TT.Value > 5) a35 = TS.MulAdd(v, x5, a35);
                    }
                }
            }
        // The sums leave the registers for the caller's spill area before the epilogue, which may call out (a partial
        // vector's copy, an activation). Stored into a local struct instead, they were kept in that struct's stack memory
        // throughout the loop (a store after every multiply-add); stored in place, across the epilogue's calls.
        ref TV sums = ref Unsafe.As<float, TV>(ref spill);
        Unsafe.Add(ref sums, 0) = a00;
        if (TT.Value > 1) Unsafe.Add(ref sums, 1) = a01;
        if (TT.Value > 2) Unsafe.Add(ref sums, 2) = a02;
        if (TT.Value > 3) Unsafe.Add(ref sums, 3) = a03;
        if (TT.Value > 4) Unsafe.Add(ref sums, 4) = a04;
        if (TT.Value > 5) Unsafe.Add(ref sums, 5) = a05;
        if (TR.Value > 1) Unsafe.Add(ref sums, 6) = a10;
        if (TR.Value > 1 && TT.Value > 1) Unsafe.Add(ref sums, 7) = a11;
        if (TR.Value > 1 && TT.Value > 2) Unsafe.Add(ref sums, 8) = a12;
        if (TR.Value > 1 && TT.Value > 3) Unsafe.Add(ref sums, 9) = a13;
        if (TR.Value > 1 && TT.Value > 4) Unsafe.Add(ref sums, 10) = a14;
        if (TR.Value > 1 && TT.Value > 5) Unsafe.Add(ref sums, 11) = a15;
        if (TR.Value > 2) Unsafe.Add(ref sums, 12) = a20;
        if (TR.Value > 2 && TT.Value > 1) Unsafe.Add(ref sums, 13) = a21;
        if (TR.Value > 2 && TT.Value > 2) Unsafe.Add(ref sums, 14) = a22;
        if (TR.Value > 2 && TT.Value > 3) Unsafe.Add(ref sums, 15) = a23;
        if (TR.Value > 2 && TT.Value > 4) Unsafe.Add(ref sums, 16) = a24;
        if (TR.Value > 2 && TT.Value > 5) Unsafe.Add(ref sums, 17) = a25;
        if (TR.Value > 3) Unsafe.Add(ref sums, 18) = a30;
        if (TR.Value > 3 && TT.Value > 1) Unsafe.Add(ref sums, 19) = a31;
        if (TR.Value > 3 && TT.Value > 2) Unsafe.Add(ref sums, 20) = a32;
        if (TR.Value > 3 && TT.Value > 3) Unsafe.Add(ref sums, 21) = a33;
        if (TR.Value > 3 && TT.Value > 4) Unsafe.Add(ref sums, 22) = a34;
        if (TR.Value > 3 && TT.Value > 5) Unsafe.Add(ref sums, 23) = a35;
        Epilogue<TR, TT, TAct, TGrad>(ref sums, ref dst, ref a, o, s, activation, derivative);
    }

    /// <summary>Stores the tile's sums (sums[r·6 + t] for output o + r, slot s + t) through f and g.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Epilogue<TR, TT, TAct, TGrad>(ref TV sums, ref float dst, ref float a, int o, int s, TAct activation, TGrad derivative)
        where TR : IDimension where TT : IDimension where TAct : struct, IUnaryOperator where TGrad : struct, IGradientOperator
    {
        for (int t = 0; t < TT.Value; t++)
        {
            SlotAt(s + t, out _, out nuint at, out int valid);
            if (s + t < LastRowSlot) valid = Lanes; // see the class summary: the next row's first slot overwrites the extra lanes
            for (int r = 0; r < TR.Value; r++)
                Store(Unsafe.Add(ref sums, r * 6 + t), ref dst, ref a, (nuint)((o + r) * Plane) + at, valid, activation, derivative);
        }
    }

    /// <summary>Slot <paramref name="slot"/> (row-major over rows × vectors per row): where it reads, where it writes, and how many lanes are valid.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SlotAt(int slot, out nuint source, out nuint destination, out int valid)
    {
        int row = slot / VectorsPerRow, x = slot % VectorsPerRow * Lanes;
        source = (nuint)(row * SourcePitch + x);
        destination = (nuint)(row * Width + x);
        valid = Math.Min(Lanes, Width - x);
    }

    /// <summary>dst[at…] = g(a[at…], f(sum)) for the first <paramref name="valid"/> lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TAct, TGrad>(TV sum, ref float dst, ref float a, nuint at, int valid, TAct activation, TGrad derivative)
        where TAct : struct, IUnaryOperator where TGrad : struct, IGradientOperator
    {
        TV value = typeof(TAct) == typeof(IdentityOperator) ? sum : TS.Apply(activation, sum);
        if (WholeVectors || valid == Lanes)
        {
            if (typeof(TGrad) != typeof(IdentityGradient)) value = TS.Apply(derivative, TS.Load(ref a, at), value);
            TS.Store(value, ref dst, at);
        }
        else
            StorePartial(value, ref dst, ref a, at, valid, derivative);
    }

    /// <summary>The valid lanes of a row's last vector, through a copy on the stack (the lanes past them belong to other rows or lie past the buffer).</summary>
    private static void StorePartial<TGrad>(TV value, ref float dst, ref float a, nuint at, int valid, TGrad derivative) where TGrad : struct, IGradientOperator
    {
        Lanes16 buffer = default;
        ref float b = ref Unsafe.As<Lanes16, float>(ref buffer);
        if (typeof(TGrad) != typeof(IdentityGradient))
        {
            for (int i = 0; i < valid; i++) Unsafe.Add(ref b, i) = Unsafe.Add(ref a, at + (nuint)i);
            value = TS.Apply(derivative, TS.Load(ref b, 0), value);
        }
        TS.Store(value, ref b, 0);
        for (int i = 0; i < valid; i++) Unsafe.Add(ref dst, at + (nuint)i) = Unsafe.Add(ref b, i);
    }
}

/// <summary>Sixteen floats on the stack: one Vector512.</summary>
[InlineArray(16)]
internal struct Lanes16
{
    private float _element;
}

/// <summary>
/// One float as a "vector" of one lane: the scalar path of the kernels written against <see cref="ISimdWidth{TVector}"/>
/// (no SIMD, or rows shorter than the narrowest vector), with the same fused multiply-add as <see cref="VectorOps"/>.
/// </summary>
internal readonly struct SimdScalar : ISimdWidth<float>
{
    public static int Count => 1;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Load(ref float source, nuint index) => Unsafe.Add(ref source, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float value, ref float destination, nuint index) => Unsafe.Add(ref destination, index) = value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Broadcast(float value) => value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float MulAdd(float a, float b, float c) => VectorOps.MulAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(float value) => value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Apply<TOp>(TOp op, float x) where TOp : struct, IUnaryOperator => op.Invoke(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Apply<TOp>(TOp op, float a, float g) where TOp : struct, IGradientOperator => op.Invoke(a, g);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Add(float a, float b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Subtract(float a, float b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Multiply(float a, float b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Divide(float a, float b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sqrt(float x) => MathF.Sqrt(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Max(float a, float b) => MathF.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float FlushSubnormal(float x) => VectorOps.FlushSubnormal(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Replaces(float current, float candidate) =>
        candidate > current || (float.IsNaN(candidate) && !float.IsNaN(current)) ? BitConverter.Int32BitsToSingle(-1) : 0f;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Select(float mask, float whereSet, float whereClear) =>
        BitConverter.SingleToInt32Bits(mask) != 0 ? whereSet : whereClear;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Evens(ref float source, nuint index) => Unsafe.Add(ref source, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Odds(ref float source, nuint index) => Unsafe.Add(ref source, index + 1);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void StoreIndices(float offsets, int first, int step, ref int destination, nuint index) =>
        Unsafe.Add(ref destination, index) = (int)offsets + first;
}
