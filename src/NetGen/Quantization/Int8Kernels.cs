using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Quantization;

/// <summary>The instruction set a <see cref="QuantizedNetwork"/>'s int8 products run on in this process.</summary>
public enum Int8InstructionSet
{
    /// <summary>Plain loops over the row-major weights.</summary>
    Scalar,
    /// <summary>x86 SSE2 <c>pmaddwd</c> on 128-bit vectors (int16 pairs).</summary>
    Sse2,
    /// <summary>x86 AVX2 <c>vpmaddwd</c> on 256-bit vectors (int16 pairs).</summary>
    Avx2,
    /// <summary>x86 AVX-512BW <c>vpmaddwd</c> on 512-bit vectors (int16 pairs).</summary>
    Avx512BW,
    /// <summary>x86 AVX-VNNI <c>vpdpbusd</c> on 256-bit vectors (uint8 × int8 quads).</summary>
    AvxVnni,
    /// <summary>ARM64 AdvSimd <c>smull</c>/<c>addp</c> on 128-bit vectors (int16 pairs).</summary>
    AdvSimd,
}

/// <summary>
/// The int8 matrix products of <see cref="QuantizedNetwork"/>. Every path computes the same exact int32 sums
/// Σ_i w[j, i]·q[i] (uint8 codes q, int8 weights w), so the outputs are bit-identical whichever runs.
/// </summary>
/// <remarks>
/// <para>Weights are packed per layer in blocks of 16 output channels (one Vector512 of int32 sums). The pair paths
/// (pmaddwd, smull) store them widened to int16, two consecutive inputs per 32-bit lane
/// (<c>[block][input pair][16 channels][2]</c>), and multiply them by the broadcast pair of input codes zero-extended to
/// int16: a product is at most 255 · 127, a pair's sum fits int32 with room to spare, and nothing saturates (unlike
/// pmaddubsw, whose int16 pair sums overflow for codes above 128). The VNNI path stores int8 weights, four consecutive
/// inputs per lane (<c>[block][input quad][16 channels][4]</c>), as vpdpbusd wants them against the broadcast quad of
/// uint8 codes.</para>
/// <para>The loops run four samples by two channel blocks (eight accumulators, each weight load used four times) and a
/// single sample by four channel blocks (four independent accumulation chains).</para>
/// </remarks>
internal static unsafe class Int8Kernels
{
    public const int BlockChannels = 16;
    public const int StepBytes = 64; // one step of one block: 16 channels × (2 int16 or 4 int8)

    public static Int8InstructionSet Selected { get; } =
        AvxVnni.IsSupported ? Int8InstructionSet.AvxVnni
        : Avx512BW.IsSupported && Vector512.IsHardwareAccelerated ? Int8InstructionSet.Avx512BW
        : Avx2.IsSupported ? Int8InstructionSet.Avx2
        : Sse2.IsSupported ? Int8InstructionSet.Sse2
        : AdvSimd.Arm64.IsSupported ? Int8InstructionSet.AdvSimd
        : Int8InstructionSet.Scalar;

    /// <summary>Whether the selected path reads quads of uint8 codes (VNNI) rather than pairs widened to int16.</summary>
    public static bool UsesQuads => Selected == Int8InstructionSet.AvxVnni;

    /// <summary>Inputs per step of the selected path (4 for quads, 2 for pairs).</summary>
    public static int InputsPerStep => UsesQuads ? 4 : 2;

    /// <summary>The number of steps over <paramref name="inputs"/> inputs (the last one zero-padded).</summary>
    public static int Steps(int inputs) => (inputs + InputsPerStep - 1) / InputsPerStep;

    /// <summary>The number of 16-channel blocks for <paramref name="channels"/> channels.</summary>
    public static int Blocks(int channels) => (channels + BlockChannels - 1) / BlockChannels;

    /// <summary>Packs row-major int8 weights for the selected path; padding channels and inputs are zero.</summary>
    public static void Pack(ReadOnlySpan<sbyte> weights, int channels, int inputs, Span<byte> packed)
    {
        int steps = Steps(inputs), perStep = InputsPerStep;
        packed.Clear();
        for (int j = 0; j < channels; j++)
        {
            int block = j / BlockChannels, lane = j % BlockChannels;
            for (int i = 0; i < inputs; i++)
            {
                int step = i / perStep, t = i % perStep;
                int at = ((block * steps + step) * BlockChannels + lane) * 4;
                sbyte w = weights[j * inputs + i];
                if (UsesQuads) packed[at + t] = (byte)w;
                else MemoryMarshal.Write(packed[(at + 2 * t)..], (short)w);
            }
        }
    }

    /// <summary>
    /// One sample's step values from its uint8 codes (zero-padded to a multiple of 4): for quads the codes' own
    /// little-endian 32-bit words, for pairs <c>q[2p] | q[2p + 1] &lt;&lt; 16</c>.
    /// </summary>
    public static void PrepareSteps(byte* codes, int steps, int* x)
    {
        if (UsesQuads)
        {
            Buffer.MemoryCopy(codes, x, steps * 4L, steps * 4L);
            return;
        }
        int p = 0;
        if (Vector128.IsHardwareAccelerated)
            for (; p + 8 <= steps; p += 8)
            {
                // 16 codes zero-extended to 16 int16 lanes are exactly 8 little-endian pairs.
                Vector128<byte> v = Vector128.Load(codes + 2 * p);
                Vector128.WidenLower(v).AsInt32().Store(x + p);
                Vector128.WidenUpper(v).AsInt32().Store(x + p + 4);
            }
        for (; p < steps; p++) x[p] = codes[2 * p] | codes[2 * p + 1] << 16;
    }

    /// <summary>
    /// sums[s·sumStride + j] = Σ_step W[j, step]·x[s·xStride + step] for every channel j of <paramref name="blocks"/>
    /// blocks and <paramref name="samples"/> samples.
    /// </summary>
    public static void Multiply(byte* packed, int blocks, int steps, int* x, int xStride, int samples, int* sums, int sumStride)
    {
        switch (Selected)
        {
            case Int8InstructionSet.AvxVnni: Multiply<VnniBlock, Pair256>(packed, blocks, steps, x, xStride, samples, sums, sumStride); break;
            case Int8InstructionSet.Avx512BW: Multiply<Avx512Block, Vector512<int>>(packed, blocks, steps, x, xStride, samples, sums, sumStride); break;
            case Int8InstructionSet.Avx2: Multiply<Avx2Block, Pair256>(packed, blocks, steps, x, xStride, samples, sums, sumStride); break;
            case Int8InstructionSet.Sse2: Multiply<Sse2Block, Quad128>(packed, blocks, steps, x, xStride, samples, sums, sumStride); break;
            case Int8InstructionSet.AdvSimd: Multiply<AdvSimdBlock, Quad128>(packed, blocks, steps, x, xStride, samples, sums, sumStride); break;
            default: throw new InvalidOperationException("The scalar path multiplies row-major weights (MultiplyScalar).");
        }
    }

    /// <summary>The scalar path: sums[s·sumStride + j] = Σ_i w[j·inputs + i]·codes[s·codeStride + i].</summary>
    public static void MultiplyScalar(sbyte* weights, int channels, int inputs, byte* codes, int codeStride, int samples, int* sums, int sumStride)
    {
        for (int s = 0; s < samples; s++)
        {
            byte* q = codes + s * codeStride;
            for (int j = 0; j < channels; j++)
            {
                sbyte* w = weights + (long)j * inputs;
                int sum = 0;
                for (int i = 0; i < inputs; i++) sum += w[i] * q[i];
                sums[s * sumStride + j] = sum;
            }
        }
    }

    private static void Multiply<TBlock, TAcc>(byte* packed, int blocks, int steps, int* x, int xStride, int samples, int* sums, int sumStride)
        where TBlock : struct, IBlock<TAcc> where TAcc : struct
    {
        long blockBytes = (long)steps * StepBytes;
        int groups = samples / 4;
        // Blocks outermost: a pair of blocks' weights stays in cache while every group of four samples uses it.
        int b = 0;
        for (; b + 2 <= blocks; b += 2)
            for (int g = 0; g < groups; g++)
            {
                int s = 4 * g;
                int* x0 = x + s * xStride, x1 = x0 + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
                int* out0 = sums + s * sumStride;
                byte* w = packed + b * blockBytes;
                TAcc a0 = default, a1 = default, a2 = default, a3 = default, c0 = default, c1 = default, c2 = default, c3 = default;
                for (int p = 0; p < steps; p++, w += StepBytes)
                {
                    byte* v = w + blockBytes;
                    a0 = TBlock.MultiplyAdd(a0, w, x0[p]); c0 = TBlock.MultiplyAdd(c0, v, x0[p]);
                    a1 = TBlock.MultiplyAdd(a1, w, x1[p]); c1 = TBlock.MultiplyAdd(c1, v, x1[p]);
                    a2 = TBlock.MultiplyAdd(a2, w, x2[p]); c2 = TBlock.MultiplyAdd(c2, v, x2[p]);
                    a3 = TBlock.MultiplyAdd(a3, w, x3[p]); c3 = TBlock.MultiplyAdd(c3, v, x3[p]);
                }
                int* o = out0 + b * BlockChannels;
                TBlock.Store(a0, o); TBlock.Store(c0, o + BlockChannels); o += sumStride;
                TBlock.Store(a1, o); TBlock.Store(c1, o + BlockChannels); o += sumStride;
                TBlock.Store(a2, o); TBlock.Store(c2, o + BlockChannels); o += sumStride;
                TBlock.Store(a3, o); TBlock.Store(c3, o + BlockChannels);
            }
        for (; b < blocks; b++)
            for (int g = 0; g < groups; g++)
            {
                int s = 4 * g;
                int* x0 = x + s * xStride, x1 = x0 + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
                int* out0 = sums + s * sumStride;
                byte* w = packed + b * blockBytes;
                TAcc a0 = default, a1 = default, a2 = default, a3 = default;
                for (int p = 0; p < steps; p++, w += StepBytes)
                {
                    a0 = TBlock.MultiplyAdd(a0, w, x0[p]);
                    a1 = TBlock.MultiplyAdd(a1, w, x1[p]);
                    a2 = TBlock.MultiplyAdd(a2, w, x2[p]);
                    a3 = TBlock.MultiplyAdd(a3, w, x3[p]);
                }
                int* o = out0 + b * BlockChannels;
                TBlock.Store(a0, o); TBlock.Store(a1, o + sumStride); TBlock.Store(a2, o + 2 * sumStride); TBlock.Store(a3, o + 3 * sumStride);
            }
        for (int s = 4 * groups; s < samples; s++)
        {
            int* x0 = x + s * xStride;
            int* o = sums + s * sumStride;
            b = 0;
            for (; b + 4 <= blocks; b += 4)
            {
                byte* w = packed + b * blockBytes;
                TAcc a0 = default, a1 = default, a2 = default, a3 = default;
                for (int p = 0; p < steps; p++, w += StepBytes)
                {
                    int xp = x0[p];
                    a0 = TBlock.MultiplyAdd(a0, w, xp);
                    a1 = TBlock.MultiplyAdd(a1, w + blockBytes, xp);
                    a2 = TBlock.MultiplyAdd(a2, w + 2 * blockBytes, xp);
                    a3 = TBlock.MultiplyAdd(a3, w + 3 * blockBytes, xp);
                }
                TBlock.Store(a0, o + b * BlockChannels);
                TBlock.Store(a1, o + (b + 1) * BlockChannels);
                TBlock.Store(a2, o + (b + 2) * BlockChannels);
                TBlock.Store(a3, o + (b + 3) * BlockChannels);
            }
            for (; b < blocks; b++)
            {
                byte* w = packed + b * blockBytes;
                TAcc a0 = default;
                for (int p = 0; p < steps; p++, w += StepBytes) a0 = TBlock.MultiplyAdd(a0, w, x0[p]);
                TBlock.Store(a0, o + b * BlockChannels);
            }
        }
    }

    /// <summary>One step of one 16-channel block: acc += W(64 bytes at w) · broadcast(x).</summary>
    private interface IBlock<TAcc> where TAcc : struct
    {
        static abstract TAcc MultiplyAdd(TAcc acc, byte* w, int x);
        static abstract void Store(TAcc acc, int* destination);
    }

    private struct Pair256
    {
        public Vector256<int> Low, High;
    }

    private struct Quad128
    {
        public Vector128<int> A, B, C, D;
    }

    private struct Avx512Block : IBlock<Vector512<int>>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<int> MultiplyAdd(Vector512<int> acc, byte* w, int x) =>
            acc + Avx512BW.MultiplyAddAdjacent(Vector512.Load((short*)w), Vector512.Create(x).AsInt16());

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector512<int> acc, int* destination) => acc.Store(destination);
    }

    private struct Avx2Block : IBlock<Pair256>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Pair256 MultiplyAdd(Pair256 acc, byte* w, int x)
        {
            Vector256<short> xv = Vector256.Create(x).AsInt16();
            acc.Low += Avx2.MultiplyAddAdjacent(Vector256.Load((short*)w), xv);
            acc.High += Avx2.MultiplyAddAdjacent(Vector256.Load((short*)(w + 32)), xv);
            return acc;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Pair256 acc, int* destination)
        {
            acc.Low.Store(destination);
            acc.High.Store(destination + 8);
        }
    }

    private struct VnniBlock : IBlock<Pair256>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Pair256 MultiplyAdd(Pair256 acc, byte* w, int x)
        {
            Vector256<byte> xv = Vector256.Create(x).AsByte();
            acc.Low = AvxVnni.MultiplyWideningAndAdd(acc.Low, xv, Vector256.Load((sbyte*)w));
            acc.High = AvxVnni.MultiplyWideningAndAdd(acc.High, xv, Vector256.Load((sbyte*)(w + 32)));
            return acc;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Pair256 acc, int* destination) => Avx2Block.Store(acc, destination);
    }

    private struct Sse2Block : IBlock<Quad128>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Quad128 MultiplyAdd(Quad128 acc, byte* w, int x)
        {
            Vector128<short> xv = Vector128.Create(x).AsInt16();
            acc.A += Sse2.MultiplyAddAdjacent(Vector128.Load((short*)w), xv);
            acc.B += Sse2.MultiplyAddAdjacent(Vector128.Load((short*)(w + 16)), xv);
            acc.C += Sse2.MultiplyAddAdjacent(Vector128.Load((short*)(w + 32)), xv);
            acc.D += Sse2.MultiplyAddAdjacent(Vector128.Load((short*)(w + 48)), xv);
            return acc;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Quad128 acc, int* destination)
        {
            acc.A.Store(destination);
            acc.B.Store(destination + 4);
            acc.C.Store(destination + 8);
            acc.D.Store(destination + 12);
        }
    }

    private struct AdvSimdBlock : IBlock<Quad128>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Quad128 MultiplyAdd(Quad128 acc, byte* w, int x)
        {
            Vector128<short> xv = Vector128.Create(x).AsInt16();
            acc.A += Pairs(Vector128.Load((short*)w), xv);
            acc.B += Pairs(Vector128.Load((short*)(w + 16)), xv);
            acc.C += Pairs(Vector128.Load((short*)(w + 32)), xv);
            acc.D += Pairs(Vector128.Load((short*)(w + 48)), xv);
            return acc;
        }

        /// <summary>Four channels' pair sums: the widening products of each half, added pairwise (what pmaddwd does in one instruction).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<int> Pairs(Vector128<short> w, Vector128<short> x) =>
            AdvSimd.Arm64.AddPairwise(AdvSimd.MultiplyWideningLower(w.GetLower(), x.GetLower()), AdvSimd.MultiplyWideningUpper(w, x));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Quad128 acc, int* destination) => Sse2Block.Store(acc, destination);
    }
}
