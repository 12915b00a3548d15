using System.Runtime.CompilerServices;
using System.Text.Json;
using NetGen.Generator.Emit;
using NetGen.Generator.Helpers;
using NetGen.Generator.Model;
using NetGen.Onnx;
using NetGen.Reference;
using static NetGen.Generator.Tests.Onnx.OnnxBuilder;

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

    [Theory]
    [InlineData("Input(1, 12, 12) -> Conv2D(4, 3, ReLU, stride=1, padding=1) -> MaxPool2D(2, stride=2) -> Conv2D(6, 3, Identity, stride=1, padding=0) -> BatchNorm(ReLU, momentum=0.1, epsilon=1E-05) -> AvgPool2D(2, stride=2) -> Dense(10, Softmax) | CrossEntropy")]
    [InlineData("Input(2, 9, 7) -> MaxPool2D(3, stride=2) -> Conv2D(3, 2, ELU, stride=1, padding=0, alpha=0.5) -> AvgPool2D(2, stride=1) -> BatchNorm(LeakyReLU, momentum=0.2, epsilon=0.001, alpha=0.1) | MeanSquaredError")]
    [InlineData("Input(3, 5, 5) -> Conv2D(4, 3, Sigmoid, stride=2, padding=1) -> BatchNorm(Tanh, momentum=0.1, epsilon=1E-05) -> Dense(8, Identity) -> BatchNorm(ELU, momentum=0.05, epsilon=0.01, alpha=1) -> Maxout(3, 2) | MeanSquaredError")]
    [InlineData("Input(6) -> Dense(8, ReLU) -> BatchNorm(Identity, momentum=0.1, epsilon=1E-05) -> Dense(2, Sigmoid) | BinaryCrossEntropy")]
    public void NetGenExportOfImageLayersImportsToTheSameNetwork(string architecture)
    {
        var original = new DrawnNetwork(architecture, seed: 3);
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

    // ----- attributes and graphs NetGen cannot reproduce: NETGEN032 naming the node and the attribute -----

    private BakedWeightsSpec? TryImport(byte[] model, out string? error)
    {
        string path = Path.Combine(_folder, "model.onnx");
        File.WriteAllBytes(path, model);
        var type = new TypeDeclarationSpec("App", new EquatableArray<string>([]), "public partial class Net", "Net", "App.Net", "App.Net.NetGen.g.cs");
        var result = NetworkGenerator.Import(new OnnxRequestSpec(type, LossKind.MeanSquaredError, "model.onnx"), [new FileText(path)], CancellationToken.None);
        error = result.Error is null ? null : $"{result.Error.Descriptor.Id}: {string.Format(result.Error.Descriptor.MessageFormat.ToString(), result.Error.Arguments.ToArray<object>())}";
        return result.Spec;
    }

    [Fact]
    public void ImageChainBuiltByTheTestsImports()
    {
        var baked = TryImport(ImageChain(), out string? error);
        Assert.Null(error);
        Assert.Equal("Input(2, 6, 6) -> Conv2D(3, 3, ReLU, stride=1, padding=1) -> MaxPool2D(2, stride=2) -> BatchNorm(Identity, momentum=0.1, epsilon=1E-05) -> Dense(2, Identity) | MeanSquaredError",
            ArchitectureDescriber.Architecture(baked!.Network));
        Assert.Equal([0.1f, 0.2f, 0.3f, 1f, 1.5f, 0.5f], Floats(baked.RunningStatistics));
    }

    [Fact]
    public void InitializerAliasedByIdentityIsRead()
    {
        // PyTorch's export names one initializer twice through an Identity node when two tensors are equal.
        var baked = TryImport(ImageChain((nodes, _, _, _) =>
        {
            nodes.Insert(0, Node("Identity", ["g0"], ["v0_alias"], "alias"));
            nodes[4] = Node("BatchNormalization", ["p0", "g0", "be0", "m0", "v0_alias"], ["n0"], "bn0");
        }), out string? error);
        Assert.Null(error);
        Assert.Equal([0.1f, 0.2f, 0.3f, 1f, 0.5f, 2f], Floats(baked!.RunningStatistics));
    }

    public static TheoryData<string, string> UnsupportedImageGraphs => new()
    {
        { "dilations", "node 'conv0' (Conv) has dilations = [2, 2]; NetGen's image layers support dilations of 1 only" },
        { "group", "node 'conv0' (Conv) has group = 2" },
        { "asymmetric pads", "node 'conv0' (Conv) has pads = [1, 1, 0, 0]; NetGen pads every side of the image by the same amount" },
        { "auto_pad", "node 'conv0' (Conv) has auto_pad = SAME_UPPER" },
        { "rectangular kernel", "node 'conv0' (Conv) has a 3 × 2 kernel" },
        { "strides", "node 'conv0' (Conv) has strides = [1, 2]" },
        { "channels", "node 'conv0' (Conv) has weights 'W0' of shape [3, 1, 3, 3] for 1 channels, but its input has 2" },
        { "kernel too large", "node 'conv0' (Conv) has a 9 × 9 kernel, larger than its input of 6 × 6 padded to 8 × 8" },
        { "kernel_shape", "node 'conv0' (Conv) has kernel_shape = [5, 5], but its weights 'W0' are [3, 2, 3, 3]" },
        { "conv on flat", "node 'conv0' (Conv) reads a flat value [N, 72]; a convolution needs an image" },
        { "open image", "its input 'x' is an image [N, 2, ?, 6] without fixed channels, height and width" },
        { "ceil_mode", "node 'pool0' (MaxPool) has ceil_mode = 1" },
        { "pool pads", "node 'pool0' (MaxPool) has pads = [1, 1, 1, 1]; NetGen's pools do not pad their input" },
        { "pool indices", "node 'pool0' (MaxPool) has a second output 'indices'" },
        { "rectangular window", "node 'pool0' (MaxPool) has kernel_shape = [2, 3]; NetGen's pooling windows are square" },
        { "activation after average pool", "node 'relu1' (Relu) follows a AveragePool; NetGen's pools have no activation" },
        { "softmax after conv", "node 'relu0' (Softmax) follows a Conv; NetGen supports Softmax on a dense output layer only" },
        { "training mode", "node 'bn0' (BatchNormalization) is in training mode (training_mode = 1)" },
        { "training outputs", "node 'bn0' (BatchNormalization) is in training mode (it outputs the running statistics 'mean_out')" },
        { "momentum", "node 'bn0' (BatchNormalization) has momentum = 1;" },
        { "epsilon", "node 'bn0' (BatchNormalization) has epsilon = 0;" },
        { "statistics shape", "node 'bn0' (BatchNormalization) has input_mean 'm0' of shape [4]; it must be [3], one value per channel" },
        { "batch norm first", "node 'bn0' (BatchNormalization) comes before any layer" },
        { "dense on image", "node 'gemm1' (Gemm) reads the image [N, 3, 3, 3]; flatten it first" },
        { "reshape", "node 'reshape0' (Reshape) reshapes the image [N, 3, 3, 3] to [-1, 3, 9]; only a flatten to [-1, 27] or [0, -1] is imported" },
        { "pad", "node 'pad0' (Pad) pads by [0, 0, 1, 1, 0, 0, 1, 1]" },
        { "image output", "its output 'y' has 4 dimensions; NetGen imports a 2-D output" },
    };

    [Theory]
    [MemberData(nameof(UnsupportedImageGraphs))]
    public void UnsupportedImageGraph(string change, string expected)
    {
        Proto Conv(params Proto[] attributes) => Node("Conv", ["x", "W0", "b0"], ["z0"], "conv0", attributes);
        Proto Pool(string op = "MaxPool", string[]? outputs = null, params Proto[] attributes) =>
            Node(op, ["a0"], outputs ?? ["p0"], "pool0", attributes.Length > 0 ? attributes : [Ints("kernel_shape", 2, 2), Ints("strides", 2, 2)]);
        Proto BatchNorm(string[]? outputs = null, params Proto[] attributes) => Node("BatchNormalization", ["p0", "g0", "be0", "m0", "v0"], outputs ?? ["n0"], "bn0", attributes);
        byte[] model = ImageChain((nodes, initializers, inputs, outputs) =>
        {
            switch (change)
            {
                case "dilations": nodes[0] = Conv(Ints("dilations", 2, 2), Ints("pads", 1, 1, 1, 1)); break;
                case "group": nodes[0] = Conv(Int("group", 2), Ints("pads", 1, 1, 1, 1)); break;
                case "asymmetric pads": nodes[0] = Conv(Ints("pads", 1, 1, 0, 0)); break;
                case "auto_pad": nodes[0] = Conv(StringAttribute("auto_pad", "SAME_UPPER")); break;
                case "rectangular kernel": initializers[0] = Tensor("W0", [3, 2, 3, 2], new float[36]); break;
                case "strides": nodes[0] = Conv(Ints("pads", 1, 1, 1, 1), Ints("strides", 1, 2)); break;
                case "channels": initializers[0] = Tensor("W0", [3, 1, 3, 3], new float[27]); break;
                case "kernel too large":
                    initializers[0] = Tensor("W0", [3, 2, 9, 9], new float[486]);
                    nodes[0] = Conv(Ints("pads", 1, 1, 1, 1)); // kernel_shape is optional: the weights give it
                    break;
                case "kernel_shape": nodes[0] = Conv(Ints("kernel_shape", 5, 5), Ints("pads", 1, 1, 1, 1)); break;
                case "conv on flat": inputs[0] = Value("x", Float, 72); break;
                case "open image": inputs[0] = ImageValue("x", 2, 0, 6); break;
                case "ceil_mode": nodes[2] = Pool(attributes: [Ints("kernel_shape", 2, 2), Ints("strides", 2, 2), Int("ceil_mode", 1)]); break;
                case "pool pads": nodes[2] = Pool(attributes: [Ints("kernel_shape", 2, 2), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1)]); break;
                case "pool indices": nodes[2] = Pool(outputs: ["p0", "indices"]); break;
                case "rectangular window": nodes[2] = Pool(attributes: [Ints("kernel_shape", 2, 3)]); break;
                case "activation after average pool":
                    nodes[2] = Node("AveragePool", ["a0"], ["q0"], "pool0", Ints("kernel_shape", 2, 2), Ints("strides", 2, 2));
                    nodes.Insert(3, Node("Relu", ["q0"], ["p0"], "relu1"));
                    break;
                case "softmax after conv": nodes[1] = Node("Softmax", ["z0"], ["a0"], "relu0", Int("axis", 1)); break;
                case "training mode": nodes[3] = BatchNorm(attributes: Int("training_mode", 1)); break;
                case "training outputs": nodes[3] = BatchNorm(outputs: ["n0", "mean_out", "var_out"]); break;
                case "momentum": nodes[3] = BatchNorm(attributes: FloatAttribute("momentum", 1f)); break;
                case "epsilon": nodes[3] = BatchNorm(attributes: FloatAttribute("epsilon", 0f)); break;
                case "statistics shape": initializers[4] = Tensor("m0", [4], [0f, 0f, 0f, 0f]); break;
                case "batch norm first":
                    nodes.RemoveRange(0, 3);
                    nodes[0] = Node("BatchNormalization", ["x", "g0", "be0", "m0", "v0"], ["n0"], "bn0");
                    break;
                case "dense on image": nodes.RemoveAt(4); nodes[4] = Node("Gemm", ["n0", "W1", "b1"], ["y"], "gemm1", Int("transB", 1)); break;
                case "reshape":
                    initializers.Add(Int64Tensor("shape0", [-1, 3, 9]));
                    nodes[4] = Node("Reshape", ["n0", "shape0"], ["f0"], "reshape0");
                    break;
                case "pad":
                    initializers.Add(Int64Tensor("pads0", [0, 0, 1, 1, 0, 0, 1, 1]));
                    nodes.Insert(3, Node("Pad", ["p0", "pads0"], ["padded0"], "pad0"));
                    nodes[4] = Node("BatchNormalization", ["padded0", "g0", "be0", "m0", "v0"], ["n0"], "bn0");
                    break;
                case "image output": outputs[0] = ImageValue("y", 1, 1, 2); break;
            }
        });
        Assert.Null(TryImport(model, out string? error));
        Assert.StartsWith("NETGEN032: The ONNX file 'model.onnx' of network 'Net' cannot be imported: ", error);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void ZeroPadAndReshapeToFlatImport()
    {
        // PyTorch writes a Pad of zeros before AveragePool and x.view(-1, n) as a Reshape: both import as what they compute.
        var baked = TryImport(ImageChain((nodes, initializers, _, _) =>
        {
            initializers.Add(Int64Tensor("pads0", new long[8]));
            initializers.Add(Int64Tensor("shape0", [-1, 27]));
            nodes.Insert(2, Node("Pad", ["a0", "pads0"], ["padded0"], "pad0"));
            nodes[3] = Node("AveragePool", ["padded0"], ["p0"], "pool0", Ints("kernel_shape", 2, 2), Ints("strides", 2, 2), Ints("pads", 0, 0, 0, 0));
            nodes[5] = Node("Reshape", ["n0", "shape0"], ["f0"], "reshape0");
        }), out string? error);
        Assert.Null(error);
        Assert.Equal("Input(2, 6, 6) -> Conv2D(3, 3, ReLU, stride=1, padding=1) -> AvgPool2D(2, stride=2) -> BatchNorm(Identity, momentum=0.1, epsilon=1E-05) -> Dense(2, Identity) | MeanSquaredError",
            ArchitectureDescriber.Architecture(baked!.Network));
    }
}
