using NetGen.Data;

namespace NetGen.Tests.Training;

/// <summary>
/// Test double for a generated network: a plain-loop MLP with an optional tanh hidden layer (hidden = 0 gives a
/// linear or logistic model) and an identity (MSE), sigmoid (BCE from logits) or softmax (cross-entropy) output.
/// Parameter layout as on <see cref="INetwork"/>: W1 [hidden × inputs], b1, W2 [outputs × hidden], b2.
/// </summary>
internal sealed class TestMlp : INetwork
{
    private readonly float[] _parameters;
    private readonly float[] _gradients;
    private readonly Activation _output;
    private float[] _hidden = [], _z = [], _dz = [];

    public TestMlp(int inputs, int hidden, int outputs, Activation output)
    {
        (InputSize, Hidden, OutputSize, _output) = (inputs, hidden, outputs, output);
        Loss = output switch
        {
            Activation.Identity => LossFunction.MeanSquaredError,
            Activation.Sigmoid => LossFunction.BinaryCrossEntropy,
            Activation.Softmax => LossFunction.CrossEntropy,
            _ => throw new ArgumentOutOfRangeException(nameof(output)),
        };
        int last = hidden == 0 ? inputs : hidden;
        ParameterCount = (hidden == 0 ? 0 : hidden * inputs + hidden) + outputs * last + outputs;
        _parameters = new float[ParameterCount];
        _gradients = new float[ParameterCount];
    }

    public int InputSize { get; }
    public int Hidden { get; }
    public int OutputSize { get; }
    public int ParameterCount { get; }
    public LossFunction Loss { get; }
    public string Architecture => $"TestMlp({InputSize}, {Hidden}, {OutputSize}, {_output})";
    public Span<float> Parameters => _parameters;
    public Span<float> Gradients => _gradients;
    private int Last => Hidden == 0 ? InputSize : Hidden;
    private int OutputOffset => Hidden == 0 ? 0 : Hidden * InputSize + Hidden;

    public void Initialize(int seed)
    {
        var random = new Random(seed);
        Array.Clear(_parameters);
        Array.Clear(_gradients);
        if (Hidden > 0) Glorot(random, 0, Hidden, InputSize);
        Glorot(random, OutputOffset, OutputSize, Last);
    }

    private void Glorot(Random random, int offset, int units, int fanIn)
    {
        float limit = MathF.Sqrt(6f / (units + fanIn));
        for (int k = 0; k < units * fanIn; k++) _parameters[offset + k] = (float)(random.NextDouble() * 2 - 1) * limit;
    }

    public void Forward(ReadOnlySpan<float> input, Span<float> output)
    {
        if (input.Length != InputSize || output.Length != OutputSize) throw new ArgumentException("Bad span length.");
        Span<float> hidden = stackalloc float[Math.Max(1, Hidden)];
        ReadOnlySpan<float> last = Hidden == 0 ? input : HiddenLayer(input, hidden);
        OutputLayer(last, output);
        Activate(output);
    }

    public void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize)
    {
        if (inputs.Length != batchSize * InputSize || outputs.Length != batchSize * OutputSize) throw new ArgumentException("Bad span length.");
        for (int n = 0; n < batchSize; n++)
            Forward(inputs.Slice(n * InputSize, InputSize), outputs.Slice(n * OutputSize, OutputSize));
    }

    public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize)
    {
        if (inputs.Length != batchSize * InputSize || targets.Length != batchSize * OutputSize) throw new ArgumentException("Bad span length.");
        if (_z.Length < OutputSize) { _z = new float[OutputSize]; _dz = new float[OutputSize]; _hidden = new float[Math.Max(1, Hidden)]; }
        Array.Clear(_gradients);
        double loss = 0;
        float scale = Loss == LossFunction.CrossEntropy ? 1f / batchSize : 1f / (batchSize * OutputSize);
        int o0 = OutputOffset, last = Last;
        for (int n = 0; n < batchSize; n++)
        {
            ReadOnlySpan<float> x = inputs.Slice(n * InputSize, InputSize), y = targets.Slice(n * OutputSize, OutputSize);
            ReadOnlySpan<float> a = Hidden == 0 ? x : HiddenLayer(x, _hidden);
            OutputLayer(a, _z);
            loss += LossAndGradient(_z, y, _dz, scale);
            for (int o = 0; o < OutputSize; o++)
            {
                for (int j = 0; j < last; j++) _gradients[o0 + o * last + j] += _dz[o] * a[j];
                _gradients[o0 + OutputSize * last + o] += _dz[o];
            }
            for (int j = 0; j < Hidden; j++)
            {
                float da = 0;
                for (int o = 0; o < OutputSize; o++) da += _parameters[o0 + o * last + j] * _dz[o];
                float dh = da * (1 - a[j] * a[j]);
                for (int i = 0; i < InputSize; i++) _gradients[j * InputSize + i] += dh * x[i];
                _gradients[Hidden * InputSize + j] += dh;
            }
        }
        return (float)loss;
    }

    public int Predict(ReadOnlySpan<float> input)
    {
        Span<float> output = stackalloc float[OutputSize];
        Forward(input, output);
        return DatasetSplit.ClassOf(output);
    }

    private Span<float> HiddenLayer(ReadOnlySpan<float> x, Span<float> hidden)
    {
        for (int j = 0; j < Hidden; j++)
        {
            float z = _parameters[Hidden * InputSize + j];
            for (int i = 0; i < InputSize; i++) z += _parameters[j * InputSize + i] * x[i];
            hidden[j] = MathF.Tanh(z);
        }
        return hidden[..Hidden];
    }

    private void OutputLayer(ReadOnlySpan<float> a, Span<float> z)
    {
        int o0 = OutputOffset, last = Last;
        for (int o = 0; o < OutputSize; o++)
        {
            float sum = _parameters[o0 + OutputSize * last + o];
            for (int j = 0; j < last; j++) sum += _parameters[o0 + o * last + j] * a[j];
            z[o] = sum;
        }
    }

    private void Activate(Span<float> z)
    {
        if (_output == Activation.Sigmoid)
            for (int o = 0; o < z.Length; o++) z[o] = 1f / (1f + MathF.Exp(-z[o]));
        else if (_output == Activation.Softmax)
        {
            float max = z[0];
            foreach (float v in z) max = Math.Max(max, v);
            float sum = 0;
            for (int o = 0; o < z.Length; o++) sum += z[o] = MathF.Exp(z[o] - max);
            for (int o = 0; o < z.Length; o++) z[o] /= sum;
        }
    }

    /// <summary>The summed loss of one sample's logits z, and dLoss/dz (already scaled by the mean's 1/count) in dz.</summary>
    private double LossAndGradient(ReadOnlySpan<float> z, ReadOnlySpan<float> y, Span<float> dz, float scale)
    {
        double loss = 0;
        switch (Loss)
        {
            case LossFunction.MeanSquaredError:
                for (int o = 0; o < z.Length; o++) { float d = z[o] - y[o]; loss += d * d * scale; dz[o] = 2 * d * scale; }
                break;
            case LossFunction.BinaryCrossEntropy:
                for (int o = 0; o < z.Length; o++)
                {
                    loss += (Math.Max(z[o], 0) - z[o] * y[o] + Math.Log(1 + Math.Exp(-Math.Abs(z[o])))) * scale;
                    dz[o] = (1f / (1f + MathF.Exp(-z[o])) - y[o]) * scale;
                }
                break;
            default:
                z.CopyTo(dz);
                Activate(dz);
                for (int o = 0; o < z.Length; o++)
                {
                    if (y[o] != 0) loss -= y[o] * Math.Log(Math.Max(dz[o], 1e-30)) * scale;
                    dz[o] = (dz[o] - y[o]) * scale;
                }
                break;
        }
        return loss;
    }
}

/// <summary>Wraps a network and corrupts the loss or the gradient of one chosen call of <see cref="ComputeGradients"/>.</summary>
internal sealed class FaultyNetwork(INetwork inner, int faultyCall, bool corruptGradient) : INetwork
{
    private int _calls;
    public int InputSize => inner.InputSize;
    public int OutputSize => inner.OutputSize;
    public int ParameterCount => inner.ParameterCount;
    public LossFunction Loss => inner.Loss;
    public string Architecture => inner.Architecture;
    public Span<float> Parameters => inner.Parameters;
    public Span<float> Gradients => inner.Gradients;
    public void Initialize(int seed) => inner.Initialize(seed);
    public void Forward(ReadOnlySpan<float> input, Span<float> output) => inner.Forward(input, output);
    public void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize) => inner.Forward(inputs, outputs, batchSize);
    public int Predict(ReadOnlySpan<float> input) => inner.Predict(input);

    public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize)
    {
        float loss = inner.ComputeGradients(inputs, targets, batchSize);
        if (_calls++ != faultyCall) return loss;
        if (!corruptGradient) return float.NaN;
        inner.Gradients[inner.ParameterCount / 2] = float.PositiveInfinity;
        return loss;
    }
}

/// <summary>Datasets generated in the tests.</summary>
internal static class TestData
{
    public static Dataset Xor() => new([0, 0, 0, 1, 1, 0, 1, 1], [0, 1, 1, 0], 2, 1);

    /// <summary>Two interleaving half circles with Gaussian-ish noise; one-hot targets when <paramref name="oneHot"/>.</summary>
    public static Dataset TwoMoons(int count, int seed, float noise = 0.1f, bool oneHot = false)
    {
        var random = new Random(seed);
        int targetSize = oneHot ? 2 : 1;
        var x = new float[count * 2];
        var y = new float[count * targetSize];
        for (int n = 0; n < count; n++)
        {
            int label = n % 2;
            double t = Math.PI * random.NextDouble();
            double px = label == 0 ? Math.Cos(t) : 1 - Math.Cos(t);
            double py = label == 0 ? Math.Sin(t) : 0.5 - Math.Sin(t);
            x[2 * n] = (float)(px + noise * Normal(random) - 0.5);
            x[2 * n + 1] = (float)(py + noise * Normal(random) - 0.25);
            if (oneHot) y[2 * n + label] = 1; else y[n] = label;
        }
        return new Dataset(x, y, 2, targetSize);
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
