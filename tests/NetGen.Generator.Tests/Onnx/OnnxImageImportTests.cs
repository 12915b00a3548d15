using System.Runtime.CompilerServices;
using System.Text.Json;
using NetGen.Generator.Emit;
using NetGen.Generator.Helpers;
using NetGen.Generator.Model;
using NetGen.Onnx;
using NetGen.Reference;

namespace NetGen.Generator.Tests.Onnx;

/// <summary>
/// [Network(Onnx = ...)] with convolutional networks: PyTorch-exported CNNs (OnnxFixtures/make_cnn_fixtures.py) import to
/// the architecture string, parameters and running statistics PyTorch's modules hold, and the imported network computes
/// PyTorch's outputs (run by the double-precision reference network from what the import baked); NetGen's own export of
/// every image layer imports back to the same network; every attribute NetGen cannot reproduce is NETGEN032 naming the
/// node and the attribute.
/// </summary>
public sealed class OnnxImageImportTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("netgen-onnx-cnn-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Fixtures([CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "OnnxFixtures");

    /// <summary>Runs the generator's import step on <paramref name="path"/>, as [Network(Onnx = ...)] on App.Net does.</summary>
    private static BakedWeightsSpec Import(string path, LossKind loss)
    {
        var type = new TypeDeclarationSpec("App", new EquatableArray<string>([]), "public partial class Net", "Net", "App.Net", "App.Net.NetGen.g.cs");
        var result = NetworkGenerator.Import(new OnnxRequestSpec(type, loss, Path.GetFileName(path)), [new FileText(path)], CancellationToken.None);
        Assert.True(result.Error is null, result.Error is null ? "" : string.Join("; ", result.Error.Arguments));
        return result.Spec!;
    }

    private static float[] Floats(ByteData data) =>
        Enumerable.Range(0, data.Length / 4).Select(i => BitConverter.ToSingle([data[4 * i], data[4 * i + 1], data[4 * i + 2], data[4 * i + 3]])).ToArray();

    [Theory]
    [InlineData("cnn_conv_linear", "MeanSquaredError")]
    [InlineData("cnn_pool_batchnorm", "CrossEntropy")]
    [InlineData("cnn_relu_after_pool", "MeanSquaredError")]
    public void PyTorchCnnImportsToItsArchitectureParametersAndOutputs(string fixture, string lossName)
    {
        var loss = Enum.Parse<LossKind>(lossName);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures(), fixture + ".json")));
        var root = json.RootElement;
        float[] Flat(string name) => root.GetProperty(name).EnumerateArray().Select(v => v.GetSingle()).ToArray();
        float[][] Rows(string name) => root.GetProperty(name).EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();

        var baked = Import(Path.Combine(Fixtures(), fixture + ".onnx"), loss);
        string architecture = ArchitectureDescriber.Architecture(baked.Network);
        Assert.Equal(root.GetProperty("architecture").GetString(), architecture);
        Assert.True(baked.Network.ImageInput);
        Assert.Equal(Flat("parameters"), Floats(baked.Parameters));                 // bit for bit, in NetGen's layout
        Assert.Equal(Flat("running_statistics"), Floats(baked.RunningStatistics));
        Assert.Equal(baked.Network.ParameterCount * 4, baked.Parameters.Length);
        Assert.Equal(baked.Network.RunningStatisticsCount * 4, baked.RunningStatistics.Length);

        // What was baked computes PyTorch's outputs (inference mode: BatchNorm on the baked running statistics).
        var reference = new ReferenceNetwork(Topology.Parse(architecture));
        double[] parameters = Floats(baked.Parameters).Select(v => (double)v).ToArray();
        double[] statistics = Floats(baked.RunningStatistics).Select(v => (double)v).ToArray();
        var inputs = Rows("inputs");
        var outputs = Rows("outputs");
        for (int i = 0; i < inputs.Length; i++)
        {
            double[] actual = reference.Forward(parameters, statistics, inputs[i].Select(v => (double)v).ToArray());
            Assert.Equal(outputs[i].Length, actual.Length);
            for (int j = 0; j < actual.Length; j++)
                Assert.True(Math.Abs(actual[j] - outputs[i][j]) <= 1e-5 + 1e-5 * Math.Abs(outputs[i][j]),
                    $"{fixture} sample {i} output {j}: imported {actual[j]:R}, PyTorch {outputs[i][j]:R}");
        }
    }

    /// <summary>An INetwork for the exporter from an architecture string with drawn parameters and running statistics.</summary>
    private sealed class Drawn : INetwork
    {
        private readonly float[] _parameters, _statistics;

        public Drawn(string architecture, int seed)
        {
            Architecture = architecture;
            var reference = new ReferenceNetwork(Topology.Parse(architecture));
            var random = new Random(seed);
            _parameters = Enumerable.Range(0, reference.ParameterCount).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            _statistics = Enumerable.Range(0, reference.RunningStatisticsCount).Select(_ => (float)(random.NextDouble() + 0.5)).ToArray();
            InputSize = reference.InputSize;
            OutputSize = reference.OutputSize;
            Loss = reference.Loss;
        }

        public string Architecture { get; }
        public int InputSize { get; }
        public int OutputSize { get; }
        public LossFunction Loss { get; }
        public int ParameterCount => _parameters.Length;
        public Span<float> Parameters => _parameters;
        public Span<float> RunningStatistics => _statistics;
        public Span<float> Gradients => throw new NotSupportedException();
        public void Forward(ReadOnlySpan<float> input, Span<float> output) => throw new NotSupportedException();
        public void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize) => throw new NotSupportedException();
        public int Predict(ReadOnlySpan<float> input) => throw new NotSupportedException();
        public void Initialize(int seed) => throw new NotSupportedException();
        public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize) => throw new NotSupportedException();
    }

    [Theory]
    [InlineData("Input(1, 12, 12) -> Conv2D(4, 3, ReLU, stride=1, padding=1) -> MaxPool2D(2, stride=2) -> Conv2D(6, 3, Identity, stride=1, padding=0) -> BatchNorm(ReLU, momentum=0.1, epsilon=1E-05) -> AvgPool2D(2, stride=2) -> Dense(10, Softmax) | CrossEntropy")]
    [InlineData("Input(2, 9, 7) -> MaxPool2D(3, stride=2) -> Conv2D(3, 2, ELU, stride=1, padding=0, alpha=0.5) -> AvgPool2D(2, stride=1) -> BatchNorm(LeakyReLU, momentum=0.2, epsilon=0.001, alpha=0.1) | MeanSquaredError")]
    [InlineData("Input(3, 5, 5) -> Conv2D(4, 3, Sigmoid, stride=2, padding=1) -> BatchNorm(Tanh, momentum=0.1, epsilon=1E-05) -> Dense(8, Identity) -> BatchNorm(ELU, momentum=0.05, epsilon=0.01, alpha=1) -> Maxout(3, 2) | MeanSquaredError")]
    [InlineData("Input(6) -> Dense(8, ReLU) -> BatchNorm(Identity, momentum=0.1, epsilon=1E-05) -> Dense(2, Sigmoid) | BinaryCrossEntropy")]
    public void NetGenExportOfImageLayersImportsToTheSameNetwork(string architecture)
    {
        var original = new Drawn(architecture, seed: 3);
        byte[] exported = OnnxExporter.Export(original);
        string path = Path.Combine(_folder, "net.onnx");
        File.WriteAllBytes(path, exported);
        var baked = Import(path, Enum.Parse<LossKind>(architecture[(architecture.LastIndexOf(' ') + 1)..]));
        Assert.Equal(architecture, ArchitectureDescriber.Architecture(baked.Network)); // momentum too: ONNX's 1 − m reads back as m
        Assert.Equal(original.Parameters.ToArray(), Floats(baked.Parameters));
        Assert.Equal(original.RunningStatistics.ToArray(), Floats(baked.RunningStatistics));
    }

    [Fact]
    public void ImportedLayersAreWhatTheParserMakesOfTheSameDeclaration()
    {
        // The spec an import builds must be the parser's for the equivalent attributes, or the emitters would see two shapes of one network.
        string declared = """
            using NetGen;
            namespace App;
            [Network(Loss = LossFunction.CrossEntropy)]
            [Input(1, 12, 12)]
            [Conv2D(4, 3, Activation.ReLU, Padding = 1)]
            [MaxPool2D(2)]
            [Conv2D(6, 3)]
            [BatchNorm(Activation = Activation.ReLU)]
            [AvgPool2D(2)]
            [Dense(10, Activation.Softmax)]
            public partial class Net;
            """;
        var run = GeneratorHarness.Run(declared);
        var parsed = ((NetworkGenerator.ParseResult)run.Driver.GetRunResult().Results[0].TrackedSteps[TrackingNames.Parse].Single().Outputs.Single().Value).Spec!;
        var imported = Import(Path.Combine(Fixtures(), "cnn_pool_batchnorm.onnx"), LossKind.CrossEntropy).Network;
        Assert.Equal(parsed.InputShape, imported.InputShape);
        Assert.Equal(parsed.ImageInput, imported.ImageInput);
        Assert.Equal(parsed.Layers, imported.Layers);
    }
}
