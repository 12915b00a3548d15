using System.Runtime.CompilerServices;
using System.Text.Json;
using NetGen.Reference;

namespace NetGen.Tests.Reference;

/// <summary>
/// The reference network's image layers: against PyTorch (TorchFixtures/, made by make_cnn_fixtures.py with Debian's
/// python3-torch), against central finite differences for every new layer kind, and the documented edge cases
/// (max pooling's ties, average pooling's spread, batch norm's running statistics).
/// </summary>
public class ConvolutionReferenceTests
{
    private static string Fixture(string name, [CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "TorchFixtures", name);

    private static double[] Values(JsonElement root, string name) => root.GetProperty(name).EnumerateArray().Select(v => v.GetDouble()).ToArray();

    /// <summary>Each value within 1e-4 of the expected one, relative to it (with a floor for values near zero).</summary>
    private static void AssertClose(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * Math.Max(Math.Abs(expected[i]), 1e-3 * scale),
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
    }

    [Fact]
    public void MatchesPyTorchInTrainingAndInference()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Fixture("cnn_batchnorm.json")));
        var root = json.RootElement;
        var topology = Topology.Parse(root.GetProperty("architecture").GetString()!);
        var reference = new ReferenceNetwork(topology);
        int batch = root.GetProperty("batch_size").GetInt32();
        double[] parameters = Values(root, "parameters"), inputs = Values(root, "inputs"), targets = Values(root, "targets");
        Assert.Equal(parameters.Length, reference.ParameterCount);
        Assert.Equal(Values(root, "running_statistics").Length, reference.RunningStatisticsCount);

        // Forward in training mode (PyTorch's train()): batch statistics, running statistics updated once.
        double[] statistics = Values(root, "running_statistics");
        AssertClose(Values(root, "training_outputs"), reference.Forward(parameters, statistics, inputs, batch, training: true), "training outputs");
        AssertClose(Values(root, "updated_running_statistics"), statistics, "running statistics after Forward");

        // ComputeGradients: the loss, every parameter's and input's gradient, and the same update of the statistics.
        statistics = Values(root, "running_statistics");
        var gradients = new double[reference.ParameterCount];
        var inputGradients = new double[inputs.Length];
        double loss = reference.ComputeGradients(parameters, statistics, inputs, targets, batch, gradients, inputGradients);
        AssertClose([root.GetProperty("loss").GetDouble()], [loss], "loss");
        AssertClose(Values(root, "gradients"), gradients, "parameter gradients");
        AssertClose(Values(root, "input_gradients"), inputGradients, "input gradients");
        AssertClose(Values(root, "updated_running_statistics"), statistics, "running statistics after ComputeGradients");

        // Inference (eval()): the updated running statistics, one sample at a time.
        double[] expected = Values(root, "inference_outputs");
        for (int s = 0; s < batch; s++)
            AssertClose(expected[(s * reference.OutputSize)..((s + 1) * reference.OutputSize)],
                reference.Forward(parameters, statistics, inputs.AsSpan(s * reference.InputSize, reference.InputSize)), $"inference outputs of sample {s}");
    }

    public static TheoryData<string, string, int> FiniteDifferenceNetworks => new()
    {
        // Conv2D with stride and padding (LeakyReLU), max pooling, a dense output: every conv weight and bias, the inputs.
        { "Input(2, 7, 6) -> Conv2D(3, 3, LeakyReLU, stride=2, padding=1, alpha=0.1) -> MaxPool2D(2, stride=1) -> Dense(2, Identity) | MeanSquaredError", "conv, max pool", 3 },
        // Average pooling with overlapping windows, then batch norm per channel in training mode.
        { "Input(1, 6, 6) -> Conv2D(2, 2, Tanh, stride=1, padding=0) -> AvgPool2D(3, stride=2) -> BatchNorm(ELU, momentum=0.1, epsilon=0.001, alpha=0.7) -> Dense(3, Softmax) | CrossEntropy", "avg pool, batch norm per channel", 4 },
        // Batch norm per feature after a dense layer, Sigmoid output.
        { "Input(4) -> Dense(5, Identity) -> BatchNorm(ReLU, momentum=0.2, epsilon=1E-05) -> Dense(2, Sigmoid) | BinaryCrossEntropy", "batch norm per feature", 6 },
        // A convolution as the output layer, its gradient straight from the loss, after batch norm of a 1 × 1 convolution.
        { "Input(3, 5, 5) -> Conv2D(3, 1, Identity, stride=1, padding=0) -> BatchNorm(Identity, momentum=0.1, epsilon=1E-05) -> Conv2D(2, 3, Sigmoid, stride=1, padding=1) | MeanSquaredError", "conv output", 2 },
    };

    /// <summary>Every parameter's and input's gradient against central differences of the training-mode loss.</summary>
    [Theory]
    [MemberData(nameof(FiniteDifferenceNetworks))]
    public void GradientsMatchCentralDifferences(string architecture, string layers, int batch)
    {
        var reference = new ReferenceNetwork(Topology.Parse(architecture));
        var random = new Random(24);
        double[] theta = Enumerable.Range(0, reference.ParameterCount).Select(_ => random.NextDouble() * 1.6 - 0.8).ToArray();
        double[] x = Enumerable.Range(0, batch * reference.InputSize).Select(_ => random.NextDouble() * 4 - 2).ToArray();
        double[] y = Enumerable.Range(0, batch * reference.OutputSize).Select(_ => random.NextDouble()).ToArray();
        if (reference.Loss == LossFunction.CrossEntropy)
            for (int s = 0; s < batch; s++)
                for (int k = 0; k < reference.OutputSize; k++) y[s * reference.OutputSize + k] = k == s % reference.OutputSize ? 1 : 0;

        // Training-mode loss: batch statistics, so the running statistics (fresh each time) do not change it.
        double Loss()
        {
            var scratch = new double[reference.RunningStatisticsCount];
            reference.ResetRunningStatistics(scratch);
            return reference.ComputeGradients(theta, scratch, x, y, batch, new double[reference.ParameterCount]);
        }

        var statistics = new double[reference.RunningStatisticsCount];
        reference.ResetRunningStatistics(statistics);
        var gradients = new double[reference.ParameterCount];
        var inputGradients = new double[x.Length];
        reference.ComputeGradients(theta, statistics, x, y, batch, gradients, inputGradients);

        const double h = 1e-6;
        void Check(double[] values, double[] analytic, string name)
        {
            for (int i = 0; i < values.Length; i++)
            {
                double saved = values[i];
                values[i] = saved + h;
                double up = Loss();
                values[i] = saved - h;
                double down = Loss();
                values[i] = saved;
                double numeric = (up - down) / (2 * h);
                Assert.True(Math.Abs(numeric - analytic[i]) <= 1e-6 + 1e-5 * Math.Abs(numeric),
                    $"{layers}: dL/d{name}[{i}] is {analytic[i]:R}, central differences give {numeric:R}");
            }
        }
        Check(theta, gradients, "parameters");
        Check(x, inputGradients, "inputs");
        Assert.Contains(gradients, g => Math.Abs(g) > 1e-3);
        Assert.Contains(inputGradients, g => Math.Abs(g) > 1e-3);
    }

    [Fact]
    public void MaxPoolingRoutesTheGradientToTheFirstMaximumOfATie()
    {
        // One channel of 2 × 4 and 2 × 2 windows: [1, 1 | 0, 3] over [1, 0 | 3, 3]: the left window's maximum 1 appears
        // twice (first at index 0), the right window's 3 three times (first at index 3).
        var reference = new ReferenceNetwork(new SampleShape(1, 2, 4),
            [ReferenceLayer.MaxPool2D(2), ReferenceLayer.Dense(1)], LossFunction.MeanSquaredError);
        double[] theta = [2, -1, 0]; // the dense weights [1 × 2] and bias
        double[] x = [1, 1, 0, 3, 1, 0, 3, 3];
        var dx = new double[8];
        reference.ComputeGradients(theta, [], x, [0], 1, new double[3], dx);
        // output 2·1 − 1·3 = −1; dL/dout = 2·(−1 − 0) = −2; the windows get −4 and +2.
        Assert.Equal([-4, 0, 0, 2, 0, 0, 0, 0], dx);
    }

    [Fact]
    public void AveragePoolingSpreadsTheGradientOverEachWindow()
    {
        var reference = new ReferenceNetwork(new SampleShape(1, 3, 3),
            [ReferenceLayer.AvgPool2D(2, stride: 1), ReferenceLayer.Dense(1)], LossFunction.MeanSquaredError);
        double[] theta = [1, 2, 3, 4, 0];
        double[] x = [0, 0, 0, 0, 0, 0, 0, 0, 0];
        var dx = new double[9];
        reference.ComputeGradients(theta, [], x, [-0.5], 1, new double[5], dx);
        // dL/dout = 2·(0 + 0.5) = 1; output window w gets weight w / 4 on each of its four inputs.
        Assert.Equal([0.25, 0.75, 0.5, 1, 2.5, 1.5, 0.75, 1.75, 1], dx);
    }

    [Fact]
    public void BatchNormUpdatesTheRunningStatisticsWithTheUnbiasedVarianceAndUsesThemAtInference()
    {
        // Dense(1) with weight 1 and bias 0 passes the input through; BatchNorm per feature over a batch of 3.
        var reference = new ReferenceNetwork(1, [ReferenceLayer.Dense(1), ReferenceLayer.BatchNorm(momentum: 0.25)], LossFunction.MeanSquaredError);
        double[] theta = [1, 0, 2, 0.5]; // dense w, b; γ, β
        double[] statistics = [1, 4]; // running mean, running variance
        double[] outputs = reference.Forward(theta, statistics, [1, 2, 6], 3, training: true);
        // batch mean 3, biased variance 14 / 3, unbiased 7
        double inverse = 1 / Math.Sqrt(14.0 / 3 + 1e-5);
        Assert.Equal([2 * -2 * inverse + 0.5, 2 * -1 * inverse + 0.5, 2 * 3 * inverse + 0.5], outputs);
        Assert.Equal(0.75 * 1 + 0.25 * 3, statistics[0], 12);
        Assert.Equal(0.75 * 4 + 0.25 * 7, statistics[1], 12);
        // Inference: (x − running mean) / √(running variance + ε)
        Assert.Equal(2 * (2 - 1.5) / Math.Sqrt(4.75 + 1e-5) + 0.5, reference.Forward(theta, statistics, [2.0])[0], 12);
    }

    [Fact]
    public void ResetRunningStatisticsIsPyTorchsStart()
    {
        var reference = new ReferenceNetwork(new SampleShape(2, 4, 4),
            [ReferenceLayer.Conv2D(3, 3), ReferenceLayer.BatchNorm(), ReferenceLayer.Dense(2), ReferenceLayer.BatchNorm()], LossFunction.MeanSquaredError);
        var statistics = new double[reference.RunningStatisticsCount];
        reference.ResetRunningStatistics(statistics);
        Assert.Equal([0, 0, 0, 1, 1, 1, 0, 0, 1, 1], statistics);
    }

    [Fact]
    public void ParametersFollowThePublicLayout()
    {
        var reference = new ReferenceNetwork(new SampleShape(3, 10, 9),
            [ReferenceLayer.Conv2D(4, 3, Activation.ReLU, stride: 2, padding: 1), ReferenceLayer.BatchNorm(), ReferenceLayer.MaxPool2D(2), ReferenceLayer.Dense(5)],
            LossFunction.MeanSquaredError);
        // conv: 4 × 3 × 3 × 3 + 4; batch norm: 4 + 4; dense: 5 × (4·2·2) + 5
        Assert.Equal(112 + 8 + 85, reference.ParameterCount);
        Assert.Equal(8, reference.RunningStatisticsCount);
        Assert.Equal([new(4, 5, 5), new(4, 5, 5), new(4, 2, 2), new SampleShape(5, 1, 1)], reference.OutputShapes);
    }

    [Theory]
    [InlineData("flat", "needs a channels × height × width input")]
    [InlineData("after dense", "needs a channels × height × width input")]
    [InlineData("first batch norm", "needs a layer before it")]
    [InlineData("kernel", "larger than its input of 4 × 4 with padding 0")]
    [InlineData("window", "larger than its input of 2 × 2")]
    [InlineData("momentum", "momentum must be in (0, 1]")]
    public void RejectsNetworksThatCannotRun(string which, string words)
    {
        Action create = which switch
        {
            "flat" => () => _ = new ReferenceNetwork(16, [ReferenceLayer.Conv2D(2, 3), ReferenceLayer.Dense(1)], LossFunction.MeanSquaredError),
            "after dense" => () => _ = new ReferenceNetwork(new SampleShape(1, 4, 4), [ReferenceLayer.Dense(4), ReferenceLayer.MaxPool2D(2)], LossFunction.MeanSquaredError),
            "first batch norm" => () => _ = new ReferenceNetwork(4, [ReferenceLayer.BatchNorm(), ReferenceLayer.Dense(1)], LossFunction.MeanSquaredError),
            "kernel" => () => _ = new ReferenceNetwork(new SampleShape(1, 4, 4), [ReferenceLayer.Conv2D(2, 5), ReferenceLayer.Dense(1)], LossFunction.MeanSquaredError),
            "window" => () => _ = new ReferenceNetwork(new SampleShape(1, 4, 4), [ReferenceLayer.MaxPool2D(2), ReferenceLayer.AvgPool2D(3), ReferenceLayer.Dense(1)], LossFunction.MeanSquaredError),
            _ => () => _ = new ReferenceNetwork(4, [ReferenceLayer.Dense(4), ReferenceLayer.BatchNorm(momentum: 0), ReferenceLayer.Dense(1)], LossFunction.MeanSquaredError),
        };
        var e = Assert.Throws<ArgumentException>(create);
        Assert.Contains(words, e.Message);
    }

    [Fact]
    public void BatchNormNetworksNeedTheirRunningStatistics()
    {
        var reference = new ReferenceNetwork(2, [ReferenceLayer.Dense(3), ReferenceLayer.BatchNorm(), ReferenceLayer.Dense(1)], LossFunction.MeanSquaredError);
        var theta = new double[reference.ParameterCount];
        Assert.Contains("running statistics", Assert.Throws<InvalidOperationException>(() => reference.Forward(theta, [1.0, 2.0])).Message);
        Assert.Contains("running statistics", Assert.Throws<InvalidOperationException>(
            () => reference.ComputeGradients(theta, [1.0, 2.0, 3.0, 4.0], [0.0, 1.0], 2, new double[theta.Length])).Message);
        // Training needs two values per channel: one sample of a flat layer has one.
        var statistics = new double[reference.RunningStatisticsCount];
        Assert.Contains("more than one value per channel", Assert.Throws<ArgumentException>(
            () => reference.ComputeGradients(theta, statistics, [1.0, 2.0], [0.0], 1, new double[theta.Length])).Message);
    }
}
