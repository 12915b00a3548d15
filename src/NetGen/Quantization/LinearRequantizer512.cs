using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Quantization;

/// <summary>
/// The AVX-512 requantization of a <see cref="Requantization.Linear"/> Dense layer whose channels all use one
/// multiplier whatever the accumulator's sign (Identity), or whose negative multipliers are all 0 (ReLU): the same codes
/// as <see cref="FixedPointMultiplier.Apply"/> with the clamp, in fewer instructions than the general path.
/// </summary>
/// <remarks>
/// A ReLU channel's code for a &lt; 0 is <c>clamp(zero + round(a · 0))</c>, the same as the positive multiplier's for
/// a = 0, so the accumulator is raised to 0 and only the positive multiplier is needed. Per 16 channels, the even and the
/// odd lanes each take <c>vpmuldq</c> (the exact 64-bit product), the rounding term <c>2^(shift − 1)</c> and
/// <c>vpsravq</c> with the channel's own shift, then <c>vpmovsqb</c> saturates to [−128, 127]; the bytes interleave back
/// into channel order, and the zero point is added with signed saturation and the result raised to 0. Saturating at
/// ±128 before adding a zero point of 0 to 127 changes no code: any value the saturation moved clamps to the same limit.
/// </remarks>
internal sealed unsafe class LinearRequantizer512
{
    // Per 16-channel block, eight 64-bit lanes each: the even channels' multipliers, the odd ones', then the rounding
    // terms and the shifts the same way; then the 16 channels' offsets (int32).
    private const int BlockLongs = 56;

    private readonly PinnedBytes _data;
    private readonly int _blocks;
    private readonly bool _relu;
    private readonly sbyte _zeroPoint;

    private LinearRequantizer512(QuantizedLayer layer, ReadOnlySpan<int> offsets, int blocks, bool relu)
    {
        _blocks = blocks;
        _relu = relu;
        _zeroPoint = (sbyte)layer.OutputZeroPoint;
        _data = new PinnedBytes(blocks * BlockLongs * sizeof(long));
        long* data = (long*)_data.Pointer;
        for (int j = 0; j < blocks * Int8Kernels.BlockChannels; j++)
        {
            // Padding channels: multiplier 0 and shift 1 give 0, as on the other paths.
            FixedPointMultiplier m = j < layer.Channels ? layer.PositiveMultipliers[j] : new FixedPointMultiplier(0, 1);
            long* block = data + j / Int8Kernels.BlockChannels * BlockLongs;
            int lane = j % Int8Kernels.BlockChannels / 2, half = j % 2 * 8;
            block[half + lane] = m.Multiplier;
            block[16 + half + lane] = 1L << (m.Shift - 1);
            block[32 + half + lane] = m.Shift;
            ((int*)(block + 48))[j % Int8Kernels.BlockChannels] = offsets[j];
        }
    }

    /// <summary>
    /// The requantizer for <paramref name="layer"/> with what is added to each raw sum (<paramref name="offsets"/>, whole
    /// blocks), or null when AVX-512 is missing or the layer needs the general path.
    /// </summary>
    public static LinearRequantizer512? TryCreate(QuantizedLayer layer, ReadOnlySpan<int> offsets)
    {
        int blocks = Int8Kernels.Blocks(layer.Channels);
        if (offsets.Length != blocks * Int8Kernels.BlockChannels)
            throw new ArgumentException($"The offsets have {offsets.Length} values; {layer.Channels} channels take {blocks * Int8Kernels.BlockChannels}.", nameof(offsets));
        if (!Avx512F.IsSupported || !Avx512BW.IsSupported || !Vector512.IsHardwareAccelerated) return null;
        if (layer.Requantization != Requantization.Linear || layer.Pieces != 1) return null;
        ReadOnlySpan<FixedPointMultiplier> positive = layer.PositiveMultipliers, negative = layer.NegativeMultipliers;
        bool same = true, relu = true;
        for (int j = 0; j < layer.Channels; j++)
        {
            same &= negative[j] == positive[j];
            relu &= negative[j].Multiplier == 0;
        }
        return same || relu ? new LinearRequantizer512(layer, offsets, blocks, relu && !same) : null;
    }

    /// <summary>One sample's codes for every block (padding channels included) from its raw sums.</summary>
    public void Requantize(int* sums, byte* codes) => Requantize(sums, 0, codes, 0, 1);

    /// <summary>
    /// The codes of <paramref name="rows"/> samples (or a convolution's output positions), each from its sums
    /// <paramref name="sumStride"/> ints after the previous one's, to codes <paramref name="codeStride"/> bytes apart: in
    /// one loop, so consecutive rows' work overlaps. Rows go in order, each one's whole blocks before the next row's, since a
    /// row's last block may spill into the next row's codes.
    /// </summary>
    public void Requantize(int* sums, int sumStride, byte* codes, int codeStride, int rows)
    {
        Vector128<sbyte> zeroPoint = Vector128.Create(_zeroPoint);
        for (int r = 0; r < rows; r++, sums += sumStride, codes += codeStride)
        {
            long* data = (long*)_data.Pointer;
            for (int b = 0, j = 0; b < _blocks; b++, j += Int8Kernels.BlockChannels, data += BlockLongs)
            {
                Vector512<int> a = Vector512.Load(sums + j) + Vector512.Load((int*)(data + 48));
                if (_relu) a = Vector512.Max(a, Vector512<int>.Zero);
                Vector128<sbyte> even = Scale(a, data);
                Vector128<sbyte> odd = Scale((a.AsInt64() >>> 32).AsInt32(), data + 8);
                Vector128<sbyte> code = Sse41.Max(Sse2.AddSaturate(Sse2.UnpackLow(even, odd), zeroPoint), Vector128<sbyte>.Zero);
                code.AsByte().Store(codes + j);
            }
        }
    }

    /// <summary>The same from spans: the sums and the codes of whole blocks.</summary>
    public void Requantize(ReadOnlySpan<int> sums, Span<byte> codes)
    {
        int padded = _blocks * Int8Kernels.BlockChannels;
        if (sums.Length != padded) throw new ArgumentException($"The sums have {sums.Length} values; the blocks take {padded}.", nameof(sums));
        if (codes.Length != padded) throw new ArgumentException($"The codes have room for {codes.Length} values; the blocks take {padded}.", nameof(codes));
        fixed (int* s = sums)
        fixed (byte* c = codes)
            Requantize(s, c);
    }

    /// <summary>round(a · m · 2^-shift), halves upward, for the low 32 bits of each 64-bit lane, saturated to bytes (eight in the low half).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<sbyte> Scale(Vector512<int> a, long* lanes)
    {
        Vector512<long> product = Avx512F.Multiply(a, Vector512.Load(lanes).AsInt32());
        Vector512<long> shifted = Avx512F.ShiftRightArithmeticVariable(product + Vector512.Load(lanes + 16), Vector512.Load(lanes + 32).AsUInt64());
        return Avx512F.ConvertToVector128SByteWithSaturation(shifted);
    }
}
