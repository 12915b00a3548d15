using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace NetGen.Generator.Tests;

/// <summary>
/// Golden files of generated source, reviewed like code: a diff here is a change to what users read and run.
/// Set NETGEN_UPDATE_BASELINES=1 to rewrite them (the run then fails, so an update is never mistaken for a pass).
/// </summary>
public class BaselineTests
{
    [Fact]
    public void Xor() => Verify("""
        using NetGen;
        [Network(Loss = LossFunction.BinaryCrossEntropy)]
        [Input(2)]
        [Dense(4, Activation.Tanh)]
        [Dense(1, Activation.Sigmoid)]
        public partial class XorNet;
        """);

    // A tiny classifier: every layer unrolled, so ComputeGradients runs in Vector128 lanes, softmax and its
    // cross-entropy written out per unit.
    [Fact]
    public void TinySoftmaxInLanes() => Verify("""
        using NetGen;
        [Network(Loss = LossFunction.CrossEntropy)]
        [Input(3)]
        [Dense(5, Activation.ELU, Alpha = 0.5f)]
        [Dense(3, Activation.Softmax)]
        public partial class Iris;
        """);

    [Fact]
    public void MnistWithDropout() => Verify("""
        using NetGen;
        namespace Digits;
        [Network(Loss = LossFunction.CrossEntropy)]
        [Input(784)]
        [Dense(128, Activation.ReLU)]
        [Dropout(0.2f)]
        [Dense(64, Activation.ReLU)]
        [Dense(10, Activation.Softmax)]
        public partial class MnistNet;
        """);

    [Fact]
    public void DigitsCnn() => Verify("""
        using NetGen;
        namespace Digits;
        [Network(Loss = LossFunction.CrossEntropy)]
        [Input(1, 28, 28)]
        [Conv2D(16, 5, Activation.ReLU, Padding = 2)]
        [MaxPool2D(2)]
        [Conv2D(32, 5, Activation.Identity, Padding = 2)]
        [BatchNorm(Activation = Activation.ReLU)]
        [AvgPool2D(2)]
        [Dense(128, Activation.ReLU)]
        [Dense(10, Activation.Softmax)]
        public partial class DigitsCnn;
        """);

    [Fact]
    public void MaxoutNestedInGenericType() => Verify("""
        using NetGen;
        namespace Outer.Space
        {
            public partial class Container<T>
            {
                [Network]
                [Input(17)]
                [Maxout(8, 3)]
                [Dense(5, Activation.LeakyReLU, Alpha = 0.1f)]
                [Dense(3, Activation.ELU)]
                internal partial record Regressor;
            }
        }
        """);

    [Fact]
    public void WideLayersUseThreadScratch() => Verify("""
        using NetGen;
        [Network(Loss = LossFunction.CrossEntropy)]
        [Input(784)]
        [Dense(20000, Activation.ReLU)]
        [Dense(10, Activation.Softmax)]
        public partial class Wide;
        """);

    // Rosenblatt's perceptron: its own emitter, threshold units and the perceptron rule.
    [Fact]
    public void Perceptron() => Verify("""
        using NetGen;
        namespace Gates;
        [Perceptron(Inputs = 2)]
        public partial class OrGate;
        """);

    // [Network(Weights = ...)]: the parameters of a model file compiled in as constant data, with the static
    // Infer/Classify entry points. The file is the XOR network initialized from seed 3, saved by the runtime.
    [Fact]
    public void BakedWeights()
    {
        const string layers = "[Network(Loss = LossFunction.BinaryCrossEntropy)] [Input(2)] [Dense(4, Activation.Tanh)] [Dense(1, Activation.Sigmoid)]";
        var trained = GeneratorHarness.CompileAndLoad(GeneratorHarness.Run($"using NetGen;\nnamespace App;\n{layers}\npublic partial class Net;"));
        var network = (INetwork)Activator.CreateInstance(trained.GetType("App.Net")!, 3)!;
        string folder = Directory.CreateTempSubdirectory("netgen-baseline-").FullName;
        try
        {
            string path = Path.Combine(folder, "xor.ngw");
            NetGen.Serialization.ModelFile.Save(network, path);
            Verify($"using NetGen;\nnamespace App;\n{layers.Replace("[Network(", "[Network(Weights = \"xor.ngw\", ")}\npublic partial class Net;", files: [new FileText(path)]);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    // [Network(Weights = ...)] with an int8 quantized model file: the file's bytes compiled in, and the static
    // Infer/Classify on the QuantizedNetwork decoded from them. The network (ReLU, softmax: no table, so no exp in the
    // file) is initialized from seed 3 and quantized on fixed calibration inputs.
    [Fact]
    public void BakedInt8Weights()
    {
        const string layers = "[Network(Loss = LossFunction.CrossEntropy)] [Input(2)] [Dense(4, Activation.ReLU)] [Dense(2, Activation.Softmax)]";
        var trained = GeneratorHarness.CompileAndLoad(GeneratorHarness.Run($"using NetGen;\nnamespace App;\n{layers}\npublic partial class Net;"));
        var network = (INetwork)Activator.CreateInstance(trained.GetType("App.Net")!, 3)!;
        float[] calibration = [0, 0, 0, 1, 1, 0, 1, 1, -1, 0.5f, 2, -2];
        string folder = Directory.CreateTempSubdirectory("netgen-baseline-").FullName;
        try
        {
            string path = Path.Combine(folder, "net-int8.ngw");
            NetGen.Serialization.ModelFile.Save(network.Quantize(calibration, 6), path);
            Verify($"using NetGen;\nnamespace App;\n{layers.Replace("[Network(", "[Network(Weights = \"net-int8.ngw\", ")}\npublic partial class Net;", files: [new FileText(path)]);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    // [Network(Onnx = ...)]: layers and parameters imported from a PyTorch export (OnnxFixtures/gemm_relu_softmax.onnx).
    [Fact]
    public void OnnxImported() => Verify("""
        using NetGen;
        namespace App;
        [Network(Onnx = "gemm_relu_softmax.onnx", Loss = LossFunction.CrossEntropy)]
        public partial class Net;
        """, files: [new FileText(Path.Combine(OnnxFixtures(), "gemm_relu_softmax.onnx"))]);

    [Fact]
    public void OutputDoesNotDependOnTheCulture()
    {
        const string source = """
            using NetGen;
            [Network] [Input(3)] [Dense(4, Activation.LeakyReLU, Alpha = 0.05f)] [Dropout(0.25f)] [Dense(2, Activation.ELU, Alpha = 1.5f)]
            public partial class Cultured;
            """;
        string invariant = Generate(source);
        var saved = CultureInfo.CurrentCulture;
        try
        {
            // fi-FI writes negative numbers with U+2212 and uses a comma as the decimal separator.
            CultureInfo.CurrentCulture = new CultureInfo("fi-FI");
            Assert.Equal("\u2212", CultureInfo.CurrentCulture.NumberFormat.NegativeSign);
            Assert.Equal(invariant, Generate(source));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    private static string Generate(string source) =>
        Assert.Single(GeneratorHarness.Run(source).Sources).Text;

    private static string OnnxFixtures([CallerFilePath] string thisFile = "") => Path.Combine(Path.GetDirectoryName(thisFile)!, "OnnxFixtures");

    private static void Verify(string source, AdditionalText[]? files = null, [CallerMemberName] string test = "", [CallerFilePath] string thisFile = "")
    {
        var result = GeneratorHarness.RunWithFiles(source, files ?? []);
        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Severity >= DiagnosticSeverity.Warning); // NETGEN901 (info) may list looped layers
        GeneratorHarness.CompileAndLoad(result); // a golden file of code that does not compile is worthless

        string folder = Path.Combine(Path.GetDirectoryName(thisFile)!, "Baselines", test);
        var actual = result.Sources.ToDictionary(s => s.HintName + ".txt", s => Normalize(s.Text.Replace(NetworkGenerator.Emitter.Version, "%VERSION%")));
        if (Environment.GetEnvironmentVariable("NETGEN_UPDATE_BASELINES") == "1")
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            Directory.CreateDirectory(folder);
            foreach (var (name, text) in actual) File.WriteAllText(Path.Combine(folder, name), text);
            Assert.Fail($"Baselines of {test} rewritten in {folder}; review the diff and run again without NETGEN_UPDATE_BASELINES.");
        }

        Assert.True(Directory.Exists(folder), $"No baselines for {test}; run with NETGEN_UPDATE_BASELINES=1 to create them.");
        var expectedFiles = Directory.GetFiles(folder, "*.txt").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expectedFiles, actual.Keys.Order(StringComparer.Ordinal).ToArray());
        foreach (var (name, text) in actual)
        {
            string[] expectedLines = Normalize(File.ReadAllText(Path.Combine(folder, name))).Split('\n');
            string[] actualLines = text.Split('\n');
            for (int i = 0; i < Math.Max(expectedLines.Length, actualLines.Length); i++)
            {
                string? e = i < expectedLines.Length ? expectedLines[i] : null, a = i < actualLines.Length ? actualLines[i] : null;
                if (e != a) Assert.Fail($"{test}/{name} differs at line {i + 1}:\n expected: {e ?? "<end of file>"}\n   actual: {a ?? "<end of file>"}\n(set NETGEN_UPDATE_BASELINES=1 to accept)");
            }
        }
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n");
}
