using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NetGen.Onnx;

namespace NetGen.Tests.Onnx;

/// <summary>Exported models run in ONNX Runtime and give NetGen's outputs, for every activation, maxout and dropout.</summary>
public class OnnxExportTests
{
    public static TheoryData<string> Networks => [nameof(EveryLayer), nameof(StepLayer), nameof(DigitsForOnnx), nameof(XorNet), nameof(DropoutNet)];

    private static INetwork Create(string name) => name switch
    {
        nameof(EveryLayer) => new EveryLayer(3),
        nameof(StepLayer) => new StepLayer(4),
        nameof(DigitsForOnnx) => new DigitsForOnnx(5),
        nameof(XorNet) => new XorNet(6),
        _ => new DropoutNet(7),
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void OnnxRuntimeAgreesWithForward(string name)
    {
        INetwork net = Create(name);
        var random = new Random(11);
        for (int i = 0; i < net.Parameters.Length; i++) net.Parameters[i] += (float)(random.NextDouble() - 0.5) * 0.1f; // non-zero biases
        const int batch = 9;
        float[] x = Enumerable.Range(0, batch * net.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var expected = new float[batch * net.OutputSize];
        net.Forward(x, expected, batch);

        using var session = new InferenceSession(OnnxExporter.Export(net));
        Assert.Equal("input", Assert.Single(session.InputMetadata).Key);
        Assert.Equal("output", Assert.Single(session.OutputMetadata).Key);
        var input = new DenseTensor<float>(x, [batch, net.InputSize]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", input)]);
        float[] actual = results.Single().AsEnumerable<float>().ToArray();

        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f + 1e-5f * Math.Abs(expected[i]),
                $"{name}: output {i} is {actual[i]} in ONNX Runtime and {expected[i]} in NetGen");
    }

    [Fact]
    public void ExportWritesTheCanonicalArchitectureAndAcceptsAnyBatchSize()
    {
        var net = new XorNet(1);
        using var session = new InferenceSession(OnnxExporter.Export(net));
        Assert.Equal(XorNet.Architecture, session.ModelMetadata.Description);
        Assert.Equal([-1, 2], session.InputMetadata["input"].Dimensions);
    }

    [Fact]
    public void ExportToAFileRoundTripsThroughOnnxRuntime()
    {
        string path = Path.Combine(Path.GetTempPath(), $"netgen-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxExporter.Export(new XorNet(2), path);
            using var session = new InferenceSession(path);
            Assert.NotEmpty(session.InputMetadata);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
