using System.Diagnostics;
using Microsoft.CodeAnalysis;
using Xunit.Abstractions;

namespace NetGen.Generator.Tests;

/// <summary>
/// What a large network costs at compile time (docs/compile-cost.md). The generated code is specialized by size
/// through generic dimension types and loops, not unrolled per unit, so its length must not grow with the layer
/// widths. Only such structural bounds are asserted; the times are printed (run with a detailed console logger to
/// see them) and recorded in the doc, never asserted.
/// </summary>
public class CompileCostTests(ITestOutputHelper output)
{
    private const string Wide = "[Network(Loss = LossFunction.CrossEntropy)] [Input(784)] [Dense(1024, Activation.ReLU)] [Dense(1024, Activation.ReLU)] [Dense(10, Activation.Softmax)] public partial class Wide;";
    private const string Narrow = "[Network(Loss = LossFunction.CrossEntropy)] [Input(784)] [Dense(256, Activation.ReLU)] [Dense(256, Activation.ReLU)] [Dense(10, Activation.Softmax)] public partial class Narrow;";

    private sealed record Measured(string Source, TimeSpan Generate, TimeSpan Compile, INetwork Network);

    private Measured Measure(string declaration, string name)
    {
        var clock = Stopwatch.StartNew();
        var result = GeneratorHarness.Run("using NetGen;\nnamespace Nets;\n" + declaration);
        var harness = clock.Elapsed;
        var generate = result.Driver.GetTimingInfo().GeneratorTimes.Single().ElapsedTime; // the generator alone, as Roslyn timed it
        clock.Restart();
        var assembly = GeneratorHarness.CompileAndLoad(result);
        var compile = clock.Elapsed;

        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning); // NETGEN901 (info) may list looped layers
        string source = Assert.Single(result.Sources).Text;
        var network = (INetwork)Activator.CreateInstance(assembly.GetType("Nets." + name)!, 1)!;
        int lines = source.Split('\n').Length;
        output.WriteLine($"{name}: {network.ParameterCount} parameters; generated {source.Length} characters, {lines} lines; " +
                         $"generator {generate.TotalMilliseconds:F1} ms ({harness.TotalMilliseconds:F0} ms with parsing and the driver), " +
                         $"compile + emit + load {compile.TotalMilliseconds:F0} ms");
        return new Measured(source, generate, compile, network);
    }

    [Fact]
    public void A784x1024x1024x10NetworkGeneratesCompilesAndRuns()
    {
        var wide = Measure(Wide, "Wide");
        Assert.Equal(784 * 1024 + 1024 + 1024 * 1024 + 1024 + 1024 * 10 + 10, wide.Network.ParameterCount);
        Assert.True(wide.Source.Length < 100_000, $"the generated source has {wide.Source.Length} characters");

        // It runs: a batch through Forward, and one training step through ComputeGradients.
        var random = new Random(3);
        float[] x = Enumerable.Range(0, 2 * 784).Select(_ => (float)random.NextDouble()).ToArray();
        float[] y = new float[2 * 10];
        y[3] = y[17] = 1;
        var outputs = new float[20];
        wide.Network.Forward(x, outputs, 2);
        Assert.Equal(2f, outputs.Sum(), 1e-4f); // two softmax rows
        float loss = wide.Network.ComputeGradients(x, y, 2);
        Assert.True(float.IsFinite(loss) && loss > 0, $"loss {loss}");
        Assert.Contains(wide.Network.Gradients.ToArray(), g => g != 0);

        // Warm timings, for the doc: the generator and the compiler are JIT-compiled by now.
        Measure(Wide, "Wide");
    }

    [Fact]
    public void GeneratedSizeDoesNotDependOnLayerWidth()
    {
        var wide = Measure(Wide, "Wide");
        var narrow = Measure(Narrow, "Narrow");
        int difference = Math.Abs(wide.Source.Length - narrow.Source.Length);
        output.WriteLine($"784-1024-1024-10: {wide.Source.Length} characters; 784-256-256-10: {narrow.Source.Length}; difference {difference}");

        // Only the numbers differ (sizes, offsets, initializer bounds, in code and comments), plus at most the fixed
        // block that gives a batched Forward a thread-local scratch buffer when its tiles (up to 512 samples) do not
        // fit the stack, which at these widths both networks have; never anything that grows with the width.
        Assert.True(difference < 1500, $"784-1024-1024-10 generates {wide.Source.Length} characters, 784-256-256-10 {narrow.Source.Length}");
        Assert.InRange(wide.Source.Split('\n').Length - narrow.Source.Split('\n').Length, 0, 16);
    }
}
