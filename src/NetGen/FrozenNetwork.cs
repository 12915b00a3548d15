using System.ComponentModel;
using System.Numerics.Tensors;
using NetGen.CompilerServices;

namespace NetGen;

/// <summary>
/// A read-only snapshot of a network for inference, made by <see cref="INetwork.Freeze"/>: its own copy of the
/// parameters, plus every dense layer's weights transposed once into the layout the batched kernels read. A live
/// network cannot keep such a copy, because its <see cref="INetwork.Parameters"/> may be written between any two calls,
/// so its batched <c>Forward</c> transposes the weights on every call (for 784 × 128 weights about as long as the
/// products of eight samples); the snapshot does it once, as ONNX Runtime does when it creates a session.
/// </summary>
/// <remarks>
/// Outputs are those of the network at the time it was frozen, to float rounding (the batched kernels may sum in a
/// different order than the live network at the same batch size). Changes to the network afterwards are not seen;
/// freeze again for them. Both <c>Forward</c> overloads and <see cref="Predict"/> are thread-safe and allocate nothing,
/// except per thread as batches grow: a thread's scratch buffer for a tile of samples (up to 192) is allocated by its
/// first batched call and grown when a larger batch comes (networks whose tiles fit on the stack need none), and
/// <see cref="Predict"/> allocates its output above 4,096 outputs. The snapshot holds twice the parameters' memory.
/// </remarks>
public sealed class FrozenNetwork : IInference
{
    private readonly IInferencePasses _passes;
    private readonly AlignedBuffer _parameters;
    private readonly int _parameterCount;
    private readonly AlignedBuffer _packed;
    private readonly string _name;

    /// <summary>Called by the generated <c>Freeze</c> method; use <see cref="INetwork.Freeze"/>.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public FrozenNetwork(INetwork network, IInferencePasses passes)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(passes);
        _passes = passes;
        _name = network.GetType().Name;
        InputSize = network.InputSize;
        OutputSize = network.OutputSize;
        Loss = network.Loss;
        Architecture = network.Architecture;
        // The passes read the parameters and, right after them, the running statistics (BatchNorm's, if any).
        _parameterCount = network.Parameters.Length;
        _parameters = new AlignedBuffer(_parameterCount + network.RunningStatistics.Length);
        network.Parameters.CopyTo(_parameters.Span);
        network.RunningStatistics.CopyTo(_parameters.Span.Slice(_parameterCount));
        _packed = new AlignedBuffer(_parameters.Length);
        passes.Pack(_parameters.Span, _packed.Span);
    }

    /// <inheritdoc/>
    public int InputSize { get; }

    /// <inheritdoc/>
    public int OutputSize { get; }

    /// <inheritdoc/>
    public LossFunction Loss { get; }

    /// <inheritdoc/>
    public string Architecture { get; }

    /// <summary>The parameters as they were when the network was frozen, in the <see cref="INetwork.Parameters"/> layout.</summary>
    public ReadOnlySpan<float> Parameters => _parameters.Span.Slice(0, _parameterCount);

    /// <summary>The running statistics as they were when the network was frozen, in the <see cref="INetwork.RunningStatistics"/> layout.</summary>
    public ReadOnlySpan<float> RunningStatistics => _parameters.Span.Slice(_parameterCount);

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> input, Span<float> output) => _passes.Forward(_parameters.Span, input, output);

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize) =>
        _passes.Forward(_parameters.Span, _packed.Span, inputs, outputs, batchSize);

    /// <inheritdoc/>
    public int Predict(ReadOnlySpan<float> input)
    {
        const int StackLimit = 4096;
        Span<float> output = OutputSize <= StackLimit ? stackalloc float[OutputSize] : new float[OutputSize];
        Forward(input, output);
        return OutputSize == 1 ? (output[0] >= 0.5f ? 1 : 0) : TensorPrimitives.IndexOfMax<float>(output);
    }

    /// <summary>The architecture, for debugging.</summary>
    public override string ToString() => $"{_name} (frozen): {Architecture}";
}
