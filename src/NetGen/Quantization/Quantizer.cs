using NetGen.Reference;

namespace NetGen.Quantization;

/// <summary>
/// Post-training quantization (<see cref="INetwork.Quantize"/>): runs the calibration samples through the float
/// network in double precision, records each layer's activation range, and derives every scale, code and multiplier.
/// </summary>
/// <remarks>
/// <para><b>Activations</b> (the input, and each hidden layer's output) are asymmetric 7-bit codes, 0 to
/// <see cref="Int8Kernels.MaxCode"/> (127), held in bytes: the range is the calibration minimum and maximum, widened to
/// include 0 (so 0 has an exact code), split into 127 steps: <c>scale = (max − min) / 127</c>,
/// <c>zeroPoint = round(−min / scale)</c>. ReLU outputs get zero point 0 and all 128 codes for non-negative values.
/// Seven bits rather than eight let x86 without VNNI multiply with <c>pmaddubsw</c>, whose int16 pair sums cannot
/// saturate for codes up to 127 (see <see cref="Int8Kernels"/>); an activation's rounding error is half a step, twice
/// that of 8-bit codes. A range narrower than <see cref="MinimumRange"/> (a layer whose activations are all 0) gets
/// scale 1 and zero point 0.</para>
/// <para><b>Weights</b> are symmetric per output channel, 129 levels held as int8: <c>scale = max|w| / 64</c>, codes
/// <c>round(w / scale)</c> in [−64, 64] (an all-zero row gets scale 1); the bound lets the x86 kernels add two steps'
/// <c>pmaddubsw</c> sums in int16 exactly (see <see cref="Int8Kernels"/>), and it doubles a weight's rounding error
/// against the full int8 range. <b>Biases</b> are int32 in units of
/// input scale × weight scale, limited to ±2^30 so that no accumulator can overflow (see <see cref="MaxInputs"/>).
/// Rounding here is to nearest, ties to even.</para>
/// <para><b>Hidden activations</b>: Identity, ReLU and LeakyReLU requantize linearly (a multiplier per channel and
/// sign); Step, Sigmoid, Tanh and ELU go through a 256-entry table indexed by an 8-bit pre-activation code (255 steps
/// over the calibration range of the layer's pre-activations) whose entries are 7-bit output codes; Maxout requantizes each piece and keeps the largest code.</para>
/// <para><b>Convolutional networks</b> (<see cref="FoldedLayers"/>): dropout is dropped and each BatchNorm folded into the
/// Dense or Conv2D layer before it; a convolution's weights, biases and requantization are a Dense layer's over one
/// patch, its ranges taken over every position; pooling layers keep their input's scale and zero point. Calibration
/// runs the folded layers in double precision.</para>
/// </remarks>
internal static class Quantizer
{
    /// <summary>Ranges narrower than this count as zero ranges.</summary>
    public const double MinimumRange = 1e-20;

    /// <summary>The most inputs a layer may have: 16,384 · 127 · 64 + 2^30 &lt; 2^31 (and the raw sums the kernels form stay below 2^31 too), so no int32 accumulator overflows.</summary>
    public const int MaxInputs = 16_384;

    public const int MaxBias = 1 << 30;

    public static QuantizedNetwork Quantize(INetwork network, ReadOnlySpan<float> inputs, int samples)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1, nameof(samples));
        int n = network.InputSize;
        if (inputs.Length != (long)samples * n)
            throw new ArgumentException($"The calibration inputs have {inputs.Length} values; {samples} samples of {n} take {(long)samples * n}.", nameof(inputs));
        for (int i = 0; i < inputs.Length; i++)
            if (!float.IsFinite(inputs[i]))
                throw new ArgumentException($"Calibration sample {i / n} has {inputs[i]} at feature {i % n}; calibration needs finite values.", nameof(inputs));

        Topology topology = Topology.Of(network);
        var layers = FoldedLayers.Of(topology, network.Parameters, network.RunningStatistics);
        if (layers[^1].Kind is not (ReferenceLayerKind.Dense or ReferenceLayerKind.Maxout))
            throw new NotSupportedException($"Layer {layers[^1].Position} is {layers[^1].Kind}, the last layer; int8 networks end with a Dense or Maxout layer, whose outputs are computed in float.");
        var ranges = Calibrate(layers, inputs, samples);

        var quantized = new QuantizedLayer[layers.Length];
        var (inputScale, inputZero) = Activations(ranges.Outputs[0], Int8Kernels.MaxCode);
        for (int l = 0; l < layers.Length; l++)
        {
            var layer = layers[l];
            if (layer.IsPool)
            {
                // Codes pass through pooling with their scale: the window's largest code, or its mean code rounded.
                quantized[l] = new QuantizedLayer(layer.Kind, Activation.Identity, 0, layer.Units, 1, layer.KernelSize * layer.KernelSize,
                    inputScale, inputZero, Requantization.Linear, inputScale, inputZero, 0, 0, [], [], [], [], [], [])
                {
                    InputShape = layer.Input, KernelSize = layer.KernelSize, Stride = layer.Stride,
                };
                continue;
            }
            int width = layer.RowLength;
            if (width > MaxInputs)
                throw new NotSupportedException($"Layer {layer.Position} has {width} inputs{(layer.Kind == ReferenceLayerKind.Conv2D ? " per output (input channels × kernel size²)" : "")}; int8 layers take at most {MaxInputs}, so that no int32 accumulator can overflow.");
            int channels = layer.Channels;
            var weights = new sbyte[channels * width];
            var weightScales = new float[channels];
            var biases = new int[channels];
            for (int j = 0; j < channels; j++)
            {
                ReadOnlySpan<double> row = layer.Weights.AsSpan(j * width, width);
                double largest = 0;
                foreach (double w in row) largest = Math.Max(largest, Math.Abs(w));
                float scale = largest < MinimumRange ? 1f : (float)(largest / Int8Kernels.MaxWeight);
                weightScales[j] = scale;
                for (int i = 0; i < width; i++) weights[j * width + i] = (sbyte)Math.Clamp(Math.Round(row[i] / scale, MidpointRounding.ToEven), -Int8Kernels.MaxWeight, Int8Kernels.MaxWeight);
                double bias = Math.Round(layer.Biases[j] / ((double)inputScale * scale), MidpointRounding.ToEven);
                biases[j] = (int)Math.Clamp(bias, -MaxBias, MaxBias);
            }

            float alpha = (float)layer.Alpha;
            QuantizedLayer built;
            if (l == layers.Length - 1)
            {
                built = new QuantizedLayer(layer.Kind, layer.Activation, alpha, layer.Units, layer.Pieces, width, inputScale, inputZero,
                    Requantization.Float, 0, 0, 0, 0, [], weights, weightScales, biases, [], []);
            }
            else
            {
                var (outputScale, outputZero) = Activations(ranges.Outputs[l + 1], Int8Kernels.MaxCode);
                var positive = new FixedPointMultiplier[channels];
                var negative = new FixedPointMultiplier[channels];
                bool table = layer.Kind != ReferenceLayerKind.Maxout && layer.Activation is Activation.Step or Activation.Sigmoid or Activation.Tanh or Activation.ELU;
                if (layer.Kind != ReferenceLayerKind.Maxout && layer.Activation == Activation.Softmax)
                    throw new NotSupportedException($"Layer {layer.Position} is a hidden softmax layer; softmax is only valid on the last layer.");
                var (tableScale, tableZero) = table ? Activations(ranges.PreActivations[l], TableCodes) : (0f, 0);
                float target = table ? tableScale : outputScale;
                for (int j = 0; j < channels; j++)
                {
                    double factor = (double)inputScale * weightScales[j] / target;
                    positive[j] = FixedPointMultiplier.From(factor);
                    negative[j] = table || layer.Kind == ReferenceLayerKind.Maxout ? positive[j] : layer.Activation switch
                    {
                        Activation.ReLU => FixedPointMultiplier.From(0),
                        Activation.LeakyReLU => FixedPointMultiplier.From(layer.Alpha * factor),
                        _ => positive[j],
                    };
                }
                byte[] codes = table ? Table(layer.Activation, layer.Alpha, tableScale, tableZero, outputScale, outputZero) : [];
                built = new QuantizedLayer(layer.Kind, layer.Activation, alpha, layer.Units, layer.Pieces, width, inputScale, inputZero,
                    table ? Requantization.Table : Requantization.Linear, outputScale, outputZero, tableScale, tableZero, codes,
                    weights, weightScales, biases, positive, negative);
                (inputScale, inputZero) = (outputScale, outputZero);
            }
            quantized[l] = layer.Kind == ReferenceLayerKind.Conv2D
                ? new QuantizedLayer(built) { InputShape = layer.Input, KernelSize = layer.KernelSize, Stride = layer.Stride, Padding = layer.Padding }
                : built;
        }
        return new QuantizedNetwork(network.Architecture, network.Loss, topology.InputSize, quantized);
    }

    /// <summary>The largest pre-activation code of a table layer: tables have 256 entries.</summary>
    public const int TableCodes = 255;

    /// <summary>The scale and zero point of codes 0 to <paramref name="levels"/> for values in [min, max] (widened to include 0).</summary>
    public static (float Scale, int ZeroPoint) Activations((double Min, double Max) range, int levels)
    {
        double low = Math.Min(range.Min, 0), high = Math.Max(range.Max, 0);
        if (high - low < MinimumRange) return (1f, 0);
        float scale = (float)((high - low) / levels);
        int zero = (int)Math.Clamp(Math.Round(-low / scale, MidpointRounding.ToEven), 0, levels);
        return (scale, zero);
    }

    /// <summary>Output code per pre-activation code: f((p − zero)·scale) quantized with the output scale.</summary>
    private static byte[] Table(Activation activation, double alpha, float scale, int zero, float outputScale, int outputZero)
    {
        var table = new byte[TableCodes + 1];
        for (int p = 0; p <= TableCodes; p++)
        {
            double v = (double)(p - zero) * scale;
            double y = activation switch
            {
                Activation.Step => v >= 0 ? 1.0 : 0.0,
                Activation.Sigmoid => 1 / (1 + Math.Exp(-v)),
                Activation.Tanh => Math.Tanh(v),
                _ => v >= 0 ? v : alpha * (Math.Exp(v) - 1), // ELU
            };
            table[p] = (byte)Math.Clamp(Math.Round(y / outputScale, MidpointRounding.ToEven) + outputZero, 0, Int8Kernels.MaxCode);
        }
        return table;
    }

    private sealed record Ranges((double Min, double Max)[] Outputs, (double Min, double Max)[] PreActivations);

    /// <summary>
    /// Outputs[0] is the input range, Outputs[l + 1] the range of layer l's outputs (a pooling layer's is its input's),
    /// PreActivations[l] of its pre-activations (layers with weights).
    /// </summary>
    private static Ranges Calibrate(FoldedLayer[] layers, ReadOnlySpan<float> inputs, int samples)
    {
        var outputs = new (double Min, double Max)[layers.Length + 1];
        var pre = new (double Min, double Max)[layers.Length];
        for (int l = 0; l <= layers.Length; l++) outputs[l] = (double.PositiveInfinity, double.NegativeInfinity);
        for (int l = 0; l < layers.Length; l++) pre[l] = (double.PositiveInfinity, double.NegativeInfinity);
        int inputSize = layers[0].Input.Size;
        int widest = Math.Max(inputSize, layers.Max(l => Math.Max(l.Output.Size, l.Channels * l.Output.Height * l.Output.Width)));
        double[] x = new double[widest], z = new double[widest];
        for (int s = 0; s < samples; s++)
        {
            for (int i = 0; i < inputSize; i++)
            {
                x[i] = inputs[s * inputSize + i];
                Widen(ref outputs[0], x[i]);
            }
            for (int l = 0; l < layers.Length; l++)
            {
                var layer = layers[l];
                if (layer.IsPool)
                {
                    Pool(layer, x, z);
                    (x, z) = (z, x);
                    outputs[l + 1] = outputs[l];
                    continue;
                }
                int count = layer.Kind == ReferenceLayerKind.Conv2D ? layer.Output.Size : layer.Channels;
                if (layer.Kind == ReferenceLayerKind.Conv2D) Convolve(layer, x, z);
                else
                {
                    int width = layer.Input.Size;
                    for (int j = 0; j < count; j++)
                    {
                        double sum = layer.Biases[j];
                        int row = j * width;
                        for (int i = 0; i < width; i++) sum += layer.Weights[row + i] * x[i];
                        z[j] = sum;
                    }
                }
                for (int j = 0; j < count; j++) Widen(ref pre[l], z[j]);
                Activate(layer, z, x);
                for (int u = 0; u < layer.Output.Size; u++) Widen(ref outputs[l + 1], x[u]);
            }
        }
        return new Ranges(outputs, pre);
    }

    /// <summary>z[f, y, x] = b[f] + Σ W[f, c, i, j] · in[c, y·s + i − p, x·s + j − p], zero outside the input.</summary>
    private static void Convolve(FoldedLayer layer, double[] x, double[] z)
    {
        SampleShape input = layer.Input, output = layer.Output;
        int k = layer.KernelSize, area = output.Height * output.Width;
        for (int f = 0; f < output.Channels; f++)
        {
            Span<double> plane = z.AsSpan(f * area, area);
            plane.Fill(layer.Biases[f]);
            for (int c = 0; c < input.Channels; c++)
                for (int i = 0; i < k; i++)
                    for (int j = 0; j < k; j++)
                    {
                        double w = layer.Weights[((f * input.Channels + c) * k + i) * k + j];
                        if (w == 0) continue;
                        for (int oy = 0; oy < output.Height; oy++)
                        {
                            int iy = oy * layer.Stride + i - layer.Padding;
                            if (iy < 0 || iy >= input.Height) continue;
                            int rowIn = (c * input.Height + iy) * input.Width, rowOut = oy * output.Width;
                            for (int ox = 0; ox < output.Width; ox++)
                            {
                                int ix = ox * layer.Stride + j - layer.Padding;
                                if (ix >= 0 && ix < input.Width) plane[rowOut + ox] += w * x[rowIn + ix];
                            }
                        }
                    }
        }
    }

    private static void Pool(FoldedLayer layer, double[] x, double[] a)
    {
        SampleShape input = layer.Input, output = layer.Output;
        int k = layer.KernelSize;
        for (int c = 0; c < output.Channels; c++)
            for (int oy = 0; oy < output.Height; oy++)
                for (int ox = 0; ox < output.Width; ox++)
                {
                    double best = double.NegativeInfinity, sum = 0;
                    for (int i = 0; i < k; i++)
                        for (int j = 0; j < k; j++)
                        {
                            double v = x[(c * input.Height + oy * layer.Stride + i) * input.Width + ox * layer.Stride + j];
                            best = Math.Max(best, v);
                            sum += v;
                        }
                    a[(c * output.Height + oy) * output.Width + ox] = layer.Kind == ReferenceLayerKind.MaxPool2D ? best : sum / (k * k);
                }
    }

    /// <summary>The layer's outputs from its pre-activations, as <see cref="ReferenceNetwork"/> computes them.</summary>
    private static void Activate(FoldedLayer layer, double[] z, double[] a)
    {
        if (layer.Kind == ReferenceLayerKind.Maxout)
        {
            for (int u = 0; u < layer.Units; u++)
            {
                double best = z[u * layer.Pieces];
                for (int k = 1; k < layer.Pieces; k++) best = Math.Max(best, z[u * layer.Pieces + k]);
                a[u] = best;
            }
            return;
        }
        int n = layer.Output.Size;
        if (layer.Activation == Activation.Softmax)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int u = 0; u < n; u++) max = Math.Max(max, z[u]);
            for (int u = 0; u < n; u++) sum += a[u] = Math.Exp(z[u] - max);
            for (int u = 0; u < n; u++) a[u] /= sum;
            return;
        }
        var activation = ReferenceLayer.Dense(1, layer.Activation, layer.Alpha);
        for (int u = 0; u < n; u++)
            a[u] = ReferenceNetwork.Activate(activation, z[u]);
    }

    private static void Widen(ref (double Min, double Max) range, double value)
    {
        if (!double.IsFinite(value)) throw new ArgumentException($"The float network produced {value} on the calibration data; it cannot be quantized.");
        range = (Math.Min(range.Min, value), Math.Max(range.Max, value));
    }
}
