using System.Buffers.Binary;
using System.Reflection;
using Microsoft.CodeAnalysis;
using NetGen.Quantization;
using NetGen.Serialization;

using static NetGen.Generator.Tests.BakedWeightsHelpers;

namespace NetGen.Generator.Tests;

/// <summary>
/// [Network(Weights = "file.ngw")] with an int8 quantized model file (NGQ8): the generator checks it as
/// ModelFile.LoadQuantized does and bakes it in, so the static Infer and Classify run the int8 network. Checked against
/// the runtime: the network loaded from the same file must give bit-identical outputs.
/// </summary>
public sealed class BakedInt8Tests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("netgen-baked-int8-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private const string Probe = """

        public static class Probe
        {
            public static float[] Infer(float[] x) { var y = new float[App.Net.OutputSize]; App.Net.Infer(x, y); return y; }
            public static float[] InferBatch(float[] x, int n) { var y = new float[n * App.Net.OutputSize]; App.Net.Infer(x, y, n); return y; }
            public static int Classify(float[] x) => App.Net.Classify(x);
            public static NetGen.Quantization.QuantizedNetwork Quantized() => App.Net.BakedQuantizedNetwork;
            public static long AllocatedByInfer(float[] x)
            {
                var y = new float[App.Net.OutputSize];
                for (int i = 0; i < 60; i++) { App.Net.Infer(x, y); App.Net.Classify(x); }
                long before = System.GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 100; i++) { App.Net.Infer(x, y); App.Net.Classify(x); }
                return System.GC.GetAllocatedBytesForCurrentThread() - before;
            }
        }
        """;

    private static readonly string[] ArchitectureList =
    [
        // a table-requantized hidden layer (Tanh) and a sigmoid output
        "[Network(Loss = LossFunction.BinaryCrossEntropy)] [Input(2)] [Dense(4, Activation.Tanh)] [Dense(1, Activation.Sigmoid)]",
        // ReLU (linear requantization), softmax output, batched kernels
        "[Network(Loss = LossFunction.CrossEntropy)] [Input(100)] [Dense(37, Activation.ReLU)] [Dense(10, Activation.Softmax)]",
        // LeakyReLU with alpha, dropout (no quantized layer), maxout, ELU output
        "[Network] [Input(20)] [Dense(24, Activation.LeakyReLU, Alpha = 0.1f)] [Dropout(0.3f)] [Maxout(8, 3)] [Dense(3, Activation.ELU)]",
        // convolutions (BatchNorm folded into the first), max and average pooling
        "[Network(Loss = LossFunction.CrossEntropy)] [Input(2, 8, 8)] [Conv2D(6, 3, Activation.Identity, Padding = 1)] [BatchNorm(Activation = Activation.ReLU)] "
            + "[MaxPool2D(2)] [Conv2D(5, 3, Activation.Tanh)] [AvgPool2D(2)] [Dense(3, Activation.Softmax)]",
    ];

    public static TheoryData<string> Architectures => new(ArchitectureList);

    private const string Xor = "[Network(Loss = LossFunction.BinaryCrossEntropy)] [Input(2)] [Dense(4, Activation.Tanh)] [Dense(1, Activation.Sigmoid)]";

    private static float[] RandomInputs(int size, int samples, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, size * samples).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
    }

    /// <summary>Compiles the network without Weights, initializes it from <paramref name="seed"/>, quantizes it on random calibration inputs and saves the int8 file.</summary>
    private string SaveQuantized(string attributes, int seed, string fileName = "net-int8.ngw")
    {
        var assembly = GeneratorHarness.CompileAndLoad(GeneratorHarness.Run(Declaration(attributes, null)));
        var network = (INetwork)Activator.CreateInstance(assembly.GetType("App.Net")!, seed)!;
        QuantizedNetwork quantized = network.Quantize(RandomInputs(network.InputSize, 64, seed), 64);
        string path = Path.Combine(_folder, fileName);
        ModelFile.Save(quantized, path);
        return path;
    }

    private static GeneratorHarness.Result Run(string source, params AdditionalText[] files) => GeneratorHarness.RunWithFiles(source, files);

    private static T Call<T>(Assembly assembly, string method, params object[] arguments) =>
        (T)assembly.GetType("App.Probe")!.GetMethod(method)!.Invoke(null, arguments)!;

    [Theory]
    [MemberData(nameof(Architectures))]
    public void InferAndClassifyRunTheInt8NetworkBitForBit(string attributes)
    {
        string path = SaveQuantized(attributes, seed: 42);
        var result = Run(Declaration(attributes, "net-int8.ngw") + Probe, new FileText(path));
        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Severity >= DiagnosticSeverity.Warning);
        var baked = GeneratorHarness.CompileAndLoad(result);
        var type = baked.GetType("App.Net")!;
        Assert.Null(type.GetProperty("BakedParameters")); // an int8 file has no float parameters to give

        QuantizedNetwork oracle = ModelFile.LoadQuantized(path);
        int inputs = oracle.InputSize, outputs = oracle.OutputSize;
        var expected = new float[outputs];
        for (int sample = 0; sample < 20; sample++)
        {
            float[] x = RandomInputs(inputs, 1, 1000 + sample);
            oracle.Forward(x, expected);
            Assert.Equal(expected, Call<float[]>(baked, "Infer", x));
            Assert.Equal(oracle.Predict(x), Call<int>(baked, "Classify", x));
        }
        foreach (int n in new[] { 1, 5, 16, 37 })
        {
            float[] x = RandomInputs(inputs, n, 7 * n);
            var batch = new float[n * outputs];
            oracle.Forward(x, batch, n);
            Assert.Equal(batch, Call<float[]>(baked, "InferBatch", x, n));
        }
        Assert.Equal(oracle.Architecture, Call<QuantizedNetwork>(baked, "Quantized").Architecture);
        Assert.Equal(0L, Call<long>(baked, "AllocatedByInfer", RandomInputs(inputs, 1, 99)));

        // Constructors start from the dequantized int8 parameters.
        var fresh = (INetwork)Activator.CreateInstance(type)!;
        Assert.Equal(Dequantized(oracle), fresh.Parameters.ToArray());
        Assert.All(Enumerable.Range(0, fresh.RunningStatistics.Length), i =>
            Assert.Equal(i / 6 % 2 == 0 ? 0f : 1f, fresh.RunningStatistics[i])); // one BatchNorm of 6 channels: means 0, variances 1
    }

    /// <summary>
    /// The float parameters an int8 network stands for, computed here from the documented rule; a folded BatchNorm's γ is
    /// √(1 + ε) and its β 0, the identity with running mean 0 and variance 1.
    /// </summary>
    private static float[] Dequantized(QuantizedNetwork q)
    {
        var parameters = new List<float>();
        var layers = new Queue<QuantizedLayer>(q.Layers);
        int channels = 0;
        foreach (var reference in Topology.Parse(q.Architecture).Layers)
        {
            if (reference.Kind == NetGen.Reference.ReferenceLayerKind.Dropout) continue;
            if (reference.Kind == NetGen.Reference.ReferenceLayerKind.BatchNorm)
            {
                parameters.AddRange(Enumerable.Repeat((float)Math.Sqrt(1 + reference.Epsilon), channels));
                parameters.AddRange(Enumerable.Repeat(0f, channels));
                continue;
            }
            QuantizedLayer layer = layers.Dequeue();
            channels = layer.OutputShape.Channels;
            for (int j = 0; j < layer.Channels && layer.HasWeights; j++)
                for (int i = 0; i < layer.Inputs; i++)
                    parameters.Add((float)((double)layer.WeightScales[j] * layer.Weights[j * layer.Inputs + i]));
            for (int j = 0; j < layer.Channels && layer.HasWeights; j++)
                parameters.Add((float)((double)layer.InputScale * layer.WeightScales[j] * layer.Biases[j]));
        }
        return [.. parameters];
    }

    [Fact]
    public void InferIsThreadSafe()
    {
        string attributes = ArchitectureList[1];
        string path = SaveQuantized(attributes, seed: 3);
        var baked = GeneratorHarness.CompileAndLoad(Run(Declaration(attributes, "net-int8.ngw") + Probe, new FileText(path)));
        var inputs = Enumerable.Range(0, 32).Select(i => RandomInputs(100, 1, i)).ToArray();
        var expected = inputs.Select(x => Call<float[]>(baked, "Infer", x)).ToArray();
        Parallel.For(0, 1000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            Assert.Equal(expected[i % 32], Call<float[]>(baked, "Infer", inputs[i % 32])));
    }

    // ----- diagnostics -----


    [Fact]
    public void Int8FileForAnotherArchitectureIsRejected()
    {
        string path = SaveQuantized(Xor, seed: 1);
        var d = SingleError(Run(Declaration(Xor.Replace("Dense(4", "Dense(5"), "net-int8.ngw"), new FileText(path)), "NETGEN025", "net-int8.ngw");
        Assert.Contains("Dense(4, Tanh)", d.GetMessage());
        Assert.Contains("Dense(5, Tanh)", d.GetMessage());
    }

    [Theory]
    [InlineData("version")]
    [InlineData("crc")]
    [InlineData("truncated")]
    [InlineData("trailing")]
    [InlineData("fingerprint")]
    [InlineData("weight 65")]
    [InlineData("bias")]
    [InlineData("shift")]
    [InlineData("scale")]
    [InlineData("layer count")]
    [InlineData("architecture")]
    public void CorruptInt8FileGivesTheRuntimesReason(string damage)
    {
        string path = SaveQuantized(Xor, seed: 1);
        byte[] file = File.ReadAllBytes(path);
        int layer = 44 + BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(40)) + 4; // the first layer's header
        const int Channels = 4;
        int scales = layer + 80, biases = scales + 4 * Channels, multipliers = biases + 4 * Channels;
        int weights = multipliers + 16 * Channels + 256; // Tanh: a 256-entry table
        switch (damage)
        {
            case "version": file[4] = 4; break;
            case "crc": file[weights] ^= 1; break;
            case "truncated": file = file[..^10]; break;
            case "trailing": file = [.. file, 0]; break;
            case "fingerprint": file[8] ^= 1; file = Recrc(file); break;
            case "weight 65": file[weights + 1] = 65; file = Recrc(file); break;
            case "bias": BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(biases + 4), (1 << 30) + 1); file = Recrc(file); break;
            case "shift": BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(multipliers + 4), 63); file = Recrc(file); break;
            case "scale": BinaryPrimitives.WriteSingleLittleEndian(file.AsSpan(scales), float.NaN); file = Recrc(file); break;
            case "layer count": BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(layer - 4), 0); file = Recrc(file); break;
            default: file[44] = (byte)'X'; file = Recrc(file); break; // "Input(" becomes "Xnput(" (the fingerprint no longer matches either)
        }
        File.WriteAllBytes(path, file);

        // The runtime refuses the file; the generator refuses it with the same words.
        var e = Assert.Throws<InvalidDataException>(() => ModelFile.LoadQuantized(path));
        string reason = e.Message[(path.Length + 2)..].TrimEnd('.');
        var d = SingleError(Run(Declaration(Xor, "net-int8.ngw"), new FileText(path)), "NETGEN026", "net-int8.ngw");
        Assert.Contains(reason, d.GetMessage());
    }

    [Fact]
    public void NgwFileWithTheNgq8MagicButTooShortIsRejected()
    {
        string path = Path.Combine(_folder, "short.ngw");
        File.WriteAllBytes(path, "NGQ8"u8.ToArray());
        var d = SingleError(Run(Declaration(Xor, "short.ngw"), new FileText(path)), "NETGEN026", "short.ngw");
        Assert.Contains("truncated", d.GetMessage());
    }

    private static byte[] Recrc(byte[] file)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(file.Length - 4), Crc(file.AsSpan(0, file.Length - 4)));
        return file;
    }

    /// <summary>CRC-32 (ISO-HDLC), written out here so the test does not lean on the code under test.</summary>
    private static uint Crc(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }
}
