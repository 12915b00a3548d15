using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NetGen.Reference;

namespace NetGen.Quantization;

/// <summary>
/// What <see cref="QuantizedNetwork"/> computes once per layer: the weights packed for the selected kernel, the biases
/// with the input zero point folded in (<c>Biases[j] − InputZeroPoint · Σ_i w[j, i]</c>, so the kernels multiply raw
/// codes), and the last layer's float scales.
/// </summary>
internal sealed unsafe class LayerPlan
{
    private readonly double[] _scales;

    // Per channel, padded with zeros to whole 16-channel blocks, on the pinned heap: the folded biases, then the
    // positive and negative multipliers and shifts (Linear and Table layers).
    private readonly int[] _channelData;
    private readonly int* _offsets, _positive, _positiveShift, _negative, _negativeShift;
    private readonly bool _vectorRequantize;
    private readonly SoftmaxOutput? _softmax;
    private readonly LinearRequantizer512? _linear512;

    /// <param name="layer">The layer.</param>
    /// <param name="kernelWeights">The weights in the order the codes come in, when it is not the layer's (a convolution's patches).</param>
    public LayerPlan(QuantizedLayer layer, sbyte[]? kernelWeights = null)
    {
        _kernelWeights = kernelWeights;
        Layer = layer;
        int channels = layer.Channels, inputs = layer.Inputs;
        Blocks = Int8Kernels.Blocks(channels);
        Steps = Int8Kernels.Steps(inputs);
        int padded = Blocks * Int8Kernels.BlockChannels;
        _channelData = GC.AllocateArray<int>(5 * padded, pinned: true);
        int* data = (int*)Marshal.UnsafeAddrOfPinnedArrayElement(_channelData, 0);
        _offsets = data;
        _positive = data + padded;
        _positiveShift = data + 2 * padded;
        _negative = data + 3 * padded;
        _negativeShift = data + 4 * padded;
        ReadOnlySpan<sbyte> w = Weights;
        for (int j = 0; j < padded; j++)
        {
            _positiveShift[j] = _negativeShift[j] = 1;
            if (j >= channels) continue;
            int sum = 0;
            foreach (sbyte v in w.Slice(j * inputs, inputs)) sum += v;
            _offsets[j] = layer.Biases[j] - layer.InputZeroPoint * sum;
            if (layer.Requantization == Requantization.Float) continue;
            (_positive[j], _positiveShift[j]) = (layer.PositiveMultipliers[j].Multiplier, layer.PositiveMultipliers[j].Shift);
            (_negative[j], _negativeShift[j]) = (layer.NegativeMultipliers[j].Multiplier, layer.NegativeMultipliers[j].Shift);
        }
        _scales = new double[channels];
        for (int j = 0; j < channels; j++) _scales[j] = (double)layer.InputScale * layer.WeightScales[j];
        _vectorRequantize = Avx512F.IsSupported && Vector512.IsHardwareAccelerated && layer.Pieces == 1;
        _linear512 = LinearRequantizer512.TryCreate(layer, new ReadOnlySpan<int>(_offsets, padded));
        if (layer.Requantization == Requantization.Float && layer.Kind == ReferenceLayerKind.Dense && layer.Activation == Activation.Softmax)
            _softmax = new SoftmaxOutput(layer, _offsets, padded);

        if (Int8Kernels.Selected != Int8InstructionSet.Scalar)
        {
            Packed = new PinnedBytes(Blocks * Steps * Int8Kernels.StepBytes);
            Int8Kernels.Pack(w, channels, inputs, Packed.Span);
        }
    }

    private readonly sbyte[]? _kernelWeights;

    public QuantizedLayer Layer { get; }

    /// <summary>The row-major weights in the order the kernels read the codes.</summary>
    public ReadOnlySpan<sbyte> Weights => _kernelWeights ?? Layer.Weights;
    public int Blocks { get; }
    public int Steps { get; }

    /// <summary>The packed weights, or null on the scalar path (which reads <see cref="Weights"/>).</summary>
    public PinnedBytes? Packed { get; }

    /// <summary>
    /// The output codes of <paramref name="rows"/> samples or output positions, each from sums <paramref name="sumStride"/>
    /// ints after the previous row's, to codes <paramref name="codeStride"/> bytes apart, in row order (see
    /// <see cref="Requantize(int*, byte*)"/>): the linear AVX-512 path runs them in one loop.
    /// </summary>
    public void Requantize(int* sums, int sumStride, byte* codes, int codeStride, int rows)
    {
        if (_linear512 is not null)
        {
            _linear512.Requantize(sums, sumStride, codes, codeStride, rows);
            return;
        }
        for (int r = 0; r < rows; r++) Requantize(sums + r * sumStride, codes + r * codeStride);
    }

    /// <summary>
    /// One sample's output codes from its raw sums. The AVX-512 path computes whole blocks (the codes buffer has room
    /// for <see cref="Blocks"/> × 16); its padding codes are multiplied by zero weights in the next layer.
    /// </summary>
    public void Requantize(int* sums, byte* codes)
    {
        QuantizedLayer layer = Layer;
        int channels = layer.Channels;
        if (layer.Requantization == Requantization.Table)
        {
            ReadOnlySpan<byte> table = layer.Table;
            int zero = layer.TableZeroPoint;
            for (int j = 0; j < channels; j++)
                codes[j] = table[(int)Math.Clamp(zero + FixedPoint(sums[j] + _offsets[j], _positive[j], _positiveShift[j]), 0, 255)];
            return;
        }
        if (_linear512 is not null)
        {
            _linear512.Requantize(sums, codes);
            return;
        }
        int outputZero = layer.OutputZeroPoint;
        if (_vectorRequantize)
        {
            var zeroPoint = Vector512.Create(outputZero);
            for (int j = 0; j < channels; j += Int8Kernels.BlockChannels)
                Linear512(sums + j, j, zeroPoint).Store(codes + j);
            return;
        }
        int pieces = layer.Pieces;
        for (int u = 0, j = 0; u < layer.Units; u++)
        {
            int best = 0;
            for (int k = 0; k < pieces; k++, j++)
            {
                int a = sums[j] + _offsets[j];
                // Selected without a branch: ReLU layers' signs are close to random.
                bool negativeSide = a < 0;
                int m = negativeSide ? _negative[j] : _positive[j];
                int shift = negativeSide ? _negativeShift[j] : _positiveShift[j];
                int code = (int)Math.Clamp(outputZero + FixedPoint(a, m, shift), 0, Int8Kernels.MaxCode);
                if (k == 0 || code > best) best = code;
            }
            codes[u] = (byte)best;
        }
    }

    /// <summary>round(a · m · 2^-shift), halves upward: <see cref="FixedPointMultiplier.Apply"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long FixedPoint(int a, int m, int shift) => ((long)a * m + (1L << (shift - 1))) >> shift;

    /// <summary>
    /// Sixteen channels' codes, the same integers as the scalar loop: the 64-bit products of the even and the odd
    /// lanes (vpmuldq), the rounding term and the arithmetic shift per lane, clamped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector128<byte> Linear512(int* sums, int j, Vector512<int> zeroPoint)
    {
        Vector512<int> a = Vector512.Load(sums) + Vector512.Load(_offsets + j);
        Vector512<int> negativeSide = Vector512.LessThan(a, Vector512<int>.Zero);
        Vector512<int> m = Vector512.ConditionalSelect(negativeSide, Vector512.Load(_negative + j), Vector512.Load(_positive + j));
        Vector512<int> shift = Vector512.ConditionalSelect(negativeSide, Vector512.Load(_negativeShift + j), Vector512.Load(_positiveShift + j));
        Vector512<long> even = Scale(Avx512F.Multiply(a, m), shift.AsInt64() & Vector512.Create(0xFFFF_FFFFL));
        Vector512<long> odd = Scale(Avx512F.Multiply((a.AsInt64() >> 32).AsInt32(), (m.AsInt64() >> 32).AsInt32()), shift.AsInt64() >>> 32);
        Vector512<int> r = ((even & Vector512.Create(0xFFFF_FFFFL)) | (odd << 32)).AsInt32();
        Vector512<int> code = Vector512.Min(Vector512.Max(r + zeroPoint, Vector512<int>.Zero), Vector512.Create(Int8Kernels.MaxCode));
        return Avx512F.ConvertToVector128Byte(code);
    }

    /// <summary>(p + 2^(shift − 1)) &gt;&gt; shift per 64-bit lane, clamped to ±512 (beyond any code once the zero point is added).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<long> Scale(Vector512<long> product, Vector512<long> shift)
    {
        Vector512<long> round = Avx512F.ShiftLeftLogicalVariable(Vector512<long>.One, (shift - Vector512<long>.One).AsUInt64());
        Vector512<long> r = Avx512F.ShiftRightArithmeticVariable(product + round, shift.AsUInt64());
        return Vector512.Min(Vector512.Max(r, Vector512.Create(-512L)), Vector512.Create(512L));
    }

    /// <summary>The last layer's float outputs for one sample.</summary>
    public void Finish(int* sums, Span<float> output)
    {
        if (_softmax is not null)
        {
            _softmax.Apply(sums, output);
            return;
        }
        QuantizedLayer layer = Layer;
        double alpha = layer.Alpha;
        for (int u = 0; u < output.Length; u++)
        {
            double v = PreActivation(sums, u);
            output[u] = (float)(layer.Activation switch
            {
                Activation.Identity => v,
                Activation.Step => v >= 0 ? 1.0 : 0.0,
                Activation.Sigmoid => 1 / (1 + Math.Exp(-v)),
                Activation.Tanh => Math.Tanh(v),
                Activation.ReLU => Math.Max(0, v),
                Activation.LeakyReLU => v > 0 ? v : alpha * v,
                Activation.ELU => v >= 0 ? v : alpha * (Math.Exp(v) - 1),
                _ => throw new NotSupportedException($"Unknown activation {layer.Activation}."),
            });
        }
    }

    /// <summary>Unit u's real pre-activation: a·InputScale·WeightScale, the largest piece's for Maxout.</summary>
    private double PreActivation(int* sums, int unit)
    {
        int pieces = Layer.Pieces, j = unit * pieces;
        double best = (double)(sums[j] + _offsets[j]) * _scales[j];
        for (int k = 1; k < pieces; k++) best = Math.Max(best, (double)(sums[j + k] + _offsets[j + k]) * _scales[j + k]);
        return best;
    }
}

/// <summary>Bytes on the pinned object heap whose first byte sits on a 64-byte boundary, so the kernels can hold a pointer.</summary>
internal sealed unsafe class PinnedBytes
{
    private const int Alignment = 64;
    private readonly byte[] _array;
    private readonly int _offset;

    public PinnedBytes(int length)
    {
        _array = GC.AllocateArray<byte>(length + Alignment - 1, pinned: true);
        nint address = (nint)Marshal.UnsafeAddrOfPinnedArrayElement(_array, 0);
        _offset = (int)((Alignment - (address & (Alignment - 1))) & (Alignment - 1));
        Length = length;
    }

    public int Length { get; }
    public Span<byte> Span => _array.AsSpan(_offset, Length);
    public byte* Pointer => (byte*)Marshal.UnsafeAddrOfPinnedArrayElement(_array, _offset);
}
