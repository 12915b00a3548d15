using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NetGen.Onnx;

namespace NetGen.Tests.Onnx;

/// <summary>
/// Convolutional networks exported to ONNX (Conv, MaxPool, AveragePool, BatchNormalization, Flatten) run in ONNX Runtime
/// and give NetGen's outputs: generated convolutional networks against their own Forward, and every image layer kind
/// (BatchNorm with its running statistics) against the double-precision reference network.
/// </summary>
public class OnnxImageExportTests
{
    private const int Batch = 7;

    /// <summary>Runs the exported model on an input [batch, C, H, W] (or [batch, n]) and returns the flat outputs.</summary>
    private static float[] RunInOnnxRuntime(byte[] model, float[] x, int[] sampleShape)
    {
        using var session = new InferenceSession(model);
        var input = new DenseTensor<float>(x, [Batch, .. sampleShape]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", input)]);
        return results.Single().AsEnumerable<float>().ToArray();
    }

    private static void AssertClose(ReadOnlySpan<double> expected, float[] actual, string name)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 + 1e-5 * Math.Abs(expected[i]),
                $"{name}: output {i} is {actual[i]} in ONNX Runtime and {expected[i]} in NetGen");
    }

    private static float[] Inputs(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    private static int[] SampleShape(INetwork network) => Topology.Of(network).InputShape is { } shape
        ? [shape.Channels, shape.Height, shape.Width]
        : [network.InputSize];

    public static TheoryData<string> GeneratedNetworks => [nameof(ConvForOnnx), nameof(ConvOutputForOnnx)];

    private static INetwork Create(string name) => name == nameof(ConvForOnnx) ? new ConvForOnnx(3) : new ConvOutputForOnnx(4);

    [Theory]
    [MemberData(nameof(GeneratedNetworks))]
    public void GeneratedConvolutionalNetworksAgreeWithOnnxRuntime(string name)
    {
        INetwork net = Create(name);
        var random = new Random(5);
        for (int i = 0; i < net.Parameters.Length; i++) net.Parameters[i] += (float)(random.NextDouble() - 0.5) * 0.1f; // non-zero biases
        float[] x = Inputs(Batch * net.InputSize, 6);
        var expected = new float[Batch * net.OutputSize];
        net.Forward(x, expected, Batch);

        float[] actual = RunInOnnxRuntime(OnnxExporter.Export(net), x, SampleShape(net));
        AssertClose(expected.Select(v => (double)v).ToArray(), actual, name);
    }

    [Fact]
    public void ImageInputIsBatchChannelsHeightWidthWithASymbolicBatch()
    {
        var net = new ConvForOnnx(1);
        using var session = new InferenceSession(OnnxExporter.Export(net));
        Assert.Equal([-1, 2, 9, 8], session.InputMetadata["input"].Dimensions);
        Assert.Equal("N", session.InputMetadata["input"].SymbolicDimensions[0]);
        Assert.Equal([-1, 4], session.OutputMetadata["output"].Dimensions);
        Assert.Equal(ConvForOnnx.Architecture, session.ModelMetadata.Description);
    }

    [Fact]
    public void ImageOutputIsFlattenedToOutputSize()
    {
        using var session = new InferenceSession(OnnxExporter.Export(new ConvOutputForOnnx(1)));
        Assert.Equal([-1, ConvOutputForOnnx.OutputSize], session.OutputMetadata["output"].Dimensions);
    }

    [Fact]
    public void FrozenNetworkExportsWhatItWasFrozenWith()
    {
        var net = new ConvForOnnx(2);
        byte[] live = OnnxExporter.Export(net);
        FrozenNetwork frozen = net.Freeze();
        net.Parameters[0] += 1f; // later changes are not in the snapshot
        Assert.Equal(live, OnnxExporter.Export(frozen));
        Assert.NotEqual(live, OnnxExporter.Export(net));
    }

    /// <summary>Every image layer kind, checked against the reference network at inference (BatchNorm on its running statistics).</summary>
    public static TheoryData<string> ReferenceArchitectures =>
    [
        // The shape: conv, max-pool, conv, batch norm with its activation, average-pool, flatten into dense.
        "Input(1, 12, 12) -> Conv2D(4, 3, ReLU, stride=1, padding=1) -> MaxPool2D(2, stride=2) -> Conv2D(6, 3, Identity, stride=1, padding=0) -> BatchNorm(ReLU, momentum=0.1, epsilon=1E-05) -> AvgPool2D(2, stride=2) -> Dense(10, Softmax) | CrossEntropy",
        // Overlapping and uneven windows (output sizes rounded down), an image output, BatchNorm with LeakyReLU last.
        "Input(2, 9, 7) -> MaxPool2D(3, stride=2) -> Conv2D(3, 2, ELU, stride=1, padding=0, alpha=0.5) -> AvgPool2D(2, stride=1) -> BatchNorm(LeakyReLU, momentum=0.2, epsilon=0.001, alpha=0.1) | MeanSquaredError",
        // BatchNorm per feature after a dense layer, and after dropout on an image.
        "Input(3, 5, 5) -> Conv2D(4, 3, Sigmoid, stride=2, padding=1) -> Dropout(0.5) -> BatchNorm(Tanh, momentum=0.1, epsilon=1E-05) -> Dense(8, Identity) -> BatchNorm(ELU, momentum=0.05, epsilon=0.01, alpha=1) -> Maxout(3, 2) | MeanSquaredError",
        // A flat input with BatchNorm and no image layer at all.
        "Input(6) -> Dense(8, ReLU) -> BatchNorm(Identity, momentum=0.1, epsilon=1E-05) -> Dense(2, Sigmoid) | BinaryCrossEntropy",
    ];

    [Theory]
    [MemberData(nameof(ReferenceArchitectures))]
    public void ImageLayersAgreeWithTheReferenceInOnnxRuntime(string architecture)
    {
        var net = new ReferenceBackedNetwork(architecture, seed: 21);
        float[] x = Inputs(Batch * net.InputSize, 22);
        float[] actual = RunInOnnxRuntime(OnnxExporter.Export(net), x, SampleShape(net));
        AssertClose(net.Infer(x, Batch), actual, architecture);
    }

    [Fact]
    public void BatchNormUsesTheRunningStatistics()
    {
        // The same parameters with other running statistics: ONNX Runtime follows them, as the reference does.
        const string architecture = "Input(2, 4, 4) -> Conv2D(3, 3, Identity, stride=1, padding=1) -> BatchNorm(Identity, momentum=0.1, epsilon=1E-05) -> Dense(2, Identity) | MeanSquaredError";
        var net = new ReferenceBackedNetwork(architecture, seed: 31);
        float[] x = Inputs(Batch * net.InputSize, 32);
        float[] before = RunInOnnxRuntime(OnnxExporter.Export(net), x, SampleShape(net));
        for (int i = 0; i < net.RunningStatistics.Length; i++) net.RunningStatistics[i] += i < 3 ? 0.75f : 2f; // means, then variances
        float[] after = RunInOnnxRuntime(OnnxExporter.Export(net), x, SampleShape(net));
        AssertClose(net.Infer(x, Batch), after, architecture);
        Assert.Contains(before.Zip(after), p => Math.Abs(p.First - p.Second) > 0.01f);
    }

    [Theory]
    [InlineData(-2)]
    [InlineData(1)]
    public void RunningStatisticsThatDoNotFitAreRefused(int extra)
    {
        const string architecture = "Input(1, 4, 4) -> Conv2D(2, 3, ReLU, stride=1, padding=0) -> BatchNorm(Identity, momentum=0.1, epsilon=1E-05) -> Dense(2, Identity) | MeanSquaredError";
        var e = Assert.Throws<ArgumentException>(() => OnnxExporter.Export(new ReferenceBackedNetwork(architecture, seed: 1, extraStatistics: extra)));
        Assert.Contains($"has {4 + extra} running statistics", e.Message);
        Assert.Contains("keeps 4", e.Message);
    }
}
