namespace NetGen.Reference;

/// <summary>
/// The oracle for generated networks: the same mathematics written as plain loops in double precision, with the
/// same public parameter layout. Slow on purpose and independent of the generator and of the SIMD kernels.
/// </summary>
public sealed class ReferenceNetwork
{
    private readonly ReferenceLayer[] _layers;

    /// <summary>Creates the reference for a network with the given input size, layers and loss.</summary>
    public ReferenceNetwork(int inputSize, IReadOnlyList<ReferenceLayer> layers, LossFunction loss)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        if (layers.Count == 0) throw new ArgumentException("A network needs at least one layer.", nameof(layers));
        InputSize = inputSize;
        _layers = layers.ToArray();
        Loss = loss;
        int width = inputSize;
        foreach (var layer in _layers)
        {
            if (layer.Kind == ReferenceLayerKind.Dropout && layer.Units != width)
                throw new ArgumentException($"A dropout layer passes {width} values through, not {layer.Units}.", nameof(layers));
            ParameterCount += layer.ParameterCount(width);
            width = layer.Units;
        }
        OutputSize = width;
    }

    /// <summary>The number of inputs.</summary>
    public int InputSize { get; }

    /// <summary>The number of outputs.</summary>
    public int OutputSize { get; }

    /// <summary>The number of parameters.</summary>
    public int ParameterCount { get; }

    /// <summary>The loss.</summary>
    public LossFunction Loss { get; }

    /// <summary>Runs one sample at inference (dropout is the identity).</summary>
    public double[] Forward(ReadOnlySpan<double> parameters, ReadOnlySpan<double> input) =>
        Run(parameters, input, mask: null, sample: 0).Activations[^1];

    /// <summary>
    /// Runs one sample as in training, each dropout layer multiplying value <c>i</c> by
    /// <paramref name="dropoutMask"/>(layer, 0, i); tests use it to follow a mask recovered from a generated network.
    /// </summary>
    public double[] Forward(ReadOnlySpan<double> parameters, ReadOnlySpan<double> input, Func<int, int, int, double> dropoutMask) =>
        Run(parameters, input, dropoutMask, sample: 0).Activations[^1];

    /// <summary>
    /// Mean loss over the batch and its gradient with respect to the parameters (written to <paramref name="gradients"/>).
    /// <paramref name="dropoutMask"/>(layer, sample, index) gives the multiplier of each dropped value; without it,
    /// dropout is the identity.
    /// </summary>
    public double ComputeGradients(ReadOnlySpan<double> parameters, ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets,
        int batchSize, Span<double> gradients, Func<int, int, int, double>? dropoutMask = null)
    {
        gradients.Clear();
        double loss = 0;
        int elements = batchSize * OutputSize;
        for (int s = 0; s < batchSize; s++)
        {
            var trace = Run(parameters, inputs.Slice(s * InputSize, InputSize), dropoutMask, s);
            ReadOnlySpan<double> y = targets.Slice(s * OutputSize, OutputSize);
            double[] z = trace.PreActivations[^1], a = trace.Activations[^1];
            double[] delta = new double[OutputSize]; // dL/dz of the last layer (dL/da for maxout)
            switch (Loss)
            {
                case LossFunction.MeanSquaredError:
                    var dA = new double[OutputSize];
                    for (int k = 0; k < OutputSize; k++)
                    {
                        loss += (a[k] - y[k]) * (a[k] - y[k]) / elements;
                        dA[k] = 2 * (a[k] - y[k]) / elements;
                    }
                    delta = ActivationBackward(_layers[^1], z, a, dA);
                    break;
                case LossFunction.BinaryCrossEntropy:
                    for (int k = 0; k < OutputSize; k++)
                    {
                        // −[y·log σ(z) + (1 − y)·log(1 − σ(z))] with log σ(z) = −softplus(−z), log(1 − σ(z)) = −softplus(z)
                        loss += (y[k] * Softplus(-z[k]) + (1 - y[k]) * Softplus(z[k])) / elements;
                        delta[k] = (a[k] - y[k]) / elements;
                    }
                    break;
                case LossFunction.CrossEntropy:
                    double max = z.Max(), lse = max + Math.Log(z.Sum(v => Math.Exp(v - max))), ySum = 0;
                    for (int k = 0; k < OutputSize; k++) ySum += y[k];
                    for (int k = 0; k < OutputSize; k++)
                    {
                        loss += -y[k] * (z[k] - lse) / batchSize;
                        delta[k] = (a[k] * ySum - y[k]) / batchSize;
                    }
                    break;
            }
            Backward(parameters, trace, delta, gradients);
        }
        return loss;
    }

    private sealed record Trace(double[][] Activations, double[][] PreActivations, int[][] Winners, double[][] Masks);

    private Trace Run(ReadOnlySpan<double> p, ReadOnlySpan<double> input, Func<int, int, int, double>? mask, int sample)
    {
        int n = _layers.Length;
        var acts = new double[n + 1][];
        var pre = new double[n][];
        var winners = new int[n][];
        var masks = new double[n][];
        acts[0] = input.ToArray();
        int offset = 0;
        for (int l = 0; l < n; l++)
        {
            var layer = _layers[l];
            double[] x = acts[l];
            int inputs = x.Length;
            if (layer.Kind == ReferenceLayerKind.Dropout)
            {
                masks[l] = new double[inputs];
                for (int i = 0; i < inputs; i++) masks[l][i] = mask?.Invoke(l, sample, i) ?? 1.0;
                pre[l] = x;
                acts[l + 1] = x.Select((v, i) => v * masks[l][i]).ToArray();
                continue;
            }
            int outs = layer.Units * layer.Pieces, biasOffset = offset + outs * inputs;
            var z = new double[outs];
            for (int j = 0; j < outs; j++)
            {
                double sum = p[biasOffset + j];
                for (int i = 0; i < inputs; i++) sum += p[offset + j * inputs + i] * x[i];
                z[j] = sum;
            }
            offset = biasOffset + outs;
            if (layer.Kind == ReferenceLayerKind.Maxout)
            {
                winners[l] = new int[layer.Units];
                var a = new double[layer.Units];
                for (int u = 0; u < layer.Units; u++)
                {
                    int best = 0;
                    for (int k = 1; k < layer.Pieces; k++)
                        if (z[u * layer.Pieces + k] > z[u * layer.Pieces + best]) best = k;
                    winners[l][u] = best;
                    a[u] = z[u * layer.Pieces + best];
                }
                pre[l] = z;
                acts[l + 1] = a;
            }
            else
            {
                pre[l] = z;
                acts[l + 1] = Activate(layer, z);
            }
        }
        return new Trace(acts, pre, winners, masks);
    }

    /// <summary>Backpropagates <paramref name="delta"/> (dL/dz of the last layer) through every layer.</summary>
    private void Backward(ReadOnlySpan<double> p, Trace trace, double[] delta, Span<double> grad)
    {
        int[] offsets = new int[_layers.Length];
        for (int l = 0, offset = 0, width = InputSize; l < _layers.Length; l++)
        {
            offsets[l] = offset;
            offset += _layers[l].ParameterCount(width);
            width = _layers[l].Units;
        }

        for (int l = _layers.Length - 1; l >= 0; l--)
        {
            var layer = _layers[l];
            double[] x = trace.Activations[l];
            int inputs = x.Length;
            double[] dx;
            if (layer.Kind == ReferenceLayerKind.Dropout)
            {
                dx = delta.Select((d, i) => d * trace.Masks[l][i]).ToArray();
            }
            else
            {
                dx = new double[inputs];
                BackwardAffine(p, layer, offsets[l], trace.Winners[l], x, delta, dx, grad);
            }

            // dL/dz of the layer below: through its activation if it is Dense (a dropout layer above it included).
            if (l > 0)
            {
                var below = _layers[l - 1];
                delta = below.Kind == ReferenceLayerKind.Dense
                    ? ActivationBackward(below, trace.PreActivations[l - 1], trace.Activations[l], dx)
                    : dx;
            }
        }
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
        if (layer.Kind != ReferenceLayerKind.Dense) return dA;
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

    private static double Softplus(double x) => Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)));
}
