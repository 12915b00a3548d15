using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NetGen.Reference;

namespace NetGen.Quantization;

/// <summary>
/// An int8 snapshot of a network for inference, made by <see cref="INetwork.Quantize"/> or loaded with
/// <see cref="Serialization.ModelFile.LoadQuantized(string)"/>: int8 weights with a scale per output channel, int32
/// biases and accumulators, 7-bit activation codes (0 to 127, in bytes) between layers, float only at the input and the output.
/// </summary>
/// <remarks>
/// <para>Inputs are quantized with <see cref="InputScale"/> and <see cref="InputZeroPoint"/>:
/// <c>q = clamp(round(x · (1/InputScale)) + InputZeroPoint, 0, 127)</c>, with 1/InputScale rounded to float, the
/// product rounded half to even and NaN taken as 0. Each layer then works in integers only (see
/// <see cref="QuantizedLayer"/> and <see cref="Requantization"/>); a softmax output layer is computed in float by one
/// fixed sequence of rounded operations (its own exp, a fixed summation order), other output layers in double precision
/// rounded to float.</para>
/// <para>Convolutional networks run their Conv2D, MaxPool2D and AvgPool2D layers one sample at a time on codes held
/// channels-last (each convolution as an int8 product over its patches), then hand the codes, back in the float layout, to the Dense layers,
/// which run on tiles of samples as in a flat network.</para>
/// <para>All integer arithmetic is exact, so every instruction-set path (<see cref="InstructionSet"/>) gives the same
/// codes and accumulators, and the softmax gives the same bits on every vector width, so the outputs are bit-identical
/// across paths and platforms; only Sigmoid, Tanh and ELU output layers use the C library's <c>exp</c> and
/// <c>tanh</c>, which may differ in the last bit between platforms.</para>
/// <para>Both <c>Forward</c> overloads and <see cref="Predict"/> are thread-safe and allocate nothing, except per thread
/// on its first call: scratch buffers for a tile of 16 samples (and one sample's convolutions), grown if a network with
/// wider layers comes later.</para>
/// </remarks>
public sealed unsafe class QuantizedNetwork : IInference
{
    internal const int Tile = 16;

    private readonly QuantizedLayer[] _layers;
    private readonly LayerPlan[] _plans; // for the flat layers, from _flatStart on
    private readonly SpatialStage[] _spatial; // the convolution and pooling layers before them
    private readonly int _flatStart;
    private readonly float _inputReciprocal;
    private readonly int _codeStride, _sumStride;
    private readonly int _spatialBytes, _patchBytes, _patchSums;

    internal QuantizedNetwork(string architecture, LossFunction loss, int inputSize, QuantizedLayer[] layers)
    {
        Architecture = architecture;
        Loss = loss;
        InputSize = inputSize;
        _layers = layers;
        OutputSize = layers[^1].Units;
        _inputReciprocal = 1f / layers[0].InputScale;
        while (_flatStart < layers.Length && layers[_flatStart].IsSpatial) _flatStart++;
        // A convolution and the max pool after it run as one stage where the pool can go first (see SpatialStage.CanFuse).
        var stages = new List<SpatialStage>();
        for (int l = 0; l < _flatStart; l++)
        {
            bool fuse = l + 1 < _flatStart && SpatialStage.CanFuse(layers[l], layers[l + 1]);
            var stage = new SpatialStage(layers[l], fuse ? layers[l + 1] : null);
            stages.Add(stage);
            _spatialBytes = Math.Max(_spatialBytes, Math.Max(stage.OutputBytes, layers[l].InputShape.Size + SpatialStage.Slack));
            _patchBytes = Math.Max(_patchBytes, stage.PatchBytes);
            _patchSums = Math.Max(_patchSums, stage.SumCount);
            if (fuse) l++;
        }
        _spatial = stages.ToArray();
        _spatialBytes = (_spatialBytes + 63) & ~63;
        _plans = new LayerPlan[layers.Length];
        for (int l = _flatStart; l < layers.Length; l++)
        {
            _plans[l] = new LayerPlan(layers[l]);
            // Room for whole quads of inputs and for whole blocks of outputs (the vector requantization writes them).
            _codeStride = Math.Max(_codeStride, Math.Max(4 * _plans[l].Steps, _plans[l].Blocks * Int8Kernels.BlockChannels));
            _sumStride = Math.Max(_sumStride, _plans[l].Blocks * Int8Kernels.BlockChannels);
        }
        _codeStride = (_codeStride + 63) & ~63;
    }

    /// <inheritdoc/>
    public int InputSize { get; }

    /// <inheritdoc/>
    public int OutputSize { get; }

    /// <inheritdoc/>
    public LossFunction Loss { get; }

    /// <summary>The architecture of the network that was quantized (dropout layers included; they do nothing at inference).</summary>
    public string Architecture { get; }

    /// <summary>The layers, in order: Conv2D, MaxPool2D and AvgPool2D, then Dense and Maxout (dropout layers have no quantized form; BatchNorm layers are folded into the layer before them).</summary>
    public IReadOnlyList<QuantizedLayer> Layers => _layers;

    /// <summary>The scale of the input codes.</summary>
    public float InputScale => _layers[0].InputScale;

    /// <summary>The input code that stands for 0.</summary>
    public int InputZeroPoint => _layers[0].InputZeroPoint;

    /// <summary>The instruction set the int8 products use in this process.</summary>
    public static Int8InstructionSet InstructionSet => Int8Kernels.Selected;

    /// <summary>How many stages the convolution and pooling layers run as (a max pool fused into its convolution is none of its own).</summary>
    internal int SpatialStages => _spatial.Length;

    /// <summary>The bytes the weights take: one per weight, as stored in a quantized model file.</summary>
    public int WeightBytes => _layers.Sum(l => l.Weights.Length);

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> input, Span<float> output)
    {
        if (input.Length != InputSize) throw new ArgumentException($"The input has {input.Length} values; the network takes {InputSize}.", nameof(input));
        if (output.Length != OutputSize) throw new ArgumentException($"The output has room for {output.Length} values; the network gives {OutputSize}.", nameof(output));
        Run(input, output, 1);
    }

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (inputs.Length != (long)batchSize * InputSize)
            throw new ArgumentException($"The inputs have {inputs.Length} values; {batchSize} samples of {InputSize} take {(long)batchSize * InputSize}.", nameof(inputs));
        if (outputs.Length != (long)batchSize * OutputSize)
            throw new ArgumentException($"The outputs have room for {outputs.Length} values; {batchSize} samples of {OutputSize} give {(long)batchSize * OutputSize}.", nameof(outputs));
        for (int start = 0; start < batchSize; start += Tile)
        {
            int n = Math.Min(Tile, batchSize - start);
            Run(inputs.Slice(start * InputSize, n * InputSize), outputs.Slice(start * OutputSize, n * OutputSize), n);
        }
    }

    /// <inheritdoc/>
    public int Predict(ReadOnlySpan<float> input)
    {
        const int StackLimit = 4096;
        Span<float> output = OutputSize <= StackLimit ? stackalloc float[OutputSize] : new float[OutputSize];
        Forward(input, output);
        return OutputSize == 1 ? (output[0] >= 0.5f ? 1 : 0) : TensorPrimitives.IndexOfMax<float>(output);
    }

    /// <summary>The architecture, for debugging.</summary>
    public override string ToString() => $"QuantizedNetwork (int8, {InstructionSet}): {Architecture}";

    /// <summary>Runs up to <see cref="Tile"/> samples through every layer.</summary>
    private void Run(ReadOnlySpan<float> inputs, Span<float> outputs, int samples)
    {
        Scratch scratch = Scratch.For(_codeStride, _sumStride);
        fixed (byte* codesA = scratch.CodesA, codesB = scratch.CodesB)
        fixed (int* sums = scratch.Sums)
        {
            byte* input = codesA, output = codesB;
            if (_spatial.Length == 0)
            {
                for (int s = 0; s < samples; s++)
                    QuantizeInput(inputs.Slice(s * InputSize, InputSize), input + s * _codeStride);
            }
            else
            {
                SpatialScratch spatial = SpatialScratch.For(_spatialBytes, _patchBytes, _patchSums);
                fixed (byte* a = spatial.CodesA, b = spatial.CodesB, patches = spatial.Patches)
                fixed (int* patchSums = spatial.Sums)
                    for (int s = 0; s < samples; s++)
                        RunSpatial(inputs.Slice(s * InputSize, InputSize), input + s * _codeStride, a, b, patches, patchSums);
            }
            for (int l = _flatStart; l < _layers.Length; l++)
            {
                LayerPlan plan = _plans[l];
                if (plan.Packed is null)
                {
                    fixed (sbyte* w = plan.Weights)
                        Int8Kernels.MultiplyScalar(w, plan.Layer.Channels, plan.Layer.Inputs, input, _codeStride, samples, sums, _sumStride);
                }
                else
                {
                    Int8Kernels.Multiply(plan.Packed.Pointer, plan.Blocks, plan.Steps, input, _codeStride, samples, sums, _sumStride);
                }
                if (l == _layers.Length - 1)
                {
                    for (int s = 0; s < samples; s++)
                        plan.Finish(sums + s * _sumStride, outputs.Slice(s * OutputSize, OutputSize));
                }
                else
                {
                    plan.Requantize(sums, _sumStride, output, _codeStride, samples);
                    byte* swap = input;
                    input = output;
                    output = swap;
                }
            }
        }
    }

    /// <summary>
    /// One sample through the convolution and pooling layers: input codes in the float layout, turned channels-last,
    /// each spatial layer from one buffer to the other, and the last one's codes back in the float layout at
    /// <paramref name="flat"/>, the first Dense layer's input.
    /// </summary>
    private void RunSpatial(ReadOnlySpan<float> x, byte* flat, byte* a, byte* b, byte* patches, int* sums)
    {
        SampleShape shape = _spatial[0].Input;
        if (shape.Channels == 1) QuantizeInput(x, a);
        else
        {
            QuantizeInput(x, b);
            SpatialStage.ToChannelsLast(b, a, shape);
        }
        foreach (SpatialStage stage in _spatial)
        {
            stage.Run(a, b, patches, sums);
            byte* swap = a;
            a = b;
            b = swap;
        }
        shape = _spatial[^1].Output;
        if (shape.Channels == 1 || shape.Height * shape.Width == 1) Buffer.MemoryCopy(a, flat, shape.Size, shape.Size);
        else SpatialStage.ToChannelsFirst(a, flat, shape);
    }

    /// <summary>The input codes; vectorized and scalar code give the same bits (every step is exact or correctly rounded).</summary>
    private void QuantizeInput(ReadOnlySpan<float> x, byte* codes)
    {
        float reciprocal = _inputReciprocal;
        int zero = InputZeroPoint, i = 0;
        if (Vector512.IsHardwareAccelerated && Avx512BW.IsSupported)
        {
            var r = Vector512.Create(reciprocal);
            var low = Vector512.Create((float)-zero);
            var high = Vector512.Create((float)(Int8Kernels.MaxCode - zero));
            var zeroCodes = Vector512.Create((byte)zero);
            // packssdw and packsswb interleave the four vectors by 128-bit lanes; this puts their groups of four back in order.
            var order = Vector512.Create(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
            fixed (float* p = x)
            {
                for (; i + 64 <= x.Length; i += 64)
                {
                    var ab = Avx512BW.PackSignedSaturate(Centred(Vector512.Load(p + i), r, low, high), Centred(Vector512.Load(p + i + 16), r, low, high));
                    var cd = Avx512BW.PackSignedSaturate(Centred(Vector512.Load(p + i + 32), r, low, high), Centred(Vector512.Load(p + i + 48), r, low, high));
                    var bytes = Avx512F.PermuteVar16x32(Avx512BW.PackSignedSaturate(ab, cd).AsInt32(), order).AsByte();
                    (bytes + zeroCodes).Store(codes + i);
                }
                for (; i + 16 <= x.Length; i += 16)
                    (Avx512F.ConvertToVector128SByteWithSaturation(Centred(Vector512.Load(p + i), r, low, high)).AsByte() + zeroCodes.GetLower().GetLower()).Store(codes + i);
            }
        }
        if (Vector128.IsHardwareAccelerated)
        {
            var r = Vector128.Create(reciprocal);
            var low = Vector128.Create((float)-zero);
            var high = Vector128.Create((float)(Int8Kernels.MaxCode - zero));
            var z = Vector128.Create(zero);
            for (; i + 16 <= x.Length; i += 16)
            {
                var a = Code(Vector128.Create(x.Slice(i, 4)), r, low, high, z);
                var b = Code(Vector128.Create(x.Slice(i + 4, 4)), r, low, high, z);
                var c = Code(Vector128.Create(x.Slice(i + 8, 4)), r, low, high, z);
                var d = Code(Vector128.Create(x.Slice(i + 12, 4)), r, low, high, z);
                var bytes = Vector128.Narrow(
                    Vector128.Narrow(a, b).AsUInt16(), Vector128.Narrow(c, d).AsUInt16());
                bytes.Store(codes + i);
            }
        }
        for (; i < x.Length; i++)
        {
            float v = MathF.Round(x[i] * reciprocal, MidpointRounding.ToEven);
            if (float.IsNaN(v)) v = 0;
            v = Math.Min(Math.Max(v, -zero), Int8Kernels.MaxCode - zero);
            codes[i] = (byte)((int)v + zero);
        }
    }

    /// <summary>
    /// The codes minus the zero point, from −zero to 127 − zero: NaN becomes 0 (<c>vfixupimmps</c>: quiet and signalling
    /// NaN to +0, everything else kept), the clamp to those whole bounds comes before the rounding (which commutes with
    /// it), and the conversion rounds to nearest, ties to even.
    /// </summary>
    private static Vector512<int> Centred(Vector512<float> x, Vector512<float> reciprocal, Vector512<float> low, Vector512<float> high)
    {
        var v = x * reciprocal;
        v = Avx512F.Fixup(v, v, Vector512.Create(0x88), 0);
        v = Avx512F.Min(Avx512F.Max(v, low), high);
        return Avx512F.ConvertToVector512Int32(v, FloatRoundingMode.ToEven);
    }

    private static Vector128<int> Code(Vector128<float> x, Vector128<float> reciprocal,
        Vector128<float> low, Vector128<float> high, Vector128<int> zero)
    {
        var v = Vector128.Round(x * reciprocal);
        v = Vector128.ConditionalSelect(Vector128.Equals(v, v), v, Vector128<float>.Zero);
        // NaN is gone and v is a whole number, so the native min, max and conversion give the scalar loop's integers.
        v = Vector128.MinNative(Vector128.MaxNative(v, low), high);
        return Vector128.ConvertToInt32Native(v) + zero;
    }

    /// <summary>Per-thread buffers for one sample's convolution and pooling layers.</summary>
    private sealed class SpatialScratch
    {
        [ThreadStatic] private static SpatialScratch? s_current;

        public byte[] CodesA = [], CodesB = [], Patches = [];
        public int[] Sums = [];

        public static SpatialScratch For(int codeBytes, int patchBytes, int sums)
        {
            SpatialScratch scratch = s_current ??= new SpatialScratch();
            if (scratch.CodesA.Length < codeBytes)
            {
                scratch.CodesA = new byte[codeBytes];
                scratch.CodesB = new byte[codeBytes];
            }
            if (scratch.Patches.Length < patchBytes) scratch.Patches = new byte[patchBytes];
            if (scratch.Sums.Length < sums) scratch.Sums = new int[sums];
            return scratch;
        }
    }

    /// <summary>Per-thread buffers for one tile of samples.</summary>
    private sealed class Scratch
    {
        [ThreadStatic] private static Scratch? s_current;

        public byte[] CodesA = [], CodesB = [];
        public int[] Sums = [];

        public static Scratch For(int codeStride, int sumStride)
        {
            Scratch scratch = s_current ??= new Scratch();
            if (scratch.CodesA.Length < Tile * codeStride)
            {
                scratch.CodesA = new byte[Tile * codeStride];
                scratch.CodesB = new byte[Tile * codeStride];
            }
            if (scratch.Sums.Length < Tile * sumStride) scratch.Sums = new int[Tile * sumStride];
            return scratch;
        }
    }
}
