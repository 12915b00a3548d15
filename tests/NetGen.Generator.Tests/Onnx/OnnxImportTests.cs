using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using NetGen.Generator.Helpers;
using NetGen.Generator.Onnx;
using NetGen.Onnx;
using static NetGen.Generator.Tests.Onnx.OnnxBuilder;

namespace NetGen.Generator.Tests.Onnx;

/// <summary>
/// [Network(Onnx = "model.onnx")]: models exported from PyTorch (OnnxFixtures/, made by make_fixtures.py) compile into
/// networks whose Infer and Forward reproduce PyTorch's outputs; NetGen's own export re-imports to the same network;
/// one test per diagnostic (NETGEN028-034, and NETGEN007 for the loss) at its exact location; incremental caching.
/// </summary>
public sealed class OnnxImportTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("netgen-onnx-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Fixtures([CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "OnnxFixtures");

    private const string Probe = """

        public static class Probe
        {
            public static float[] Infer(float[] x) { var y = new float[App.Net.OutputSize]; App.Net.Infer(x, y); return y; }
            public static float[] Forward(float[] x) { var y = new float[App.Net.OutputSize]; new App.Net().Forward(x, y); return y; }
            public static string Architecture() => App.Net.Architecture;
        }
        """;

    private static string Declaration(string file, string arguments = "", string attributes = "") =>
        $"using NetGen;\nnamespace App;\n[Network(Onnx = \"{file}\"{arguments})]{attributes}\npublic partial class Net {{ }}\n";

    private static GeneratorHarness.Result Run(string source, params AdditionalText[] files) => GeneratorHarness.RunWithFiles(source, files);

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static T Call<T>(Assembly assembly, string method, params object[] arguments) =>
        (T)assembly.GetType("App.Probe")!.GetMethod(method)!.Invoke(null, arguments)!;

    // ----- PyTorch fixtures -----

    [Theory]
    [InlineData("gemm_relu_softmax", ", Loss = LossFunction.CrossEntropy", "Input(4) -> Dense(8, ReLU) -> Dense(3, Softmax) | CrossEntropy")]
    [InlineData("gemm_activations", ", Loss = LossFunction.BinaryCrossEntropy",
        "Input(5) -> Dense(16, Tanh) -> Dense(16, LeakyReLU, alpha=0.2) -> Dense(16, ELU, alpha=0.5) -> Dense(2, Sigmoid) | BinaryCrossEntropy")]
    [InlineData("matmul_add", "", "Input(6) -> Dense(12, Tanh) -> Dense(4, Identity) | MeanSquaredError")]
    [InlineData("dropout_flatten", "", "Input(7) -> Dense(9, ReLU) -> Dense(3, Identity) | MeanSquaredError")]
    [InlineData("helper_gemm_transb0", "",
        "Input(3) -> Dense(5, LeakyReLU, alpha=0.01) -> Dense(4, ELU, alpha=1) -> Dense(2, Identity) | MeanSquaredError")]
    [InlineData("cnn_conv_linear", "",
        "Input(1, 8, 8) -> Conv2D(4, 3, ReLU, stride=1, padding=1) -> Conv2D(3, 3, Tanh, stride=2, padding=0) -> Dense(5, Identity) | MeanSquaredError")]
    public void ImportedNetworkReproducesPyTorch(string fixture, string arguments, string architecture)
    {
        string model = Path.Combine(Fixtures(), fixture + ".onnx");
        var result = Run(Declaration(fixture + ".onnx", arguments) + Probe, new FileText(model));
        Assert.Equal(["App.Net.NetGen.g.cs", "App.Net.NetGen.Weights.g.cs"], result.Sources.Select(s => s.HintName).Order());
        Assert.All(result.Sources, s => Assert.Contains($"from the ONNX file {fixture}.onnx named by [Network(Onnx = ...)]", s.Text));
        var assembly = GeneratorHarness.CompileAndLoad(result);
        Assert.Equal(architecture, Call<string>(assembly, "Architecture"));

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures(), fixture + ".json")));
        float[][] Rows(string name) => json.RootElement.GetProperty(name).EnumerateArray()
            .Select(row => row.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();
        var inputs = Rows("inputs");
        var outputs = Rows("outputs");
        Assert.NotEmpty(inputs);
        for (int i = 0; i < inputs.Length; i++)
        {
            float[] inferred = Call<float[]>(assembly, "Infer", inputs[i]);
            Assert.Equal(outputs[i].Length, inferred.Length);
            for (int j = 0; j < inferred.Length; j++)
                Assert.True(Math.Abs(inferred[j] - outputs[i][j]) <= 1e-5f, $"{fixture} sample {i} output {j}: NetGen {inferred[j]:R}, PyTorch {outputs[i][j]:R}");
            Assert.Equal(inferred, Call<float[]>(assembly, "Forward", inputs[i])); // an instance starts from the imported parameters
        }
    }

    // ----- round trip: NetGen's own ONNX export imports back to the same network -----

    public static TheoryData<string, bool> RoundTripNetworks => new()
    {
        { "[Network(Loss = LossFunction.CrossEntropy)] [Input(10)] [Dense(16, Activation.ReLU)] [Dense(4, Activation.Softmax)]", true },
        { "[Network(Loss = LossFunction.BinaryCrossEntropy)] [Input(2)] [Dense(4, Activation.Tanh)] [Dense(1, Activation.Sigmoid)]", true },
        { "[Network] [Input(20)] [Dense(24, Activation.LeakyReLU, Alpha = 0.1f)] [Maxout(8, 3)] [Dense(6, Activation.ELU, Alpha = 0.7f)] [Dense(3)]", true },
        { "[Network] [Input(9)] [Dense(12, Activation.Sigmoid)] [Dropout(0.3f)] [Dense(5, Activation.Tanh)] [Dense(2)]", false },
    };

    [Theory]
    [MemberData(nameof(RoundTripNetworks))]
    public void NetGenExportImportsToTheSameNetwork(string attributes, bool sameArchitecture)
    {
        string declared = "using NetGen;\nnamespace App;\n" + attributes + "\npublic partial class Net { }\n";
        var original = (INetwork)Activator.CreateInstance(GeneratorHarness.CompileAndLoad(GeneratorHarness.Run(declared)).GetType("App.Net")!, 5)!;
        var random = new Random(8);
        for (int i = 0; i < original.Parameters.Length; i++) original.Parameters[i] += (float)(random.NextDouble() - 0.5) * 0.2f; // non-zero biases
        byte[] exported = OnnxExporter.Export(original);
        string path = Write("net.onnx", exported);

        var loss = attributes.Contains("CrossEntropy") ? $", Loss = LossFunction.{original.Loss}" : "";
        var assembly = GeneratorHarness.CompileAndLoad(Run(Declaration("net.onnx", loss) + Probe, new FileText(path)));
        var imported = (INetwork)Activator.CreateInstance(assembly.GetType("App.Net")!)!;
        if (sameArchitecture)
        {
            Assert.Equal(original.Architecture, imported.Architecture);
            Assert.Equal(original.Parameters.ToArray(), imported.Parameters.ToArray());
            Assert.Equal(exported, OnnxExporter.Export(imported)); // and exporting again gives the same bytes
        }
        else
        {
            Assert.Equal(original.Architecture.Replace(" -> Dropout(0.3)", ""), imported.Architecture); // dropout is the identity at inference
        }
        var expected = new float[original.OutputSize];
        for (int sample = 0; sample < 10; sample++)
        {
            float[] x = Enumerable.Range(0, original.InputSize).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
            original.Forward(x, expected);
            Assert.Equal(expected, Call<float[]>(assembly, "Infer", x));
        }
    }

    // ----- diagnostics: id, severity, exact location, what the message names -----

    private static Diagnostic SingleError(GeneratorHarness.Result result, string id, string location)
    {
        var matching = result.GeneratorDiagnostics.Where(d => d.Id == id).ToList();
        Assert.True(matching.Count == 1, $"Expected one {id}, got: {string.Join("; ", result.GeneratorDiagnostics)}");
        var d = matching[0];
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.True(d.Location.IsInSource);
        Assert.Equal(location, d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan));
        Assert.EndsWith(id + ".md", d.Descriptor.HelpLinkUri);
        Assert.Empty(result.Sources); // nothing is generated for the network, and nothing else breaks
        Assert.Empty(result.Output.GetDiagnostics().Where(x => x.Severity == DiagnosticSeverity.Error));
        return d;
    }

    private Diagnostic ImportError(byte[] model, string id)
    {
        var d = SingleError(Run(Declaration("model.onnx"), new FileText(Write("model.onnx", model))), id, "Onnx = \"model.onnx\"");
        Assert.Contains("'model.onnx'", d.GetMessage());
        Assert.Contains("'Net'", d.GetMessage());
        return d;
    }

    [Fact]
    public void ChainBuiltByTheTestsImports()
    {
        var result = Run(Declaration("model.onnx") + Probe, new FileText(Write("model.onnx", Chain())));
        Assert.Empty(result.GeneratorDiagnostics);
        var assembly = GeneratorHarness.CompileAndLoad(result);
        // y = 0.25 + [1, -1, 0.5] · relu(W0 x + b0) with x = (1, 1): W0 x + b0 = (0.31, 0.68, 1.13)
        float y = Call<float[]>(assembly, "Infer", new[] { 1f, 1f })[0];
        Assert.Equal(0.25f + 0.31f - 0.68f + 0.5f * 1.13f, y, 1e-6f);
    }

    [Fact]
    public void MissingFile()
    {
        var d = SingleError(Run(Declaration("missing.onnx"), new FileText(Write("other.onnx", Chain()))), "NETGEN028", "Onnx = \"missing.onnx\"");
        Assert.Contains("'missing.onnx'", d.GetMessage());
    }

    [Fact]
    public void AmbiguousName()
    {
        var d = SingleError(Run(Declaration("model.onnx"), new FileText(Write("a/model.onnx", Chain())), new FileText(Write("b/model.onnx", Chain()))),
            "NETGEN029", "Onnx = \"model.onnx\"");
        Assert.Contains("matches 2 AdditionalFiles items", d.GetMessage());
    }

    [Theory]
    [InlineData("empty", "it has no graph")]
    [InlineData("text", "truncated or corrupt")]
    [InlineData("truncated", "truncated or corrupt")]
    [InlineData("raw_data", "needs 24 bytes of raw_data but has 20")]
    public void InvalidFile(string damage, string expected)
    {
        byte[] model = damage switch
        {
            "empty" => [],
            "text" => "<html>not a model</html>"u8.ToArray(),
            "truncated" => Chain()[..^7],
            _ => Chain((_, initializers, _, _) => initializers[0] = Tensor("W0", [3, 2], [0.1f, 0.2f, 0.3f, 0.4f, 0.5f])),
        };
        Assert.Contains(expected, ImportError(model, "NETGEN030").GetMessage());
    }

    [Fact]
    public void UnsupportedOperator()
    {
        var d = ImportError(Chain((nodes, _, _, _) => nodes[1] = Node("ConvTranspose", ["z0"], ["a0"], "deconv0")), "NETGEN031");
        Assert.Contains("operator 'ConvTranspose' in node 'deconv0'", d.GetMessage());
        Assert.Contains("no transposed convolution", d.GetMessage());
    }

    [Fact]
    public void OperatorFromAnotherDomain()
    {
        var relu = Node("Relu", ["z0"], ["a0"], "custom_relu").String(7, "com.example");
        Assert.Contains("operator set 'com.example'", ImportError(Chain((nodes, _, _, _) => nodes[1] = relu), "NETGEN031").GetMessage());
    }

    public static TheoryData<string, string> UnsupportedGraphs => new()
    {
        { "two inputs", "it has 2 inputs ('x', 'x2')" },
        { "int input", "input 'x' has element type INT64" },
        { "3-D input", "input 'x' has 3 dimensions" },
        { "branch", "node 'gemm1' (Gemm) takes 'z0' as its input, but the chain's current value is 'a0'" },
        { "skip connection", "node 'skip' (Add) reads 'z0', which is neither the previous node's output nor an initializer" },
        { "activation first", "node 'relu' (Relu) comes before any layer" },
        { "int weights", "tensor 'W0' has element type INT64" },
        { "external data", "tensor 'W0' keeps its data in an external file" },
        { "transA", "node 'gemm0' (Gemm) has transA = 1" },
        { "beta", "node 'gemm0' (Gemm) has beta = 0.5" },
        { "two activations", "node 'sigmoid0' (Sigmoid) follows another activation" },
        { "softmax hidden", "node 'softmax0' (Softmax) is not on the last layer" },
        { "leaky alpha", "node 'relu0' (LeakyRelu) has alpha = 1.5" },
        { "wrong width", "node 'gemm0' (Gemm) has weights 'W0' of shape [3, 2] for 2 inputs, but its input has 5 values per sample" },
        { "bias shape", "a bias must have shape [3] or [1, 3]" },
        { "second output", "it has 2 outputs" },
        { "not a chain end", "its output 'y' is not the value at the end of the chain ('a1')" },
        { "reshape", "node 'reshape0' (Reshape) reshapes to [1, 6]" },
        { "no layer", "it has no Gemm, MatMul, Conv or pooling node" },
    };

    [Theory]
    [MemberData(nameof(UnsupportedGraphs))]
    public void UnsupportedGraph(string change, string expected)
    {
        byte[] model = Chain((nodes, initializers, inputs, outputs) =>
        {
            switch (change)
            {
                case "two inputs": inputs.Add(Value("x2", Float, 2)); break;
                case "int input": inputs[0] = Value("x", Int64Type, 2); break;
                case "3-D input":
                    inputs[0] = new Proto().String(1, "x").Message(2, new Proto().Message(1, new Proto().Varint(1, Float).Message(2,
                        new Proto().Message(1, new Proto().Varint(1, 1)).Message(1, new Proto().Varint(1, 2)).Message(1, new Proto().Varint(1, 2)))));
                    break;
                case "branch": nodes[2] = Node("Gemm", ["z0", "W1", "b1"], ["y"], "gemm1", Int("transB", 1)); break;
                case "int weights": initializers[0] = Tensor("W0", [3, 2], [1, 2, 3, 4, 5, 6], type: Int64Type); break;
                case "external data": initializers[0] = Tensor("W0", [3, 2], [], external: true); break;
                case "transA": nodes[0] = Node("Gemm", ["x", "W0", "b0"], ["z0"], "gemm0", Int("transA", 1), Int("transB", 1)); break;
                case "beta": nodes[0] = Node("Gemm", ["x", "W0", "b0"], ["z0"], "gemm0", Int("transB", 1), FloatAttribute("beta", 0.5f)); break;
                case "two activations":
                    nodes.Insert(2, Node("Sigmoid", ["a0"], ["s0"], "sigmoid0"));
                    nodes[3] = Node("Gemm", ["s0", "W1", "b1"], ["y"], "gemm1", Int("transB", 1));
                    break;
                case "softmax hidden": nodes[1] = Node("Softmax", ["z0"], ["a0"], "softmax0", Int("axis", 1)); break;
                case "leaky alpha": nodes[1] = Node("LeakyRelu", ["z0"], ["a0"], "relu0", FloatAttribute("alpha", 1.5f)); break;
                case "wrong width": inputs[0] = Value("x", Float, 5); break;
                case "bias shape": initializers[1] = Tensor("b0", [2], [1, 2]); break;
                case "second output": outputs.Add(Value("a0", Float, 3)); break;
                case "not a chain end": nodes.Add(Node("Relu", ["y"], ["a1"], "relu1")); break;
                case "reshape":
                    initializers.Add(Int64Tensor("shape0", [1, 6]));
                    nodes.Insert(1, Node("Reshape", ["z0", "shape0"], ["r0"], "reshape0"));
                    break;
                case "skip connection":
                    nodes.Insert(2, Node("Add", ["a0", "z0"], ["s0"], "skip"));
                    nodes[3] = Node("Gemm", ["s0", "W1", "b1"], ["y"], "gemm1", Int("transB", 1));
                    break;
                case "activation first":
                    nodes.Clear();
                    nodes.Add(Node("Relu", ["x"], ["y"], "relu"));
                    break;
                case "no layer":
                    nodes.Clear();
                    nodes.Add(Node("Identity", ["x"], ["y"], "identity"));
                    break;
            }
        });
        Assert.Contains(expected, ImportError(model, "NETGEN032").GetMessage());
    }

    [Fact]
    public void WeightsAndOnnx()
    {
        var d = SingleError(Run(Declaration("model.onnx", ", Weights = \"net.ngw\""), new FileText(Write("model.onnx", Chain()))),
            "NETGEN033", "Weights = \"net.ngw\"");
        Assert.Contains("'model.onnx'", d.GetMessage());
    }

    [Fact]
    public void LayerAttributesWithOnnx()
    {
        var d = SingleError(Run(Declaration("model.onnx", attributes: " [Input(2)] [Dense(3)]"), new FileText(Write("model.onnx", Chain()))),
            "NETGEN034", "Input(2)");
        Assert.Contains("cannot also declare [Input]", d.GetMessage());
    }

    [Fact]
    public void LossThatDoesNotFitTheImportedOutput()
    {
        var d = SingleError(Run(Declaration("model.onnx", ", Loss = LossFunction.CrossEntropy"), new FileText(Write("model.onnx", Chain()))),
            "NETGEN007", "Loss = LossFunction.CrossEntropy");
        Assert.Contains("needs a Softmax output layer, but its last layer is Dense with Identity", d.GetMessage());
    }

    /// <summary>Damaged files never make the importer throw anything but its own error, and never allocate beyond the file.</summary>
    [Fact]
    public void DamagedFilesGiveDiagnosticsNotExceptions()
    {
        var random = new Random(1234);
        byte[][] originals = Directory.GetFiles(Fixtures(), "*.onnx").Select(File.ReadAllBytes).Append(Chain()).ToArray();
        int rejected = 0;
        for (int trial = 0; trial < 3000; trial++)
        {
            byte[] file = (byte[])originals[trial % originals.Length].Clone();
            switch (trial % 3)
            {
                case 0: file[random.Next(file.Length)] = (byte)random.Next(256); break;
                case 1: file = file[..random.Next(file.Length)]; break;
                default:
                    for (int k = 0; k < 8; k++) file[random.Next(file.Length)] ^= (byte)(1 << random.Next(8));
                    break;
            }
            try
            {
                OnnxImporter.Import(file);
            }
            catch (OnnxImportException e)
            {
                Assert.StartsWith("NETGEN03", e.Descriptor.Id);
                rejected++;
            }
        }
        Assert.True(rejected > 1000, $"only {rejected} of 3000 damaged files were rejected");
    }

    // ----- incremental caching -----

    private static IncrementalStepRunReason[] Reasons(GeneratorDriver driver, string step) =>
        driver.GetRunResult().Results[0].TrackedSteps.TryGetValue(step, out var steps)
            ? steps.SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray()
            : [];

    private (GeneratorDriver Driver, CSharpCompilation Compilation, AdditionalText File) FirstRun()
    {
        var file = new FileText(Path.Combine(Fixtures(), "matmul_add.onnx"));
        var compilation = GeneratorHarness.CreateCompilation(Declaration("model.onnx") + "// a comment\n");
        var copy = new FileText(Write("model.onnx", File.ReadAllBytes(file.Path)));
        return (GeneratorHarness.CreateDriver(copy).RunGenerators(compilation), compilation, copy);
    }

    [Fact]
    public void ChangedFileRegeneratesTheNetwork()
    {
        var (driver, compilation, file) = FirstRun();
        string changed = Write("v2/model.onnx", File.ReadAllBytes(Path.Combine(Fixtures(), "dropout_flatten.onnx")));
        driver = driver.ReplaceAdditionalText(file, new FileText(changed)).RunGenerators(compilation);
        Assert.Equal([IncrementalStepRunReason.Cached], Reasons(driver, TrackingNames.OnnxRequest));
        Assert.Equal([IncrementalStepRunReason.Modified], Reasons(driver, TrackingNames.OnnxImport));
        Assert.Equal([IncrementalStepRunReason.Modified], Reasons(driver, TrackingNames.OnnxSpec));
        Assert.Contains("Input(7)", driver.GetRunResult().GeneratedTrees.Single(t => t.FilePath.EndsWith("App.Net.NetGen.g.cs")).ToString());
    }

    [Fact]
    public void UnrelatedEditsDoNotReadTheFileAgain()
    {
        var (driver, compilation, file) = FirstRun();
        driver = driver.RunGenerators(compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace App; public class Other { }", new CSharpParseOptions(LanguageVersion.Latest))));
        Assert.Equal([IncrementalStepRunReason.Cached], Reasons(driver, TrackingNames.OnnxImport));

        var old = compilation.SyntaxTrees.First();
        var edited = compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(old.GetText().ToString().Replace("// a comment", "// another comment"), (CSharpParseOptions)old.Options, old.FilePath));
        driver = driver.RunGenerators(edited);
        Assert.All(Reasons(driver, TrackingNames.OnnxRequest), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
        Assert.Equal([IncrementalStepRunReason.Cached], Reasons(driver, TrackingNames.OnnxImport));

        // The same bytes under another path: the import re-runs and finds nothing changed.
        string copy = Write("copy/model.onnx", File.ReadAllBytes(file.Path));
        driver = driver.ReplaceAdditionalText(file, new FileText(copy)).RunGenerators(edited);
        Assert.Equal([IncrementalStepRunReason.Unchanged], Reasons(driver, TrackingNames.OnnxImport));
        Assert.All(Reasons(driver, TrackingNames.OnnxSpec), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
    }

    [Fact]
    public void ModelsHoldNothingFromTheCompilation()
    {
        var (driver, _, _) = FirstRun();
        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (string step in new[] { TrackingNames.OnnxRequest, TrackingNames.OnnxSpec })
        {
            var value = driver.GetRunResult().Results[0].TrackedSteps[step].Single().Outputs.Single().Value;
            IncrementalTests.Walk(value, visited, step);
        }
        Assert.True(visited.Count >= 6, "the walker must actually visit the models");
    }

    [Fact]
    public void NetworksWithoutOnnxNeverImport()
    {
        var compilation = GeneratorHarness.CreateCompilation("using NetGen;\n[Network] [Input(2)] [Dense(1)] public partial class N;");
        var driver = GeneratorHarness.CreateDriver(new FileText(Path.Combine(Fixtures(), "matmul_add.onnx"))).RunGenerators(compilation);
        Assert.Empty(Reasons(driver, TrackingNames.OnnxImport));
    }
}
