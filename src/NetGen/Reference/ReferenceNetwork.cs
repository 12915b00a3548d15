namespace NetGen.Reference;

/// <summary>
/// The oracle for generated networks: the same mathematics written as plain loops in double precision, with the
/// same public parameter layout. Slow on purpose and independent of the generator and of the SIMD kernels.
/// </summary>
/// <remarks>
/// Convolutional networks: Conv2D is PyTorch's <c>Conv2d</c> (a cross-correlation with zero padding); MaxPool2D routes
/// each window's gradient to its maximum, to the first one in row-major order on a tie; AvgPool2D spreads it evenly;
/// BatchNorm normalizes with the batch's statistics in <see cref="ComputeGradients(ReadOnlySpan{double}, Span{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, int, Span{double}, Span{double}, Func{int, int, int, double}?)"/>
/// (the biased variance) and updates the running statistics there as PyTorch does (momentum m, the unbiased variance):
/// <c>running = (1 − m) · running + m · batch</c>; <see cref="Forward(ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double})"/>
/// normalizes with the running statistics. The running statistics are one flat span, per BatchNorm layer in order its
/// mean [C] then its variance [C].
/// </remarks>
public sealed class ReferenceNetwork
{
    private readonly ReferenceLayer[] _layers;
    private readonly SampleShape[] _shapes; // _shapes[l] is layer l's input, _shapes[l + 1] its output
    private readonly int[] _offsets;
    private readonly int[] _statisticsOffsets;

    /// <summary>Creates the reference for a network with the given flat input size, layers and loss.</summary>
    public ReferenceNetwork(int inputSize, IReadOnlyList<ReferenceLayer> layers, LossFunction loss)
        : this(SampleShape.Flat(inputSize), image: false, layers, loss)
    {
    }

    /// <summary>Creates the reference for a network whose input is an image of channels × height × width values.</summary>
    /// <exception cref="ArgumentException">A layer cannot run on the shape it receives; the message names it.</exception>
    public ReferenceNetwork(SampleShape inputShape, IReadOnlyList<ReferenceLayer> layers, LossFunction loss)
        : this(inputShape, image: true, layers, loss)
    {
    }

    /// <summary>Creates the reference for a parsed topology.</summary>
    public ReferenceNetwork(Topology topology)
        : this(InputOf(topology), topology.InputShape is not null, topology.Layers, topology.Loss)
    {
    }

    private static SampleShape InputOf(Topology topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        return topology.InputShape ?? SampleShape.Flat(topology.InputSize);
    }

    private ReferenceNetwork(SampleShape input, bool image, IReadOnlyList<ReferenceLayer> layers, LossFunction loss)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(input.Channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(input.Height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(input.Width);
        if (layers.Count == 0) throw new ArgumentException("A network needs at least one layer.", nameof(layers));
        InputShape = input;
        _layers = layers.ToArray();
        Loss = loss;
        _shapes = new SampleShape[_layers.Length + 1];
        _offsets = new int[_layers.Length];
        _statisticsOffsets = new int[_layers.Length];
        _shapes[0] = input;
        bool afterLayer = false;
        for (int l = 0; l < _layers.Length; l++)
        {
            var layer = _layers[l];
            if (layer.IsSpatial && !image)
                throw new ArgumentException($"Layer {l} ({layer.Kind}) needs a channels × height × width input, but it receives a flat vector.", nameof(layers));
            if (layer.Kind == ReferenceLayerKind.BatchNorm && !afterLayer)
                throw new ArgumentException($"Layer {l} (BatchNorm) would normalize the network's input; it needs a layer before it.", nameof(layers));
            try
            {
                _shapes[l + 1] = layer.OutputShape(_shapes[l]);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"Layer {l}: {e.Message}", nameof(layers), e);
            }
            _offsets[l] = ParameterCount;
            _statisticsOffsets[l] = RunningStatisticsCount;
            ParameterCount += layer.ParameterCount(_shapes[l]);
            RunningStatisticsCount += layer.RunningStatisticsCount(_shapes[l]);
            if (layer.Kind is ReferenceLayerKind.Dense or ReferenceLayerKind.Maxout) image = false;
            if (layer.Kind != ReferenceLayerKind.Dropout) afterLayer = true;
        }
        OutputSize = _shapes[^1].Size;
    }

    /// <summary>The number of inputs.</summary>
    public int InputSize => InputShape.Size;

    /// <summary>The input's shape (n × 1 × 1 for a flat input).</summary>
    public SampleShape InputShape { get; }

    /// <summary>Each layer's output shape, in order (n × 1 × 1 for a flat output).</summary>
    public IReadOnlyList<SampleShape> OutputShapes => _shapes[1..];

    /// <summary>The number of outputs.</summary>
    public int OutputSize { get; }

    /// <summary>The number of parameters.</summary>
    public int ParameterCount { get; }

    /// <summary>The length of the running statistics: per BatchNorm layer its mean [C] then its variance [C].</summary>
    public int RunningStatisticsCount { get; }

    /// <summary>The loss.</summary>
    public LossFunction Loss { get; }

    /// <summary>Sets running statistics to PyTorch's initial values: every mean 0, every variance 1.</summary>
    public void ResetRunningStatistics(Span<double> runningStatistics)
    {
        CheckLength(runningStatistics.Length, RunningStatisticsCount, nameof(runningStatistics));
        for (int l = 0; l < _layers.Length; l++)
        {
            if (_layers[l].Kind != ReferenceLayerKind.BatchNorm) continue;
            int channels = _shapes[l].Channels, at = _statisticsOffsets[l];
            runningStatistics.Slice(at, channels).Clear();
            runningStatistics.Slice(at + channels, channels).Fill(1.0);
        }
    }

    /// <summary>Runs one sample at inference (dropout is the identity) of a network without BatchNorm.</summary>
    public double[] Forward(ReadOnlySpan<double> parameters, ReadOnlySpan<double> input)
    {
        RequireNoBatchNorm();
        return Forward(parameters, ReadOnlySpan<double>.Empty, input);
    }

    /// <summary>Runs one sample at inference: dropout is the identity and BatchNorm uses <paramref name="runningStatistics"/>.</summary>
    public double[] Forward(ReadOnlySpan<double> parameters, ReadOnlySpan<double> runningStatistics, ReadOnlySpan<double> input)
    {
        CheckLength(runningStatistics.Length, RunningStatisticsCount, nameof(runningStatistics));
        return Run(parameters, runningStatistics, [input.ToArray()], mask: null, training: false).Activations[^1][0];
    }

    /// <summary>
    /// Runs a batch of <paramref name="batchSize"/> samples and returns their outputs one after the other. In training mode
    /// (a PyTorch module after <c>train()</c>) BatchNorm normalizes with the batch's statistics and updates
    /// <paramref name="runningStatistics"/>; otherwise it uses them. Dropout is the identity in both.
    /// </summary>
    public double[] Forward(ReadOnlySpan<double> parameters, Span<double> runningStatistics, ReadOnlySpan<double> inputs, int batchSize, bool training)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        CheckAtLeast(parameters.Length, ParameterCount, nameof(parameters));
        CheckLength(runningStatistics.Length, RunningStatisticsCount, nameof(runningStatistics));
        CheckAtLeast(inputs.Length, batchSize * InputSize, nameof(inputs));
        var batch = new double[batchSize][];
        for (int s = 0; s < batchSize; s++) batch[s] = inputs.Slice(s * InputSize, InputSize).ToArray();
        var trace = Run(parameters, runningStatistics, batch, mask: null, training);
        if (training) UpdateRunningStatistics(trace, runningStatistics);
        return trace.Activations[^1].SelectMany(a => a).ToArray();
    }

    /// <summary>
    /// Runs one sample as in training, each dropout layer multiplying value <c>i</c> by
    /// <paramref name="dropoutMask"/>(layer, 0, i); tests use it to follow a mask recovered from a generated network.
    /// </summary>
    public double[] Forward(ReadOnlySpan<double> parameters, ReadOnlySpan<double> input, Func<int, int, int, double> dropoutMask)
    {
        RequireNoBatchNorm();
        return Run(parameters, ReadOnlySpan<double>.Empty, [input.ToArray()], dropoutMask, training: true).Activations[^1][0];
    }

    /// <summary>
    /// Mean loss over the batch and its gradient with respect to the parameters (written to <paramref name="gradients"/>)
    /// of a network without BatchNorm. <paramref name="dropoutMask"/>(layer, sample, index) gives the multiplier of each
    /// dropped value; without it, dropout is the identity.
    /// </summary>
    public double ComputeGradients(ReadOnlySpan<double> parameters, ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets,
        int batchSize, Span<double> gradients, Func<int, int, int, double>? dropoutMask = null)
    {
        RequireNoBatchNorm();
        return ComputeGradients(parameters, Span<double>.Empty, inputs, targets, batchSize, gradients, Span<double>.Empty, dropoutMask);
    }

    /// <summary>
    /// Mean loss over the batch in training mode and its gradient with respect to the parameters (written to
    /// <paramref name="gradients"/>) and, when <paramref name="inputGradients"/> is not empty, to the inputs
    /// ([batch × inputs]). BatchNorm layers normalize with the batch's statistics and update
    /// <paramref name="runningStatistics"/> once.
    /// </summary>
    public double ComputeGradients(ReadOnlySpan<double> parameters, Span<double> runningStatistics, ReadOnlySpan<double> inputs,
        ReadOnlySpan<double> targets, int batchSize, Span<double> gradients, Span<double> inputGradients = default,
        Func<int, int, int, double>? dropoutMask = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        CheckAtLeast(parameters.Length, ParameterCount, nameof(parameters));
        CheckLength(runningStatistics.Length, RunningStatisticsCount, nameof(runningStatistics));
        CheckAtLeast(inputs.Length, batchSize * InputSize, nameof(inputs));
        CheckAtLeast(targets.Length, batchSize * OutputSize, nameof(targets));
        CheckAtLeast(gradients.Length, ParameterCount, nameof(gradients));
        if (!inputGradients.IsEmpty) CheckLength(inputGradients.Length, batchSize * InputSize, nameof(inputGradients));

        var batch = new double[batchSize][];
        for (int s = 0; s < batchSize; s++) batch[s] = inputs.Slice(s * InputSize, InputSize).ToArray();
        var trace = Run(parameters, runningStatistics, batch, dropoutMask, training: true);
        UpdateRunningStatistics(trace, runningStatistics);

        gradients.Clear();
        double loss = 0;
        var delta = new double[batchSize][]; // dL/dz of the last layer (dL/da for the kinds without an activation)
        for (int s = 0; s < batchSize; s++)
            delta[s] = LossDelta(trace.PreActivations[^1][s], trace.Activations[^1][s], targets.Slice(s * OutputSize, OutputSize), batchSize, ref loss);
        double[][] dx = Backward(parameters, trace, delta, gradients);
        for (int s = 0; s < batchSize && !inputGradients.IsEmpty; s++)
            dx[s].CopyTo(inputGradients.Slice(s * InputSize, InputSize));
        return loss;
    }

    /// <summary>One sample's share of the loss (added to <paramref name="loss"/>) and dL/dz of the last layer.</summary>
    private double[] LossDelta(double[] z, double[] a, ReadOnlySpan<double> y, int batchSize, ref double loss)
    {
        int elements = batchSize * OutputSize;
        double[] delta = new double[OutputSize];
        switch (Loss)
        {
            case LossFunction.MeanSquaredError:
                var dA = new double[OutputSize];
                for (int k = 0; k < OutputSize; k++)
                {
                    loss += (a[k] - y[k]) * (a[k] - y[k]) / elements;
                    dA[k] = 2 * (a[k] - y[k]) / elements;
                }
                return ActivationBackward(_layers[^1], z, a, dA);
            case LossFunction.BinaryCrossEntropy:
                for (int k = 0; k < OutputSize; k++)
                {
                    // −[y·log σ(z) + (1 − y)·log(1 − σ(z))] with log σ(z) = −softplus(−z), log(1 − σ(z)) = −softplus(z)
                    loss += (y[k] * Softplus(-z[k]) + (1 - y[k]) * Softplus(z[k])) / elements;
                    delta[k] = (a[k] - y[k]) / elements;
                }
                return delta;
            default:
                double max = z.Max(), lse = max + Math.Log(z.Sum(v => Math.Exp(v - max))), ySum = 0;
                for (int k = 0; k < OutputSize; k++) ySum += y[k];
                for (int k = 0; k < OutputSize; k++)
                {
                    loss += -y[k] * (z[k] - lse) / batchSize;
                    delta[k] = (a[k] * ySum - y[k]) / batchSize;
                }
                return delta;
        }
    }

    /// <summary>
    /// What the forward pass keeps for the backward pass, per layer and sample: inputs and outputs (Activations[l] is
    /// layer l's input), pre-activations, the winners of maxout and max pooling, dropout masks; per BatchNorm layer the
    /// normalized values and the statistics it used.
    /// </summary>
    private sealed record Trace(double[][][] Activations, double[][][] PreActivations, int[][][] Winners, double[][][] Masks,
        double[][][] Normalized, double[][] Means, double[][] Variances);

    private Trace Run(ReadOnlySpan<double> p, ReadOnlySpan<double> statistics, double[][] batch, Func<int, int, int, double>? mask, bool training)
    {
        int n = _layers.Length, b = batch.Length;
        var acts = new double[n + 1][][];
        var pre = new double[n][][];
        var winners = new int[n][][];
        var masks = new double[n][][];
        var normalized = new double[n][][];
        var means = new double[n][];
        var variances = new double[n][];
        acts[0] = batch;
        for (int l = 0; l < n; l++)
        {
            var layer = _layers[l];
            SampleShape input = _shapes[l], output = _shapes[l + 1];
            double[][] x = acts[l];
            pre[l] = new double[b][];
            winners[l] = new int[b][];
            masks[l] = new double[b][];
            if (layer.Kind == ReferenceLayerKind.BatchNorm)
            {
                (normalized[l], means[l], variances[l], pre[l]) = BatchNormForward(p, statistics, l, x, training);
                acts[l + 1] = pre[l].Select(z => Activate(layer, z)).ToArray();
                continue;
            }
            acts[l + 1] = new double[b][];
            for (int s = 0; s < b; s++)
            {
                switch (layer.Kind)
                {
                    case ReferenceLayerKind.Dropout:
                        masks[l][s] = new double[input.Size];
                        for (int i = 0; i < input.Size; i++) masks[l][s][i] = mask?.Invoke(l, s, i) ?? 1.0;
                        pre[l][s] = x[s];
                        acts[l + 1][s] = x[s].Select((v, i) => v * masks[l][s][i]).ToArray();
                        break;
                    case ReferenceLayerKind.Conv2D:
                        pre[l][s] = ConvolutionForward(p, _offsets[l], layer, input, output, x[s]);
                        acts[l + 1][s] = Activate(layer, pre[l][s]);
                        break;
                    case ReferenceLayerKind.MaxPool2D:
                    case ReferenceLayerKind.AvgPool2D:
                        (acts[l + 1][s], winners[l][s]) = PoolForward(layer, input, output, x[s]);
                        pre[l][s] = acts[l + 1][s];
                        break;
                    default:
                        (pre[l][s], acts[l + 1][s], winners[l][s]) = AffineForward(p, _offsets[l], layer, x[s]);
                        break;
                }
            }
        }
        return new Trace(acts, pre, winners, masks, normalized, means, variances);
    }

    /// <summary>A Dense or Maxout layer on one sample: pre-activations, outputs and (maxout) the winning pieces.</summary>
    private static (double[] Z, double[] A, int[] Winners) AffineForward(ReadOnlySpan<double> p, int offset, ReferenceLayer layer, double[] x)
    {
        int inputs = x.Length, outs = layer.Units * layer.Pieces, biasOffset = offset + outs * inputs;
        var z = new double[outs];
        for (int j = 0; j < outs; j++)
        {
            double sum = p[biasOffset + j];
            for (int i = 0; i < inputs; i++) sum += p[offset + j * inputs + i] * x[i];
            z[j] = sum;
        }
        if (layer.Kind != ReferenceLayerKind.Maxout) return (z, Activate(layer, z), []);
        var winners = new int[layer.Units];
        var a = new double[layer.Units];
        for (int u = 0; u < layer.Units; u++)
        {
            int best = 0;
            for (int k = 1; k < layer.Pieces; k++)
                if (z[u * layer.Pieces + k] > z[u * layer.Pieces + best]) best = k;
            winners[u] = best;
            a[u] = z[u * layer.Pieces + best];
        }
        return (z, a, winners);
    }

    /// <summary>z[f, y, x] = b[f] + Σ_c Σ_i Σ_j W[f, c, i, j] · in[c, y·s + i − p, x·s + j − p], zero outside the input.</summary>
    private static double[] ConvolutionForward(ReadOnlySpan<double> p, int offset, ReferenceLayer layer, SampleShape input, SampleShape output, double[] x)
    {
        int k = layer.KernelSize, biasOffset = offset + output.Channels * input.Channels * k * k;
        var z = new double[output.Size];
        for (int f = 0; f < output.Channels; f++)
            for (int oy = 0; oy < output.Height; oy++)
                for (int ox = 0; ox < output.Width; ox++)
                {
                    double sum = p[biasOffset + f];
                    for (int c = 0; c < input.Channels; c++)
                        for (int i = 0; i < k; i++)
                            for (int j = 0; j < k; j++)
                            {
                                int iy = oy * layer.Stride + i - layer.Padding, ix = ox * layer.Stride + j - layer.Padding;
                                if (iy < 0 || iy >= input.Height || ix < 0 || ix >= input.Width) continue;
                                sum += p[offset + ((f * input.Channels + c) * k + i) * k + j] * x[(c * input.Height + iy) * input.Width + ix];
                            }
                    z[(f * output.Height + oy) * output.Width + ox] = sum;
                }
        return z;
    }

    /// <summary>Max or average pooling of one sample; for max pooling, the input index of each window's first maximum.</summary>
    private static (double[] A, int[] Winners) PoolForward(ReferenceLayer layer, SampleShape input, SampleShape output, double[] x)
    {
        int k = layer.KernelSize;
        var a = new double[output.Size];
        var winners = layer.Kind == ReferenceLayerKind.MaxPool2D ? new int[output.Size] : [];
        for (int c = 0; c < output.Channels; c++)
            for (int oy = 0; oy < output.Height; oy++)
                for (int ox = 0; ox < output.Width; ox++)
                {
                    int o = (c * output.Height + oy) * output.Width + ox, best = -1;
                    double sum = 0;
                    for (int i = 0; i < k; i++)
                        for (int j = 0; j < k; j++)
                        {
                            int at = (c * input.Height + oy * layer.Stride + i) * input.Width + ox * layer.Stride + j;
                            sum += x[at];
                            if (best < 0 || x[at] > x[best]) best = at; // strictly greater: the first maximum wins a tie
                        }
                    if (layer.Kind == ReferenceLayerKind.MaxPool2D)
                    {
                        a[o] = x[best];
                        winners[o] = best;
                    }
                    else
                        a[o] = sum / (k * k);
                }
        return (a, winners);
    }

    /// <summary>
    /// BatchNorm over the batch: per channel, the mean and biased variance over samples, rows and columns in training,
    /// the running ones at inference; returns the normalized values, the statistics used and z = γ·x̂ + β.
    /// </summary>
    private (double[][] Normalized, double[] Mean, double[] Variance, double[][] Z) BatchNormForward(ReadOnlySpan<double> p, ReadOnlySpan<double> statistics,
        int l, double[][] x, bool training)
    {
        var layer = _layers[l];
        var shape = _shapes[l];
        int channels = shape.Channels, area = shape.Height * shape.Width, b = x.Length;
        var mean = new double[channels];
        var variance = new double[channels];
        if (training)
        {
            int count = b * area;
            if (count < 2)
                throw new ArgumentException($"Layer {l} (BatchNorm) needs more than one value per channel in training; the batch has {count}.");
            for (int c = 0; c < channels; c++)
            {
                double sum = 0;
                foreach (var sample in x)
                    for (int i = 0; i < area; i++) sum += sample[c * area + i];
                mean[c] = sum / count;
                double squares = 0;
                foreach (var sample in x)
                    for (int i = 0; i < area; i++) squares += (sample[c * area + i] - mean[c]) * (sample[c * area + i] - mean[c]);
                variance[c] = squares / count;
            }
        }
        else
        {
            for (int c = 0; c < channels; c++)
            {
                mean[c] = statistics[_statisticsOffsets[l] + c];
                variance[c] = statistics[_statisticsOffsets[l] + channels + c];
            }
        }
        var normalized = new double[b][];
        var z = new double[b][];
        int gamma = _offsets[l], beta = _offsets[l] + channels;
        for (int s = 0; s < b; s++)
        {
            normalized[s] = new double[shape.Size];
            z[s] = new double[shape.Size];
            for (int c = 0; c < channels; c++)
            {
                double inverse = 1 / Math.Sqrt(variance[c] + layer.Epsilon);
                for (int i = 0; i < area; i++)
                {
                    normalized[s][c * area + i] = (x[s][c * area + i] - mean[c]) * inverse;
                    z[s][c * area + i] = p[gamma + c] * normalized[s][c * area + i] + p[beta + c];
                }
            }
        }
        return (normalized, mean, variance, z);
    }

    /// <summary>running = (1 − m) · running + m · batch, with the unbiased batch variance, once per BatchNorm layer.</summary>
    private void UpdateRunningStatistics(Trace trace, Span<double> statistics)
    {
        int b = trace.Activations[0].Length;
        for (int l = 0; l < _layers.Length; l++)
        {
            if (_layers[l].Kind != ReferenceLayerKind.BatchNorm) continue;
            double m = _layers[l].Momentum;
            int channels = _shapes[l].Channels, count = b * _shapes[l].Height * _shapes[l].Width, at = _statisticsOffsets[l];
            for (int c = 0; c < channels; c++)
            {
                statistics[at + c] = (1 - m) * statistics[at + c] + m * trace.Means[l][c];
                statistics[at + channels + c] = (1 - m) * statistics[at + channels + c] + m * trace.Variances[l][c] * count / (count - 1);
            }
        }
    }

    /// <summary>Backpropagates <paramref name="delta"/> (dL/dz of the last layer) through every layer; returns dL/dx of the inputs.</summary>
    private double[][] Backward(ReadOnlySpan<double> p, Trace trace, double[][] delta, Span<double> grad)
    {
        int b = delta.Length;
        for (int l = _layers.Length - 1; l >= 0; l--)
        {
            var layer = _layers[l];
            SampleShape input = _shapes[l], output = _shapes[l + 1];
            double[][] x = trace.Activations[l];
            var dx = new double[b][];
            if (layer.Kind == ReferenceLayerKind.BatchNorm)
                dx = BatchNormBackward(p, trace, l, delta, grad);
            else
            {
                for (int s = 0; s < b; s++)
                {
                    dx[s] = new double[input.Size];
                    switch (layer.Kind)
                    {
                        case ReferenceLayerKind.Dropout:
                            for (int i = 0; i < input.Size; i++) dx[s][i] = delta[s][i] * trace.Masks[l][s][i];
                            break;
                        case ReferenceLayerKind.Conv2D:
                            ConvolutionBackward(p, _offsets[l], layer, input, output, x[s], delta[s], dx[s], grad);
                            break;
                        case ReferenceLayerKind.MaxPool2D:
                            for (int o = 0; o < output.Size; o++) dx[s][trace.Winners[l][s][o]] += delta[s][o];
                            break;
                        case ReferenceLayerKind.AvgPool2D:
                            AveragePoolBackward(layer, input, output, delta[s], dx[s]);
                            break;
                        default:
                            BackwardAffine(p, layer, _offsets[l], trace.Winners[l][s], x[s], delta[s], dx[s], grad);
                            break;
                    }
                }
            }

            if (l == 0) return dx;
            // dL/dz of the layer below: through its activation if it has one (a dropout layer above it included).
            var below = _layers[l - 1];
            for (int s = 0; s < b; s++)
                delta[s] = ActivationBackward(below, trace.PreActivations[l - 1][s], trace.Activations[l][s], dx[s]);
        }
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>The parameter gradients of a Dense or Maxout layer from <paramref name="delta"/>, and dL/dx into <paramref name="dx"/>.</summary>
    private static void BackwardAffine(ReadOnlySpan<double> p, ReferenceLayer layer, int w, int[] winners, double[] x, double[] delta, double[] dx, Span<double> grad)
    {
        int inputs = x.Length;
        double[] dz = delta;
        if (layer.Kind == ReferenceLayerKind.Maxout)
        {
            dz = new double[layer.Units * layer.Pieces];
            for (int u = 0; u < layer.Units; u++) dz[u * layer.Pieces + winners[u]] = delta[u];
        }
        int outs = dz.Length, b = w + outs * inputs;
        for (int j = 0; j < outs; j++)
        {
            grad[b + j] += dz[j];
            for (int i = 0; i < inputs; i++)
            {
                grad[w + j * inputs + i] += dz[j] * x[i];
                dx[i] += dz[j] * p[w + j * inputs + i];
            }
        }
    }

    /// <summary>dL/db[f] = Σ dz[f, ·, ·]; dL/dW[f, c, i, j] = Σ dz[f, y, x] · in[c, …]; dL/din[c, …] = Σ dz[f, y, x] · W[f, c, i, j].</summary>
    private static void ConvolutionBackward(ReadOnlySpan<double> p, int offset, ReferenceLayer layer, SampleShape input, SampleShape output,
        double[] x, double[] dz, double[] dx, Span<double> grad)
    {
        int k = layer.KernelSize, biasOffset = offset + output.Channels * input.Channels * k * k;
        for (int f = 0; f < output.Channels; f++)
            for (int oy = 0; oy < output.Height; oy++)
                for (int ox = 0; ox < output.Width; ox++)
                {
                    double d = dz[(f * output.Height + oy) * output.Width + ox];
                    grad[biasOffset + f] += d;
                    for (int c = 0; c < input.Channels; c++)
                        for (int i = 0; i < k; i++)
                            for (int j = 0; j < k; j++)
                            {
                                int iy = oy * layer.Stride + i - layer.Padding, ix = ox * layer.Stride + j - layer.Padding;
                                if (iy < 0 || iy >= input.Height || ix < 0 || ix >= input.Width) continue;
                                int wAt = offset + ((f * input.Channels + c) * k + i) * k + j, xAt = (c * input.Height + iy) * input.Width + ix;
                                grad[wAt] += d * x[xAt];
                                dx[xAt] += d * p[wAt];
                            }
                }
    }

    /// <summary>Each output's gradient spread evenly over its window: dL/din += dL/da / size².</summary>
    private static void AveragePoolBackward(ReferenceLayer layer, SampleShape input, SampleShape output, double[] da, double[] dx)
    {
        int k = layer.KernelSize;
        for (int c = 0; c < output.Channels; c++)
            for (int oy = 0; oy < output.Height; oy++)
                for (int ox = 0; ox < output.Width; ox++)
                {
                    double share = da[(c * output.Height + oy) * output.Width + ox] / (k * k);
                    for (int i = 0; i < k; i++)
                        for (int j = 0; j < k; j++)
                            dx[(c * input.Height + oy * layer.Stride + i) * input.Width + ox * layer.Stride + j] += share;
                }
    }

    /// <summary>
    /// BatchNorm in training mode, per channel over the n = batch × rows × columns values: dγ = Σ dz·x̂, dβ = Σ dz, and
    /// dx = (γ / √(σ² + ε)) · (dz − mean(dz) − x̂ · mean(dz·x̂)), the batch statistics depending on every x.
    /// </summary>
    private double[][] BatchNormBackward(ReadOnlySpan<double> p, Trace trace, int l, double[][] dz, Span<double> grad)
    {
        var layer = _layers[l];
        var shape = _shapes[l];
        int channels = shape.Channels, area = shape.Height * shape.Width, b = dz.Length, count = b * area;
        int gamma = _offsets[l], beta = _offsets[l] + channels;
        double[][] normalized = trace.Normalized[l];
        var dx = new double[b][];
        for (int s = 0; s < b; s++) dx[s] = new double[shape.Size];
        for (int c = 0; c < channels; c++)
        {
            double sumDz = 0, sumDzX = 0;
            for (int s = 0; s < b; s++)
                for (int i = 0; i < area; i++)
                {
                    sumDz += dz[s][c * area + i];
                    sumDzX += dz[s][c * area + i] * normalized[s][c * area + i];
                }
            grad[gamma + c] += sumDzX;
            grad[beta + c] += sumDz;
            double scale = p[gamma + c] / Math.Sqrt(trace.Variances[l][c] + layer.Epsilon);
            for (int s = 0; s < b; s++)
                for (int i = 0; i < area; i++)
                    dx[s][c * area + i] = scale * (dz[s][c * area + i] - sumDz / count - normalized[s][c * area + i] * sumDzX / count);
        }
        return dx;
    }

    /// <summary>An element-wise activation (not softmax) of one pre-activation, in double precision.</summary>
    internal static double Activate(ReferenceLayer layer, double v) => layer.Activation switch
    {
        Activation.Identity => v,
        Activation.Step => v >= 0 ? 1.0 : 0.0,
        Activation.Sigmoid => 1 / (1 + Math.Exp(-v)),
        Activation.Tanh => Math.Tanh(v),
        Activation.ReLU => Math.Max(0, v),
        Activation.LeakyReLU => v > 0 ? v : layer.Alpha * v,
        Activation.ELU => v >= 0 ? v : layer.Alpha * (Math.Exp(v) - 1),
        _ => throw new NotSupportedException($"{layer.Activation} is not an element-wise activation."),
    };

    private static double[] Activate(ReferenceLayer layer, double[] z)
    {
        if (layer.Activation == Activation.Softmax)
        {
            double max = z.Max();
            double[] e = z.Select(v => Math.Exp(v - max)).ToArray();
            double sum = e.Sum();
            return e.Select(v => v / sum).ToArray();
        }
        return z.Select(v => Activate(layer, v)).ToArray();
    }

    /// <summary>dL/dz from dL/da, using the derivative with respect to z (not the saved output) as the textbooks write it.</summary>
    private static double[] ActivationBackward(ReferenceLayer layer, double[] z, double[] a, double[] dA)
    {
        if (layer.Kind is not (ReferenceLayerKind.Dense or ReferenceLayerKind.Conv2D or ReferenceLayerKind.BatchNorm)) return dA;
        if (layer.Activation == Activation.Softmax)
        {
            var dz = new double[z.Length];
            for (int i = 0; i < z.Length; i++)
                for (int k = 0; k < z.Length; k++)
                    dz[i] += dA[k] * a[k] * ((i == k ? 1 : 0) - a[i]);
            return dz;
        }
        return z.Select((v, i) => dA[i] * layer.Activation switch
        {
            Activation.Identity => 1.0,
            Activation.Step => 0.0,
            Activation.Sigmoid => a[i] * (1 - a[i]),
            Activation.Tanh => 1 - Math.Tanh(v) * Math.Tanh(v),
            Activation.ReLU => v > 0 ? 1.0 : 0.0,
            Activation.LeakyReLU => v > 0 ? 1.0 : layer.Alpha,
            Activation.ELU => v > 0 ? 1.0 : layer.Alpha * Math.Exp(v),
            _ => throw new NotSupportedException($"Unknown activation {layer.Activation}."),
        }).ToArray();
    }

    private void RequireNoBatchNorm()
    {
        if (RunningStatisticsCount > 0)
            throw new InvalidOperationException("This network has BatchNorm layers: pass its running statistics (RunningStatisticsCount values).");
    }

    private static void CheckLength(int actual, int expected, string name)
    {
        if (actual != expected) throw new ArgumentException($"Expected {expected} values, got {actual}.", name);
    }

    private static void CheckAtLeast(int actual, int expected, string name)
    {
        if (actual < expected) throw new ArgumentException($"Expected at least {expected} values, got {actual}.", name);
    }

    private static double Softplus(double x) => Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)));
}
