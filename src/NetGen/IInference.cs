namespace NetGen;

/// <summary>
/// What runs a network forward: a live <see cref="INetwork"/>, or the <see cref="FrozenNetwork"/> snapshot made by
/// <see cref="INetwork.Freeze"/>. Evaluation and prediction code can take either.
/// </summary>
public interface IInference
{
    /// <summary>The number of input features per sample.</summary>
    int InputSize { get; }

    /// <summary>The number of outputs per sample.</summary>
    int OutputSize { get; }

    /// <summary>The loss the network was declared with (evaluation reports it).</summary>
    LossFunction Loss { get; }

    /// <summary>
    /// A canonical one-line description of the topology, for example
    /// <c>Input(2) -> Dense(4, Tanh) -> Dense(1, Sigmoid) | BinaryCrossEntropy</c>. Two networks with the same
    /// description have the same parameter layout; model files use it as their topology fingerprint.
    /// </summary>
    string Architecture { get; }

    /// <summary>Runs the network on one sample.</summary>
    /// <exception cref="ArgumentException">A span does not have <see cref="InputSize"/> or <see cref="OutputSize"/> elements.</exception>
    void Forward(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>Runs the network on <paramref name="batchSize"/> samples stored row-major.</summary>
    /// <exception cref="ArgumentException">A span does not have batchSize × size elements.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is less than 1.</exception>
    void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize);

    /// <summary>Runs the network on one sample and returns the index of the largest output (for a single output, 1 if it is ≥ 0.5, else 0).</summary>
    int Predict(ReadOnlySpan<float> input);
}
