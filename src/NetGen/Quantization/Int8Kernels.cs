using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Quantization;

/// <summary>The instruction set a <see cref="QuantizedNetwork"/>'s int8 products run on in this process.</summary>
public enum Int8InstructionSet
{
    /// <summary>Plain loops over the row-major weights.</summary>
    Scalar,
    /// <summary>x86 SSSE3 <c>pmaddubsw</c> + <c>pmaddwd</c> on 128-bit vectors.</summary>
    Ssse3,
    /// <summary>x86 AVX2 <c>vpmaddubsw</c> + <c>vpmaddwd</c> on 256-bit vectors.</summary>
    Avx2,
    /// <summary>x86 AVX-512BW <c>vpmaddubsw</c> + <c>vpmaddwd</c> on 512-bit vectors.</summary>
    Avx512BW,
    /// <summary>x86 AVX-VNNI <c>vpdpbusd</c> on 256-bit vectors.</summary>
    AvxVnni,
    /// <summary>ARM64 AdvSimd <c>smull</c> + <c>sadalp</c> on 128-bit vectors.</summary>
    AdvSimd,
    /// <summary>ARM64 dot product <c>sdot</c> on 128-bit vectors.</summary>
    AdvSimdDp,
}

/// <summary>
/// The int8 matrix products of <see cref="QuantizedNetwork"/>. Every path computes the same exact int32 sums
/// Σ_i w[j, i]·q[i] (7-bit codes q in [0, 127], weights w in [−64, 64] held as int8), so the outputs are
/// bit-identical whichever runs.
/// </summary>
/// <remarks>
/// <para>Weights are packed once per layer: channels in blocks of 16 (one Vector512 of int32 sums), blocks in groups of
/// up to four, and within a group <c>[input quad][block][16 channels][4 inputs]</c>, so a kernel working on a whole
/// group reads one sequential stream. A step multiplies the 64 weight bytes of a block by one sample's four codes
/// broadcast to every lane, and the kernels take steps in pairs. Without VNNI, <c>pmaddubsw</c> multiplies the uint8
/// codes by the int8 weights and adds adjacent products into int16, the two steps' results are added in int16
/// (<c>paddw</c>), and <c>pmaddwd</c> by ones adds neighbouring int16 lanes into the int32 sums: two multiplications for
/// eight multiply-adds per channel instead of four. Each int16 lane then holds four products, at most
/// 4 · 127 · 64 = 32,512 in magnitude, so nothing saturates or wraps; that is why codes are 7-bit and weights are
/// limited to ±64 (<see cref="MaxWeight"/>). <c>vpdpbusd</c> (AVX-VNNI) does a step in one instruction; on ARM64
/// <c>sdot</c> takes the codes as signed bytes, which 7-bit codes are, and without it <c>smull</c> forms int16
/// products and <c>sadalp</c> adds their pairs into int32.</para>
/// <para>The batched loop runs four samples by four blocks (sixteen Vector512 accumulators, each weight load used four
/// times, each broadcast four times) on AVX-512, four samples by two blocks on the narrower paths, and one sample by a
/// whole group (four independent accumulation chains over one weight stream) when fewer than four samples remain.</para>
/// </remarks>
internal static unsafe class Int8Kernels
{
    public const int BlockChannels = 16;
    public const int GroupBlocks = 4;
    public const int StepBytes = 64; // one step of one block: 16 channels × 4 inputs

    /// <summary>The largest activation code (7-bit codes).</summary>
    public const int MaxCode = 127;

    /// <summary>The largest weight magnitude: 4 · 127 · 64 = 32,512 ≤ 32,767, so two steps' pmaddubsw sums add in int16 exactly.</summary>
    public const int MaxWeight = 64;

    public static Int8InstructionSet Selected { get; } =
        AvxVnni.IsSupported ? Int8InstructionSet.AvxVnni
        : Avx512BW.IsSupported && Vector512.IsHardwareAccelerated ? Int8InstructionSet.Avx512BW
        : Avx2.IsSupported ? Int8InstructionSet.Avx2
        : Ssse3.IsSupported ? Int8InstructionSet.Ssse3
        : Dp.IsSupported ? Int8InstructionSet.AdvSimdDp
        : AdvSimd.Arm64.IsSupported ? Int8InstructionSet.AdvSimd
        : Int8InstructionSet.Scalar;

    /// <summary>The number of four-input steps over <paramref name="inputs"/> inputs: even, the kernels take steps in pairs (zero-padded).</summary>
    public static int Steps(int inputs) => (inputs + 7) / 8 * 2;

    /// <summary>The number of 16-channel blocks for <paramref name="channels"/> channels.</summary>
    public static int Blocks(int channels) => (channels + BlockChannels - 1) / BlockChannels;

    /// <summary>Packs row-major int8 weights (see the remarks); padding channels and inputs are zero.</summary>
    public static void Pack(ReadOnlySpan<sbyte> weights, int channels, int inputs, Span<byte> packed)
    {
        int steps = Steps(inputs), blocks = Blocks(channels);
        packed.Clear();
        for (int j = 0; j < channels; j++)
        {
            int block = j / BlockChannels, lane = j % BlockChannels;
            int first = block - block % GroupBlocks, width = Math.Min(GroupBlocks, blocks - first);
            long group = (long)first * steps * StepBytes;
            for (int i = 0; i < inputs; i++)
            {
                long at = group + ((long)(i / 4) * width + block - first) * StepBytes + lane * 4 + i % 4;
                packed[(int)at] = (byte)weights[j * inputs + i];
            }
        }
    }

    /// <summary>
    /// sums[s·sumStride + j] = Σ_i W[j, i]·codes[s·codeStride + i] for every channel j of <paramref name="blocks"/>
    /// blocks and <paramref name="samples"/> samples; each sample's codes are read in whole quads (4·steps bytes).
    /// </summary>
    public static void Multiply(byte* packed, int blocks, int steps, byte* codes, int codeStride, int samples, int* sums, int sumStride)
    {
        switch (Selected)
        {
            case Int8InstructionSet.Avx512BW: Multiply<Avx512Block, Vector512<int>, Vector512<sbyte>, Vector512<byte>>(packed, blocks, steps, codes, codeStride, samples, sums, sumStride); break;
            case Int8InstructionSet.AvxVnni: Multiply<VnniBlock, Two<Vector256<int>>, Two<Vector256<sbyte>>, Vector256<byte>>(packed, blocks, steps, codes, codeStride, samples, sums, sumStride); break;
            case Int8InstructionSet.Avx2: Multiply<Avx2Block, Two<Vector256<int>>, Two<Vector256<sbyte>>, Vector256<byte>>(packed, blocks, steps, codes, codeStride, samples, sums, sumStride); break;
            case Int8InstructionSet.Ssse3: Multiply<Ssse3Block, Four<Vector128<int>>, Four<Vector128<sbyte>>, Vector128<byte>>(packed, blocks, steps, codes, codeStride, samples, sums, sumStride); break;
            case Int8InstructionSet.AdvSimdDp: Multiply<DpBlock, Four<Vector128<int>>, Four<Vector128<sbyte>>, Vector128<byte>>(packed, blocks, steps, codes, codeStride, samples, sums, sumStride); break;
            case Int8InstructionSet.AdvSimd: Multiply<AdvSimdBlock, Eight<Vector128<int>>, Four<Vector128<sbyte>>, Vector128<byte>>(packed, blocks, steps, codes, codeStride, samples, sums, sumStride); break;
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

    private static void Multiply<TBlock, TAcc, TW, TX>(byte* packed, int blocks, int steps, byte* codes, int codeStride, int samples, int* sums, int sumStride)
        where TBlock : struct, IBlock<TAcc, TW, TX> where TAcc : struct where TW : struct where TX : struct
    {
        long groupBytes = (long)GroupBlocks * steps * StepBytes;
        for (int first = 0; first < blocks; first += GroupBlocks)
        {
            int width = Math.Min(GroupBlocks, blocks - first);
            byte* group = packed + first / GroupBlocks * groupBytes;
            int stride = width * StepBytes;
            int* out0 = sums + first * BlockChannels;
            int s = 0;
            for (; s + 4 <= samples; s += 4)
            {
                byte* q = codes + s * codeStride;
                int* o = out0 + s * sumStride;
                int b = 0;
                if (TBlock.Wide)
                    for (; b + 4 <= width; b += 4) Tile4x4<TBlock, TAcc, TW, TX>(group + b * StepBytes, stride, steps, q, codeStride, o + b * BlockChannels, sumStride);
                for (; b + 2 <= width; b += 2) Tile4x2<TBlock, TAcc, TW, TX>(group + b * StepBytes, stride, steps, q, codeStride, o + b * BlockChannels, sumStride);
                for (; b < width; b++) Tile4x1<TBlock, TAcc, TW, TX>(group + b * StepBytes, stride, steps, q, codeStride, o + b * BlockChannels, sumStride);
            }
            for (; s < samples; s++)
            {
                int* q = (int*)(codes + s * codeStride);
                int* o = out0 + s * sumStride;
                if (width == 4) Tile1x4<TBlock, TAcc, TW, TX>(group, steps, q, o);
                else
                    for (int b = 0; b < width; b++) Tile1x1<TBlock, TAcc, TW, TX>(group + b * StepBytes, stride, steps, q, o + b * BlockChannels);
            }
        }
    }

    private static void Tile4x4<TBlock, TAcc, TW, TX>(byte* w, int stride, int steps, byte* codes, int codeStride, int* o, int sumStride)
        where TBlock : struct, IBlock<TAcc, TW, TX> where TAcc : struct where TW : struct where TX : struct
    {
        int* x0 = (int*)codes, x1 = (int*)(codes + codeStride), x2 = (int*)(codes + 2 * codeStride), x3 = (int*)(codes + 3 * codeStride);
        TAcc a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
        TAcc c0 = default, c1 = default, c2 = default, c3 = default, d0 = default, d1 = default, d2 = default, d3 = default;
        for (int p = 0; p < steps; p += 2, w += 2 * stride)
        {
            TW w0 = TBlock.Load(w), w1 = TBlock.Load(w + StepBytes), w2 = TBlock.Load(w + 2 * StepBytes), w3 = TBlock.Load(w + 3 * StepBytes);
            byte* n = w + stride;
            TW n0 = TBlock.Load(n), n1 = TBlock.Load(n + StepBytes), n2 = TBlock.Load(n + 2 * StepBytes), n3 = TBlock.Load(n + 3 * StepBytes);
            TX v = TBlock.Broadcast(x0[p]), u = TBlock.Broadcast(x0[p + 1]);
            a0 = TBlock.MultiplyAdd2(a0, w0, v, n0, u); b0 = TBlock.MultiplyAdd2(b0, w1, v, n1, u); c0 = TBlock.MultiplyAdd2(c0, w2, v, n2, u); d0 = TBlock.MultiplyAdd2(d0, w3, v, n3, u);
            v = TBlock.Broadcast(x1[p]); u = TBlock.Broadcast(x1[p + 1]);
            a1 = TBlock.MultiplyAdd2(a1, w0, v, n0, u); b1 = TBlock.MultiplyAdd2(b1, w1, v, n1, u); c1 = TBlock.MultiplyAdd2(c1, w2, v, n2, u); d1 = TBlock.MultiplyAdd2(d1, w3, v, n3, u);
            v = TBlock.Broadcast(x2[p]); u = TBlock.Broadcast(x2[p + 1]);
            a2 = TBlock.MultiplyAdd2(a2, w0, v, n0, u); b2 = TBlock.MultiplyAdd2(b2, w1, v, n1, u); c2 = TBlock.MultiplyAdd2(c2, w2, v, n2, u); d2 = TBlock.MultiplyAdd2(d2, w3, v, n3, u);
            v = TBlock.Broadcast(x3[p]); u = TBlock.Broadcast(x3[p + 1]);
            a3 = TBlock.MultiplyAdd2(a3, w0, v, n0, u); b3 = TBlock.MultiplyAdd2(b3, w1, v, n1, u); c3 = TBlock.MultiplyAdd2(c3, w2, v, n2, u); d3 = TBlock.MultiplyAdd2(d3, w3, v, n3, u);
        }
        TBlock.Store(a0, o); TBlock.Store(b0, o + 16); TBlock.Store(c0, o + 32); TBlock.Store(d0, o + 48); o += sumStride;
        TBlock.Store(a1, o); TBlock.Store(b1, o + 16); TBlock.Store(c1, o + 32); TBlock.Store(d1, o + 48); o += sumStride;
        TBlock.Store(a2, o); TBlock.Store(b2, o + 16); TBlock.Store(c2, o + 32); TBlock.Store(d2, o + 48); o += sumStride;
        TBlock.Store(a3, o); TBlock.Store(b3, o + 16); TBlock.Store(c3, o + 32); TBlock.Store(d3, o + 48);
    }

    private static void Tile4x2<TBlock, TAcc, TW, TX>(byte* w, int stride, int steps, byte* codes, int codeStride, int* o, int sumStride)
        where TBlock : struct, IBlock<TAcc, TW, TX> where TAcc : struct where TW : struct where TX : struct
    {
        int* x0 = (int*)codes, x1 = (int*)(codes + codeStride), x2 = (int*)(codes + 2 * codeStride), x3 = (int*)(codes + 3 * codeStride);
        TAcc a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
        for (int p = 0; p < steps; p += 2, w += 2 * stride)
        {
            TW w0 = TBlock.Load(w), w1 = TBlock.Load(w + StepBytes), n0 = TBlock.Load(w + stride), n1 = TBlock.Load(w + stride + StepBytes);
            TX v = TBlock.Broadcast(x0[p]), u = TBlock.Broadcast(x0[p + 1]);
            a0 = TBlock.MultiplyAdd2(a0, w0, v, n0, u); b0 = TBlock.MultiplyAdd2(b0, w1, v, n1, u);
            v = TBlock.Broadcast(x1[p]); u = TBlock.Broadcast(x1[p + 1]);
            a1 = TBlock.MultiplyAdd2(a1, w0, v, n0, u); b1 = TBlock.MultiplyAdd2(b1, w1, v, n1, u);
            v = TBlock.Broadcast(x2[p]); u = TBlock.Broadcast(x2[p + 1]);
            a2 = TBlock.MultiplyAdd2(a2, w0, v, n0, u); b2 = TBlock.MultiplyAdd2(b2, w1, v, n1, u);
            v = TBlock.Broadcast(x3[p]); u = TBlock.Broadcast(x3[p + 1]);
            a3 = TBlock.MultiplyAdd2(a3, w0, v, n0, u); b3 = TBlock.MultiplyAdd2(b3, w1, v, n1, u);
        }
        TBlock.Store(a0, o); TBlock.Store(b0, o + 16); o += sumStride;
        TBlock.Store(a1, o); TBlock.Store(b1, o + 16); o += sumStride;
        TBlock.Store(a2, o); TBlock.Store(b2, o + 16); o += sumStride;
        TBlock.Store(a3, o); TBlock.Store(b3, o + 16);
    }

    private static void Tile4x1<TBlock, TAcc, TW, TX>(byte* w, int stride, int steps, byte* codes, int codeStride, int* o, int sumStride)
        where TBlock : struct, IBlock<TAcc, TW, TX> where TAcc : struct where TW : struct where TX : struct
    {
        int* x0 = (int*)codes, x1 = (int*)(codes + codeStride), x2 = (int*)(codes + 2 * codeStride), x3 = (int*)(codes + 3 * codeStride);
        TAcc a0 = default, a1 = default, a2 = default, a3 = default;
        for (int p = 0; p < steps; p += 2, w += 2 * stride)
        {
            TW w0 = TBlock.Load(w), n0 = TBlock.Load(w + stride);
            a0 = TBlock.MultiplyAdd2(a0, w0, TBlock.Broadcast(x0[p]), n0, TBlock.Broadcast(x0[p + 1]));
            a1 = TBlock.MultiplyAdd2(a1, w0, TBlock.Broadcast(x1[p]), n0, TBlock.Broadcast(x1[p + 1]));
            a2 = TBlock.MultiplyAdd2(a2, w0, TBlock.Broadcast(x2[p]), n0, TBlock.Broadcast(x2[p + 1]));
            a3 = TBlock.MultiplyAdd2(a3, w0, TBlock.Broadcast(x3[p]), n0, TBlock.Broadcast(x3[p + 1]));
        }
        TBlock.Store(a0, o); TBlock.Store(a1, o + sumStride); TBlock.Store(a2, o + 2 * sumStride); TBlock.Store(a3, o + 3 * sumStride);
    }

    private static void Tile1x4<TBlock, TAcc, TW, TX>(byte* w, int steps, int* x, int* o)
        where TBlock : struct, IBlock<TAcc, TW, TX> where TAcc : struct where TW : struct where TX : struct
    {
        TAcc a0 = default, a1 = default, a2 = default, a3 = default;
        for (int p = 0; p < steps; p += 2, w += 8 * StepBytes)
        {
            TX v = TBlock.Broadcast(x[p]), u = TBlock.Broadcast(x[p + 1]);
            a0 = TBlock.MultiplyAdd2(a0, TBlock.Load(w), v, TBlock.Load(w + 4 * StepBytes), u);
            a1 = TBlock.MultiplyAdd2(a1, TBlock.Load(w + StepBytes), v, TBlock.Load(w + 5 * StepBytes), u);
            a2 = TBlock.MultiplyAdd2(a2, TBlock.Load(w + 2 * StepBytes), v, TBlock.Load(w + 6 * StepBytes), u);
            a3 = TBlock.MultiplyAdd2(a3, TBlock.Load(w + 3 * StepBytes), v, TBlock.Load(w + 7 * StepBytes), u);
        }
        TBlock.Store(a0, o); TBlock.Store(a1, o + 16); TBlock.Store(a2, o + 32); TBlock.Store(a3, o + 48);
    }

    private static void Tile1x1<TBlock, TAcc, TW, TX>(byte* w, int stride, int steps, int* x, int* o)
        where TBlock : struct, IBlock<TAcc, TW, TX> where TAcc : struct where TW : struct where TX : struct
    {
        TAcc a0 = default;
        for (int p = 0; p < steps; p += 2, w += 2 * stride)
            a0 = TBlock.MultiplyAdd2(a0, TBlock.Load(w), TBlock.Broadcast(x[p]), TBlock.Load(w + stride), TBlock.Broadcast(x[p + 1]));
        TBlock.Store(a0, o);
    }

    /// <summary>
    /// One step of one 16-channel block: acc += W · broadcast(x), W the 64 weight bytes (16 channels × 4 inputs) and x
    /// four codes.
    /// </summary>
    private interface IBlock<TAcc, TW, TX> where TAcc : struct where TW : struct where TX : struct
    {
        /// <summary>Whether the path has registers for the four-by-four tile.</summary>
        static abstract bool Wide { get; }
        static abstract TX Broadcast(int x);
        static abstract TW Load(byte* w);
        /// <summary>Two steps: acc += W · broadcast(x) + W1 · broadcast(x1).</summary>
        static abstract TAcc MultiplyAdd2(TAcc acc, TW w, TX x, TW w1, TX x1);
        static abstract void Store(TAcc acc, int* destination);
    }

    private struct Two<T> where T : struct
    {
        public T A, B;
    }

    private struct Four<T> where T : struct
    {
        public T A, B, C, D;
    }

    /// <summary>On AdvSimd without dot product, each channel's sum in two int32 lanes (pairs of inputs), added pairwise at the end.</summary>
    private struct Eight<T> where T : struct
    {
        public T A, B, C, D, E, F, G, H;
    }

    private struct Avx512Block : IBlock<Vector512<int>, Vector512<sbyte>, Vector512<byte>>
    {
        public static bool Wide => true;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<byte> Broadcast(int x) => Vector512.Create(x).AsByte();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<sbyte> Load(byte* w) => Vector512.Load((sbyte*)w);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<int> MultiplyAdd2(Vector512<int> acc, Vector512<sbyte> w, Vector512<byte> x, Vector512<sbyte> w1, Vector512<byte> x1) =>
            acc + Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, w) + Avx512BW.MultiplyAddAdjacent(x1, w1), Vector512<short>.One);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector512<int> acc, int* destination) => acc.Store(destination);
    }

    private struct Avx2Block : IBlock<Two<Vector256<int>>, Two<Vector256<sbyte>>, Vector256<byte>>
    {
        public static bool Wide => false;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> Broadcast(int x) => Vector256.Create(x).AsByte();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Two<Vector256<sbyte>> Load(byte* w) => new() { A = Vector256.Load((sbyte*)w), B = Vector256.Load((sbyte*)(w + 32)) };

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Two<Vector256<int>> MultiplyAdd2(Two<Vector256<int>> acc, Two<Vector256<sbyte>> w, Vector256<byte> x, Two<Vector256<sbyte>> w1, Vector256<byte> x1)
        {
            acc.A += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(x, w.A) + Avx2.MultiplyAddAdjacent(x1, w1.A), Vector256<short>.One);
            acc.B += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(x, w.B) + Avx2.MultiplyAddAdjacent(x1, w1.B), Vector256<short>.One);
            return acc;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Two<Vector256<int>> acc, int* destination)
        {
            acc.A.Store(destination);
            acc.B.Store(destination + 8);
        }
    }

    private struct VnniBlock : IBlock<Two<Vector256<int>>, Two<Vector256<sbyte>>, Vector256<byte>>
    {
        public static bool Wide => false;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Two<Vector256<int>> MultiplyAdd2(Two<Vector256<int>> acc, Two<Vector256<sbyte>> w, Vector256<byte> x, Two<Vector256<sbyte>> w1, Vector256<byte> x1) => Step(Step(acc, w, x), w1, x1);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> Broadcast(int x) => Vector256.Create(x).AsByte();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Two<Vector256<sbyte>> Load(byte* w) => Avx2Block.Load(w);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Two<Vector256<int>> Step(Two<Vector256<int>> acc, Two<Vector256<sbyte>> w, Vector256<byte> x)
        {
            acc.A = AvxVnni.MultiplyWideningAndAdd(acc.A, x, w.A);
            acc.B = AvxVnni.MultiplyWideningAndAdd(acc.B, x, w.B);
            return acc;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Two<Vector256<int>> acc, int* destination) => Avx2Block.Store(acc, destination);
    }

    private struct Ssse3Block : IBlock<Four<Vector128<int>>, Four<Vector128<sbyte>>, Vector128<byte>>
    {
        public static bool Wide => false;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<byte> Broadcast(int x) => Vector128.Create(x).AsByte();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Four<Vector128<sbyte>> Load(byte* w) => new()
        {
            A = Vector128.Load((sbyte*)w), B = Vector128.Load((sbyte*)(w + 16)), C = Vector128.Load((sbyte*)(w + 32)), D = Vector128.Load((sbyte*)(w + 48)),
        };

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Four<Vector128<int>> MultiplyAdd2(Four<Vector128<int>> acc, Four<Vector128<sbyte>> w, Vector128<byte> x, Four<Vector128<sbyte>> w1, Vector128<byte> x1)
        {
            acc.A += Octets(x, w.A, x1, w1.A);
            acc.B += Octets(x, w.B, x1, w1.B);
            acc.C += Octets(x, w.C, x1, w1.C);
            acc.D += Octets(x, w.D, x1, w1.D);
            return acc;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<int> Octets(Vector128<byte> x, Vector128<sbyte> w, Vector128<byte> x1, Vector128<sbyte> w1) =>
            Sse2.MultiplyAddAdjacent(Ssse3.MultiplyAddAdjacent(x, w) + Ssse3.MultiplyAddAdjacent(x1, w1), Vector128<short>.One);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Four<Vector128<int>> acc, int* destination)
        {
            acc.A.Store(destination);
            acc.B.Store(destination + 4);
            acc.C.Store(destination + 8);
            acc.D.Store(destination + 12);
        }
    }

    private struct DpBlock : IBlock<Four<Vector128<int>>, Four<Vector128<sbyte>>, Vector128<byte>>
    {
        public static bool Wide => false;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Four<Vector128<int>> MultiplyAdd2(Four<Vector128<int>> acc, Four<Vector128<sbyte>> w, Vector128<byte> x, Four<Vector128<sbyte>> w1, Vector128<byte> x1) => Step(Step(acc, w, x), w1, x1);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<byte> Broadcast(int x) => Vector128.Create(x).AsByte();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Four<Vector128<sbyte>> Load(byte* w) => Ssse3Block.Load(w);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Four<Vector128<int>> Step(Four<Vector128<int>> acc, Four<Vector128<sbyte>> w, Vector128<byte> x)
        {
            Vector128<sbyte> xs = x.AsSByte(); // 7-bit codes are valid signed bytes
            acc.A = Dp.DotProduct(acc.A, w.A, xs);
            acc.B = Dp.DotProduct(acc.B, w.B, xs);
            acc.C = Dp.DotProduct(acc.C, w.C, xs);
            acc.D = Dp.DotProduct(acc.D, w.D, xs);
            return acc;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Four<Vector128<int>> acc, int* destination) => Ssse3Block.Store(acc, destination);
    }

    private struct AdvSimdBlock : IBlock<Eight<Vector128<int>>, Four<Vector128<sbyte>>, Vector128<byte>>
    {
        public static bool Wide => false;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Eight<Vector128<int>> MultiplyAdd2(Eight<Vector128<int>> acc, Four<Vector128<sbyte>> w, Vector128<byte> x, Four<Vector128<sbyte>> w1, Vector128<byte> x1) => Step(Step(acc, w, x), w1, x1);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<byte> Broadcast(int x) => Vector128.Create(x).AsByte();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Four<Vector128<sbyte>> Load(byte* w) => Ssse3Block.Load(w);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Eight<Vector128<int>> Step(Eight<Vector128<int>> acc, Four<Vector128<sbyte>> w, Vector128<byte> x)
        {
            // smull forms eight int16 products (each at most 127 · 127) of two channels' four inputs; sadalp adds
            // neighbouring pairs into int32, so lanes 2c and 2c + 1 of a vector hold parts of one channel's sum.
            Vector128<sbyte> xs = x.AsSByte();
            Vector64<sbyte> low = xs.GetLower();
            acc.A = AdvSimd.AddPairwiseWideningAndAdd(acc.A, AdvSimd.MultiplyWideningLower(w.A.GetLower(), low));
            acc.B = AdvSimd.AddPairwiseWideningAndAdd(acc.B, AdvSimd.MultiplyWideningUpper(w.A, xs));
            acc.C = AdvSimd.AddPairwiseWideningAndAdd(acc.C, AdvSimd.MultiplyWideningLower(w.B.GetLower(), low));
            acc.D = AdvSimd.AddPairwiseWideningAndAdd(acc.D, AdvSimd.MultiplyWideningUpper(w.B, xs));
            acc.E = AdvSimd.AddPairwiseWideningAndAdd(acc.E, AdvSimd.MultiplyWideningLower(w.C.GetLower(), low));
            acc.F = AdvSimd.AddPairwiseWideningAndAdd(acc.F, AdvSimd.MultiplyWideningUpper(w.C, xs));
            acc.G = AdvSimd.AddPairwiseWideningAndAdd(acc.G, AdvSimd.MultiplyWideningLower(w.D.GetLower(), low));
            acc.H = AdvSimd.AddPairwiseWideningAndAdd(acc.H, AdvSimd.MultiplyWideningUpper(w.D, xs));
            return acc;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Eight<Vector128<int>> acc, int* destination)
        {
            AdvSimd.Arm64.AddPairwise(acc.A, acc.B).Store(destination);
            AdvSimd.Arm64.AddPairwise(acc.C, acc.D).Store(destination + 4);
            AdvSimd.Arm64.AddPairwise(acc.E, acc.F).Store(destination + 8);
            AdvSimd.Arm64.AddPairwise(acc.G, acc.H).Store(destination + 12);
        }
    }
}
