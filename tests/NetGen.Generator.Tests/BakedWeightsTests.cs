using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using NetGen.Generator.Helpers;
using NetGen.Serialization;

using static NetGen.Generator.Tests.BakedWeightsHelpers;

namespace NetGen.Generator.Tests;

/// <summary>
/// [Network(Weights = "file.ngw")]: the generator reads a model file from the AdditionalFiles at build time. Checked
/// against the runtime: a network loaded with ModelFile.Load from the same file must give exactly the same outputs as
/// the static Infer on the baked parameters. Also: one test per diagnostic (NETGEN023-027) and incremental caching.
/// </summary>
public sealed class BakedWeightsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("netgen-baked-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private const string Probe = """

        public static class Probe
        {
            public static float[] Infer(float[] x) { var y = new float[App.Net.OutputSize]; App.Net.Infer(x, y); return y; }
            public static int Classify(float[] x) => App.Net.Classify(x);
            public static float[] Baked() => App.Net.BakedParameters.ToArray();
            public static long AllocatedByInfer(float[] x)
            {
                var y = new float[App.Net.OutputSize];
                for (int i = 0; i < 60; i++) { App.Net.Infer(x, y); App.Net.Classify(x); } // past tiered compilation's call counting and any on-stack replacement
                long before = System.GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 100; i++) { App.Net.Infer(x, y); App.Net.Classify(x); }
                return System.GC.GetAllocatedBytesForCurrentThread() - before;
            }
        }
        """;

    private static readonly string[] ArchitectureList =
    [
        // tiny: the forward pass is unrolled into straight-line code
        "[Network(Loss = LossFunction.BinaryCrossEntropy)] [Input(2)] [Dense(4, Activation.Tanh)] [Dense(1, Activation.Sigmoid)]",
        // SIMD kernels, softmax output
        "[Network(Loss = LossFunction.CrossEntropy)] [Input(100)] [Dense(37, Activation.ReLU)] [Dense(10, Activation.Softmax)]",
        // every other layer kind: LeakyReLU with alpha, dropout (the identity at inference), maxout
        "[Network] [Input(20)] [Dense(24, Activation.LeakyReLU, Alpha = 0.1f)] [Dropout(0.3f)] [Maxout(8, 3)] [Dense(3, Activation.ELU)]",
    ];

    public static TheoryData<string> Architectures => new(ArchitectureList);

    /// <summary>Compiles the network without baked weights, initializes it from <paramref name="seed"/> and saves it.</summary>
    private (INetwork Network, string Path) SaveNetwork(string attributes, int seed, string fileName = "net.ngw")
    {
        var assembly = GeneratorHarness.CompileAndLoad(GeneratorHarness.Run(Declaration(attributes, null)));
        var network = (INetwork)Activator.CreateInstance(assembly.GetType("App.Net")!, seed)!;
        string path = Path.Combine(_folder, fileName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ModelFile.Save(network, path);
        return (network, path);
    }

    private static GeneratorHarness.Result Run(string source, params AdditionalText[] files) => GeneratorHarness.RunWithFiles(source, files);

    private static float[] RandomInput(int size, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, size).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
    }

    private static T Call<T>(Assembly assembly, string method, params object[] arguments) =>
        (T)assembly.GetType("App.Probe")!.GetMethod(method)!.Invoke(null, arguments)!;

    [Theory]
    [MemberData(nameof(Architectures))]
    public void InferOnBakedWeightsMatchesTheNetworkLoadedFromTheSameFile(string attributes)
    {
        var (_, path) = SaveNetwork(attributes, seed: 42);
        var result = Run(Declaration(attributes, "net.ngw") + Probe, new FileText(path));
        Assert.Contains(result.Sources, s => s.HintName == "App.Net.NetGen.Weights.g.cs");
        var baked = GeneratorHarness.CompileAndLoad(result);

        // The oracle: a network compiled without Weights, given the file's parameters by the runtime's loader.
        var runtime = (INetwork)Activator.CreateInstance(GeneratorHarness.CompileAndLoad(GeneratorHarness.Run(Declaration(attributes, null))).GetType("App.Net")!, 7)!;
        ModelFile.Load(runtime, path);

        Assert.Equal(runtime.Parameters.ToArray(), Call<float[]>(baked, "Baked"));
        var fresh = (INetwork)Activator.CreateInstance(baked.GetType("App.Net")!)!;
        Assert.Equal(runtime.Parameters.ToArray(), fresh.Parameters.ToArray()); // constructors start from the baked weights

        var expected = new float[runtime.OutputSize];
        for (int sample = 0; sample < 20; sample++)
        {
            float[] x = RandomInput(runtime.InputSize, sample);
            runtime.Forward(x, expected);
            Assert.Equal(expected, Call<float[]>(baked, "Infer", x)); // bit for bit: the same generated forward pass
            Assert.Equal(runtime.Predict(x), Call<int>(baked, "Classify", x));
        }
        Assert.Equal(0L, Call<long>(baked, "AllocatedByInfer", RandomInput(runtime.InputSize, 99)));
    }

    [Fact]
    public void ConvolutionalNetworkWithBatchNormBakesItsRunningStatistics()
    {
        const string attributes = "[Network(Loss = LossFunction.CrossEntropy)] [Input(1, 10, 10)] [Conv2D(4, 3, Padding = 1)] [BatchNorm(Activation = Activation.ReLU)] [MaxPool2D(2)] [Dense(8)] [BatchNorm(Activation = Activation.Tanh)] [Dense(3, Activation.Softmax)]";
        var assembly = GeneratorHarness.CompileAndLoad(GeneratorHarness.Run(Declaration(attributes, null)));
        var runtime = (INetwork)Activator.CreateInstance(assembly.GetType("App.Net")!, 5)!;
        var random = new Random(5);
        for (int i = 0; i < runtime.RunningStatistics.Length; i++) runtime.RunningStatistics[i] = (float)(random.NextDouble() + 0.5);
        string path = Path.Combine(_folder, "cnn.ngw");
        ModelFile.Save(runtime, path);

        const string statisticsProbe = "\npublic static class StatisticsProbe { public static float[] Statistics() => App.Net.BakedRunningStatistics.ToArray(); }\n";
        var baked = GeneratorHarness.CompileAndLoad(Run(Declaration(attributes, "cnn.ngw") + Probe + statisticsProbe, new FileText(path)));
        Assert.Equal(runtime.Parameters.ToArray(), Call<float[]>(baked, "Baked"));
        var fresh = (INetwork)Activator.CreateInstance(baked.GetType("App.Net")!)!;
        Assert.Equal(runtime.Parameters.ToArray(), fresh.Parameters.ToArray());
        Assert.Equal(runtime.RunningStatistics.ToArray(), fresh.RunningStatistics.ToArray()); // constructors start from the baked statistics too
        Assert.Equal(runtime.RunningStatistics.ToArray(), (float[])baked.GetType("App.StatisticsProbe")!.GetMethod("Statistics")!.Invoke(null, null)!);

        var expected = new float[runtime.OutputSize];
        for (int sample = 0; sample < 10; sample++)
        {
            float[] x = RandomInput(runtime.InputSize, sample);
            runtime.Forward(x, expected);
            Assert.Equal(expected, Call<float[]>(baked, "Infer", x)); // inference reads the baked running statistics
        }
        Assert.Equal(0L, Call<long>(baked, "AllocatedByInfer", RandomInput(runtime.InputSize, 99)));

        // A file of another convolutional network is refused, naming both architectures.
        var other = (INetwork)Activator.CreateInstance(GeneratorHarness.CompileAndLoad(GeneratorHarness.Run(Declaration(attributes.Replace("[Dense(8)]", "[Dense(9)]"), null))).GetType("App.Net")!, 1)!;
        ModelFile.Save(other, path);
        var d = SingleError(Run(Declaration(attributes, "cnn.ngw"), new FileText(path)), "NETGEN025", "cnn.ngw");
        Assert.Contains("Dense(9, Identity)", d.GetMessage());
    }

    [Fact]
    public void InferIsThreadSafe()
    {
        string attributes = ArchitectureList[1];
        var (network, path) = SaveNetwork(attributes, seed: 3);
        var baked = GeneratorHarness.CompileAndLoad(Run(Declaration(attributes, "net.ngw") + Probe, new FileText(path)));
        var inputs = Enumerable.Range(0, 64).Select(i => RandomInput(network.InputSize, i)).ToArray();
        var expected = inputs.Select(x => Call<float[]>(baked, "Infer", x)).ToArray();
        Parallel.For(0, 2000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            Assert.Equal(expected[i % 64], Call<float[]>(baked, "Infer", inputs[i % 64])));
    }

    [Fact]
    public void FileIsFoundByRelativePath()
    {
        string attributes = ArchitectureList[0];
        var (_, path) = SaveNetwork(attributes, seed: 1, fileName: Path.Combine("Models", "xor.ngw"));
        var (_, other) = SaveNetwork(attributes, seed: 2, fileName: Path.Combine("Old", "xor.ngw"));
        var result = Run(Declaration(attributes, "Models/xor.ngw"), new FileText(other), new FileText(path));
        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning); // NETGEN901 (info) may list looped layers
        Assert.Contains(result.Sources, s => s.HintName == "App.Net.NetGen.Weights.g.cs");
    }

    // ----- diagnostics: id, severity, exact location (the Weights argument), the file name in the message -----

    private const string Xor = "[Network(Loss = LossFunction.BinaryCrossEntropy)] [Input(2)] [Dense(4, Activation.Tanh)] [Dense(1, Activation.Sigmoid)]";


    [Fact]
    public void MissingFile()
    {
        var (_, path) = SaveNetwork(Xor, seed: 1, fileName: "other.ngw");
        SingleError(Run(Declaration(Xor, "missing.ngw"), new FileText(path)), "NETGEN023", "missing.ngw");
    }

    [Fact]
    public void AmbiguousName()
    {
        var (_, a) = SaveNetwork(Xor, seed: 1, fileName: Path.Combine("a", "net.ngw"));
        var (_, b) = SaveNetwork(Xor, seed: 1, fileName: Path.Combine("b", "net.ngw"));
        var d = SingleError(Run(Declaration(Xor, "net.ngw"), new FileText(a), new FileText(b)), "NETGEN024", "net.ngw");
        Assert.Contains("matches 2 AdditionalFiles items", d.GetMessage());
    }

    [Fact]
    public void FileForAnotherTopology()
    {
        var (_, path) = SaveNetwork(Xor, seed: 1);
        var d = SingleError(Run(Declaration(Xor.Replace("Dense(4", "Dense(5"), "net.ngw"), new FileText(path)), "NETGEN025", "net.ngw");
        Assert.Contains("Dense(4, Tanh)", d.GetMessage());
        Assert.Contains("Dense(5, Tanh)", d.GetMessage());
    }

    [Theory]
    [InlineData("magic", "not a NetGen model file")]
    [InlineData("version", "model format version 3")]
    [InlineData("crc", "the checksum does not match")]
    [InlineData("truncated", "truncated")]
    [InlineData("trailing", "trailing bytes")]
    [InlineData("empty", "it has only 0 bytes")]
    public void CorruptFile(string damage, string expected)
    {
        var (_, path) = SaveNetwork(Xor, seed: 1);
        byte[] file = File.ReadAllBytes(path);
        file = damage switch
        {
            "magic" => [(byte)'X', .. file[1..]],
            "version" => [.. file[..4], 3, .. file[5..]],
            "crc" => [.. file[..^9], (byte)(file[^9] ^ 1), .. file[^8..]], // the last parameter byte
            "truncated" => file[..^10],
            "trailing" => [.. file, 0],
            _ => [],
        };
        File.WriteAllBytes(path, file);
        var d = SingleError(Run(Declaration(Xor, "net.ngw"), new FileText(path)), "NETGEN026", "net.ngw");
        Assert.Contains(expected, d.GetMessage());

        // The runtime refuses the same file for the same reason.
        var network = (INetwork)Activator.CreateInstance(GeneratorHarness.CompileAndLoad(GeneratorHarness.Run(Declaration(Xor, null))).GetType("App.Net")!)!;
        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Load(network, path));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void FileTooLarge()
    {
        string path = Path.Combine(_folder, "huge.ngw");
        using (var stream = File.Create(path)) stream.SetLength(NetworkGenerator.MaxBakedFileBytes + 1);
        var d = SingleError(Run(Declaration(Xor, "huge.ngw"), new FileText(path)), "NETGEN027", "huge.ngw");
        Assert.Contains("16,777,217 bytes", d.GetMessage());
    }

    // ----- incremental caching -----

    private static IncrementalStepRunReason[] Reasons(GeneratorDriver driver, string step) =>
        driver.GetRunResult().Results[0].TrackedSteps.TryGetValue(step, out var steps)
            ? steps.SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray()
            : [];

    private (GeneratorDriver Driver, CSharpCompilation Compilation, AdditionalText File) FirstRun()
    {
        var (_, path) = SaveNetwork(Xor, seed: 1);
        var file = new FileText(path);
        var compilation = GeneratorHarness.CreateCompilation(Declaration(Xor, "net.ngw") + "// a comment\n");
        return (GeneratorHarness.CreateDriver(file).RunGenerators(compilation), compilation, file);
    }

    [Fact]
    public void ChangedFileRegeneratesTheWeights()
    {
        var (driver, compilation, file) = FirstRun();
        var (_, changed) = SaveNetwork(Xor, seed: 2, fileName: "net2/net.ngw");
        driver = driver.ReplaceAdditionalText(file, new FileText(changed)).RunGenerators(compilation);
        Assert.Equal([IncrementalStepRunReason.Cached], Reasons(driver, TrackingNames.WeightsRequest));
        Assert.Equal([IncrementalStepRunReason.Modified], Reasons(driver, TrackingNames.BakedWeights));
        Assert.Equal([IncrementalStepRunReason.Modified], Reasons(driver, TrackingNames.BakedWeightsSpec));
    }

    [Fact]
    public void SameBytesUnderANewFileLeaveTheWeightsUnchanged()
    {
        var (driver, compilation, file) = FirstRun();
        string copy = Path.Combine(_folder, "copy", "net.ngw");
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.Copy(file.Path, copy);
        driver = driver.ReplaceAdditionalText(file, new FileText(copy)).RunGenerators(compilation);
        Assert.Equal([IncrementalStepRunReason.Unchanged], Reasons(driver, TrackingNames.BakedWeights));
        Assert.All(Reasons(driver, TrackingNames.BakedWeightsSpec), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
    }

    [Fact]
    public void UnrelatedEditsDoNotReadTheFileAgain()
    {
        var (driver, compilation, _) = FirstRun();
        // an unrelated source file
        driver = driver.RunGenerators(compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace App; public class Other { }", new CSharpParseOptions(LanguageVersion.Latest))));
        Assert.Equal([IncrementalStepRunReason.Cached], Reasons(driver, TrackingNames.BakedWeights));
        // a comment in the network's own file
        var old = compilation.SyntaxTrees.First();
        var edited = compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(old.GetText().ToString().Replace("// a comment", "// another comment"), (CSharpParseOptions)old.Options, old.FilePath));
        driver = driver.RunGenerators(edited);
        Assert.Equal([IncrementalStepRunReason.Cached], Reasons(driver, TrackingNames.BakedWeights));
        // an unrelated additional file: the step re-runs (the list changed) but produces an equal result
        string notes = Path.Combine(_folder, "notes.txt");
        File.WriteAllText(notes, "hello");
        driver = driver.AddAdditionalTexts([new FileText(notes)]).RunGenerators(edited);
        Assert.All(Reasons(driver, TrackingNames.BakedWeightsSpec), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
    }

    [Fact]
    public void NetworksWithoutWeightsNeverLookAtAdditionalFiles()
    {
        var compilation = GeneratorHarness.CreateCompilation(Declaration(Xor, null));
        var (_, path) = SaveNetwork(Xor, seed: 1);
        var driver = GeneratorHarness.CreateDriver(new FileText(path)).RunGenerators(compilation);
        Assert.Empty(Reasons(driver, TrackingNames.BakedWeights));
        Assert.DoesNotContain(driver.GetRunResult().GeneratedTrees, t => t.FilePath.EndsWith(".Weights.g.cs"));
    }

    [Theory]
    [InlineData("/src/app/digits.ngw", "digits.ngw", true)]
    [InlineData("/src/app/Models/digits.ngw", "Models/digits.ngw", true)]
    [InlineData(@"C:\src\app\Models\digits.ngw", @"Models\digits.ngw", true)]
    [InlineData("/src/app/Models/digits.ngw", "./models/DIGITS.ngw", true)]
    [InlineData("/src/app/mydigits.ngw", "digits.ngw", false)]
    [InlineData("/src/app/digits.ngw", "", false)]
    public void NameMatching(string path, string name, bool matches) =>
        Assert.Equal(matches, NetworkGenerator.NameMatches(path, name));
}
