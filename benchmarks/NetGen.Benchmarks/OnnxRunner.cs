using Microsoft.ML.OnnxRuntime;
using NetGen.Onnx;

namespace NetGen.Benchmarks;

/// <summary>
/// ONNX Runtime on one thread, with input and output tensors bound once so a run allocates as little as ONNX Runtime
/// allows: the same weights as a NetGen network through NetGen's ONNX export, or a given ONNX model.
/// </summary>
public sealed class OnnxRunner : IDisposable
{
    private readonly InferenceSession _session;
    private readonly OrtValue _input, _output;
    private readonly RunOptions _run = new();
    private readonly string[] _inputNames = ["input"], _outputNames = ["output"];
    private readonly OrtValue[] _inputs, _outputs;

    public OnnxRunner(INetwork network, float[] input, float[] output, int batch)
        : this(OnnxExporter.Export(network), input, [batch, network.InputSize], output, [batch, network.OutputSize])
    {
    }

    /// <summary>Runs <paramref name="model"/>, whose input is named "input" and output "output", with these shapes.</summary>
    public OnnxRunner(byte[] model, float[] input, long[] inputShape, float[] output, long[] outputShape)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        options.GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL;
        _session = new InferenceSession(model, options);
        _input = OrtValue.CreateTensorValueFromMemory(input, inputShape);
        _output = OrtValue.CreateTensorValueFromMemory(output, outputShape);
        _inputs = [_input];
        _outputs = [_output];
    }

    public void Run() => _session.Run(_run, _inputNames, _inputs, _outputNames, _outputs);

    public void Dispose()
    {
        _input.Dispose();
        _output.Dispose();
        _run.Dispose();
        _session.Dispose();
    }
}
