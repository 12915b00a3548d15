using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis;
using NetGen.Reference;
using Xunit.Abstractions;

namespace NetGen.Generator.Tests;

/// <summary>
/// Property tests: randomly drawn valid declarations (1–6 Dense/Maxout layers of 1–300 units, every activation,
/// random valid Alpha, Maxout with 2–5 pieces, Dropout layers between them, every loss with an output layer that
/// fits it) are generated, compiled, loaded and checked against <see cref="ReferenceNetwork"/> by
/// <see cref="NetworkChecks"/>: outputs, batched forward, loss, gradients and finite differences.
/// </summary>
/// <remarks>
/// <para>A seeded <see cref="Random"/> draws the networks rather than CsCheck: compiling is the slow part, so the
/// networks are compiled in batches (one compilation per batch), which does not fit a library that draws, checks and
/// shrinks one case at a time. Network <c>i</c> is drawn from the seed <c>NETGEN_PROPERTY_SEED + i</c> alone, so a
/// failure reproduces by itself: the message gives the seed and the declaration.</para>
/// <para>CI runs a fixed seed and count. For a longer local run set <c>NETGEN_PROPERTY_ITERATIONS</c> (the number of
/// networks, default <see cref="DefaultIterations"/>) and <c>NETGEN_PROPERTY_SEED</c> (the first seed, default
/// <see cref="DefaultSeed"/>).</para>
/// </remarks>
public class PropertyTests(ITestOutputHelper output)
{
    private const int DefaultSeed = 1;
    private const int DefaultIterations = 90;
    private const int NetworksPerCompilation = 30;

    /// <summary>Keeps the double-precision reference (and its finite differences) fast.</summary>
    private const int MaxParameters = 200_000;

    /// <summary>
    /// Deep random networks often saturate units, where the generated backward pass (derivatives from the saved float
    /// output, see <see cref="NetworkChecks.Tolerances"/>) is off by ε·|upstream gradient| in absolute terms, which can be
    /// ~1% of a small gradient element; and batched Forward over 520 samples sums in another order than the reference,
    /// which shows where a sum cancels (see <see cref="NetworkChecks.Tolerances"/>). Real defects (a wrong mask,
    /// derivative, index or tile offset) are off by far more.
    /// </summary>
    private static readonly NetworkChecks.Tolerances Tolerance = new(Gradients: 1e-2, FiniteDifferences: 1e-2, Batched: 5e-4);

    private static readonly Activation[] HiddenActivations =
        [Activation.Identity, Activation.Step, Activation.Sigmoid, Activation.Tanh, Activation.ReLU, Activation.LeakyReLU, Activation.ELU];

    /// <summary>A drawn network: its C# declaration and the same network as a reference.</summary>
    internal sealed record Topology(int Seed, string Declaration, int Inputs, IReadOnlyList<ReferenceLayer> Layers, LossFunction Loss)
    {
        public bool HasDropout => Layers.Any(l => l.Kind == ReferenceLayerKind.Dropout);
        public ReferenceNetwork Reference() => new(Inputs, Layers, Loss);
    }

    [Fact]
    public void RandomTopologiesMatchTheReferenceAndFiniteDifferences()
    {
        int firstSeed = EnvironmentInt("NETGEN_PROPERTY_SEED") ?? DefaultSeed;
        int count = EnvironmentInt("NETGEN_PROPERTY_ITERATIONS") ?? DefaultIterations;
        var clock = Stopwatch.StartNew();
        int withDropout = 0, dropoutSamplesChecked = 0;
        long parameters = 0;

        for (int start = 0; start < count; start += NetworksPerCompilation)
        {
            var batch = Enumerable.Range(start, Math.Min(NetworksPerCompilation, count - start))
                .Select(i => Draw(unchecked(firstSeed + i), $"P{i}")).ToList();
            var assembly = Compile(batch);
            for (int i = 0; i < batch.Count; i++)
            {
                var topology = batch[i];
                string name = $"P{start + i}";
                try
                {
                    var net = (INetwork)Activator.CreateInstance(assembly.GetType("Nets." + name)!, 7)!;
                    if (topology.HasDropout)
                    {
                        withDropout++;
                        dropoutSamplesChecked += NetworkChecks.AgainstReferenceWithDropout(net, topology.Reference(), topology.Layers, topology.Seed, name, Tolerance);
                    }
                    else
                    {
                        NetworkChecks.AgainstReference(net, topology.Reference(), topology.Seed, name, Tolerance);
                    }
                    parameters += net.ParameterCount;
                }
                catch (Exception e)
                {
                    throw new Xunit.Sdk.XunitException(
                        $"Network {name} fails. Reproduce it alone with NETGEN_PROPERTY_SEED={topology.Seed} NETGEN_PROPERTY_ITERATIONS=1.\n" +
                        $"{topology.Declaration}\n{e.Message}", e);
                }
            }
        }

        output.WriteLine($"{count} networks from seed {firstSeed} ({withDropout} with dropout, {dropoutSamplesChecked} of their samples " +
                         $"checked through recovered masks), {parameters} parameters in all, in {clock.Elapsed.TotalSeconds:F1} s.");
    }

    [Fact]
    public void DrawnDeclarationsCoverEveryLayerKindActivationAndLoss()
    {
        // The default run must exercise what the property claims to cover, not just happen to.
        var drawn = Enumerable.Range(DefaultSeed, DefaultIterations).Select(i => Draw(i, "N")).ToList();
        var layers = drawn.SelectMany(t => t.Layers).ToList();
        foreach (var activation in Enum.GetValues<Activation>())
            Assert.Contains(layers, l => l.Kind == ReferenceLayerKind.Dense && l.Activation == activation);
        Assert.Contains(layers, l => l.Kind == ReferenceLayerKind.Maxout);
        Assert.Contains(layers, l => l.Kind == ReferenceLayerKind.Dropout);
        Assert.Contains(drawn, t => t.Layers[0].Kind == ReferenceLayerKind.Dropout);
        Assert.Contains(drawn, t => t.Layers[^1].Kind == ReferenceLayerKind.Maxout);
        foreach (var loss in Enum.GetValues<LossFunction>())
            Assert.Contains(drawn, t => t.Loss == loss);
        Assert.Contains(layers, l => l.Activation == Activation.LeakyReLU && l.Alpha != 0.01);
        Assert.Contains(layers, l => l.Activation == Activation.ELU && l.Alpha != 1);
        Assert.Contains(layers, l => l.Units >= 200);
        Assert.Contains(drawn, t => t.Inputs == 1);
        Assert.Contains(drawn, t => t.Layers.Count(l => l.Kind != ReferenceLayerKind.Dropout) == 6);
        Assert.All(drawn, t => Assert.InRange(t.Reference().ParameterCount, 1, MaxParameters));
        Assert.Equal(Draw(42, "N").Declaration, Draw(42, "N").Declaration); // a seed reproduces its network
    }

    /// <summary>Draws one valid network from <paramref name="seed"/>.</summary>
    internal static Topology Draw(int seed, string name)
    {
        var random = new Random(seed);
        while (true)
        {
            int inputs = LogUniform(random, 1, 300);
            var loss = (LossFunction)random.Next(3);
            int depth = random.Next(1, 7);
            var layers = new List<ReferenceLayer>();
            var attributes = new List<string>();
            int width = inputs;
            for (int k = 0; k < depth; k++)
            {
                if (random.NextDouble() < 0.25)
                {
                    // Rate 0 now and then; otherwise up to 0.9.
                    float rate = random.NextDouble() < 0.1 ? 0f : (float)Math.Round(random.NextDouble() * 0.9, 3);
                    layers.Add(ReferenceLayer.Dropout(width, rate));
                    attributes.Add($"[Dropout({Float(rate)})]");
                }
                bool last = k == depth - 1;
                var (attribute, layer) = last ? OutputLayer(random, loss) : HiddenLayer(random);
                layers.Add(layer);
                attributes.Add(attribute);
                width = layer.Units;
            }
            var reference = new ReferenceNetwork(inputs, layers, loss);
            if (reference.ParameterCount > MaxParameters) continue;
            string declaration = $"[Network(Loss = LossFunction.{loss})] [Input({inputs})] {string.Join(" ", attributes)} public partial class {name};";
            return new Topology(seed, declaration, inputs, layers, loss);
        }
    }

    private static (string, ReferenceLayer) HiddenLayer(Random random)
    {
        int units = LogUniform(random, 1, 300);
        if (random.NextDouble() < 0.15)
        {
            int pieces = random.Next(2, 6);
            return ($"[Maxout({units}, {pieces})]", ReferenceLayer.Maxout(units, pieces));
        }
        var activation = HiddenActivations[random.Next(HiddenActivations.Length)];
        return Dense(random, units, activation);
    }

    private static (string, ReferenceLayer) OutputLayer(Random random, LossFunction loss)
    {
        switch (loss)
        {
            case LossFunction.BinaryCrossEntropy:
                return Dense(random, LogUniform(random, 1, 300), Activation.Sigmoid);
            case LossFunction.CrossEntropy:
                return Dense(random, LogUniform(random, 2, 300), Activation.Softmax);
            default:
                // Mean squared error fits any output: a hidden kind of layer, or softmax.
                return random.NextDouble() < 0.15 ? Dense(random, LogUniform(random, 1, 300), Activation.Softmax) : HiddenLayer(random);
        }
    }

    /// <summary>A Dense layer; LeakyReLU and ELU get a random valid Alpha half the time, the default otherwise.</summary>
    private static (string, ReferenceLayer) Dense(Random random, int units, Activation activation)
    {
        float? alpha = activation switch
        {
            Activation.LeakyReLU when random.NextDouble() < 0.5 => (float)Math.Round(random.NextDouble() * 0.99, 3), // [0, 1)
            Activation.ELU when random.NextDouble() < 0.5 => (float)Math.Round(0.05 + random.NextDouble() * 2.95, 3), // > 0
            _ => null,
        };
        string attribute = alpha is float a
            ? $"[Dense({units}, Activation.{activation}, Alpha = {Float(a)})]"
            : $"[Dense({units}, Activation.{activation})]";
        return (attribute, ReferenceLayer.Dense(units, activation, alpha is float f ? (double)f : null));
    }

    /// <summary>Sizes spread evenly on a log scale, so small layers are common and wide ones still appear.</summary>
    private static int LogUniform(Random random, int min, int max) =>
        Math.Clamp((int)Math.Round(Math.Exp(Math.Log(min) + random.NextDouble() * (Math.Log(max + 0.5) - Math.Log(min)))), min, max);

    private static string Float(float value) => value.ToString("R", CultureInfo.InvariantCulture) + "f";

    /// <summary>Generates and compiles one batch of networks; valid declarations may only draw the Step, single-softmax and softmax-with-squared-error warnings.</summary>
    private static System.Reflection.Assembly Compile(IReadOnlyList<Topology> batch)
    {
        var source = new StringBuilder("using NetGen;\nnamespace Nets;\n");
        foreach (var topology in batch) source.AppendLine(topology.Declaration);
        string seeds = $"networks of seeds {batch[0].Seed}–{batch[^1].Seed}";
        try
        {
            var result = GeneratorHarness.Run(source.ToString());
            var unexpected = result.GeneratorDiagnostics.Where(d => d.Id is not ("NETGEN101" or "NETGEN103" or "NETGEN104" or "NETGEN901")).ToList();
            Assert.True(unexpected.Count == 0, $"unexpected diagnostics:\n{string.Join("\n", unexpected)}");
            return GeneratorHarness.CompileAndLoad(result);
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"The batch of {seeds} fails to generate or compile:\n{source}\n{e.Message}", e);
        }
    }

    private static int? EnvironmentInt(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } text ? int.Parse(text, CultureInfo.InvariantCulture) : null;
}
