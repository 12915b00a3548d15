using System.Runtime.InteropServices;
using NetGen.Reference;

namespace NetGen.Quantization;

/// <summary>
/// What <see cref="QuantizedNetwork"/> computes once per layer: the weights packed for the selected kernel, the biases
/// with the input zero point folded in (<c>Biases[j] − InputZeroPoint · Σ_i w[j, i]</c>, so the kernels multiply raw
/// codes), and the last layer's float scales.
/// </summary>
internal sealed unsafe class LayerPlan
{
    private readonly int[] _offsets;
    private readonly double[] _scales;

    public LayerPlan(QuantizedLayer layer)
    {
        Layer = layer;
        int channels = layer.Channels, inputs = layer.Inputs;
        _offsets = new int[channels];
        ReadOnlySpan<sbyte> w = layer.Weights;
        for (int j = 0; j < channels; j++)
        {
            int sum = 0;
            foreach (sbyte v in w.Slice(j * inputs, inputs)) sum += v;
            _offsets[j] = layer.Biases[j] - layer.InputZeroPoint * sum;
        }
        _scales = new double[channels];
        for (int j = 0; j < channels; j++) _scales[j] = (double)layer.InputScale * layer.WeightScales[j];

        Blocks = Int8Kernels.Blocks(channels);
        Steps = Int8Kernels.Steps(inputs);
        if (Int8Kernels.Selected != Int8InstructionSet.Scalar)
        {
            Packed = new PinnedBytes(Blocks * Steps * Int8Kernels.StepBytes);
            Int8Kernels.Pack(w, channels, inputs, Packed.Span);
        }
    }

    public QuantizedLayer Layer { get; }
    public int Blocks { get; }
    public int Steps { get; }

    /// <summary>The packed weights, or null on the scalar path (which reads <see cref="QuantizedLayer.Weights"/>).</summary>
    public PinnedBytes? Packed { get; }

    /// <summary>One sample's output codes from its raw sums.</summary>
    public void Requantize(int* sums, byte* codes)
    {
        QuantizedLayer layer = Layer;
        ReadOnlySpan<FixedPointMultiplier> positive = layer.PositiveMultipliers, negative = layer.NegativeMultipliers;
        if (layer.Requantization == Requantization.Table)
        {
            ReadOnlySpan<byte> table = layer.Table;
            int zero = layer.TableZeroPoint;
            for (int j = 0; j < _offsets.Length; j++)
                codes[j] = table[Clamp(zero + positive[j].Apply(sums[j] + _offsets[j]))];
            return;
        }
        int outputZero = layer.OutputZeroPoint, pieces = layer.Pieces;
        for (int u = 0, j = 0; u < layer.Units; u++)
        {
            int best = 0;
            for (int k = 0; k < pieces; k++, j++)
            {
                int a = sums[j] + _offsets[j];
                // Selected without a branch: ReLU layers' signs are close to random.
                bool negativeSide = a < 0;
                int m = negativeSide ? negative[j].Multiplier : positive[j].Multiplier;
                int shift = negativeSide ? negative[j].Shift : positive[j].Shift;
                int code = Clamp(outputZero + (((long)a * m + (1L << (shift - 1))) >> shift));
                if (k == 0 || code > best) best = code;
            }
            codes[u] = (byte)best;
        }
    }

    /// <summary>The last layer's float outputs for one sample.</summary>
    public void Finish(int* sums, Span<float> output)
    {
        QuantizedLayer layer = Layer;
        if (layer.Activation == Activation.Softmax)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int u = 0; u < output.Length; u++) max = Math.Max(max, PreActivation(sums, u));
            for (int u = 0; u < output.Length; u++) sum += Math.Exp(PreActivation(sums, u) - max);
            for (int u = 0; u < output.Length; u++) output[u] = (float)(Math.Exp(PreActivation(sums, u) - max) / sum);
            return;
        }
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

    private static int Clamp(long code) => (int)Math.Clamp(code, 0, 255);
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
