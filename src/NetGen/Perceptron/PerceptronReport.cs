namespace NetGen;

/// <summary>How a perceptron training run ended.</summary>
public enum PerceptronOutcome
{
    /// <summary>An epoch classified every sample correctly: the data is linearly separable.</summary>
    Converged,

    /// <summary>
    /// The weights and bias after an epoch were exactly those after an earlier epoch, so the rule repeats the same
    /// epochs forever: the data is not linearly separable.
    /// </summary>
    Cycle,

    /// <summary>The epoch budget ran out before either of the above: nothing is known about separability.</summary>
    MaxEpochs,
}

/// <summary>
/// The result of <c>Train</c> on a generated <c>[Perceptron]</c>: whether the perceptron rule converged, what it learned,
/// and, when it did not converge, why.
/// </summary>
/// <remarks>
/// By the perceptron convergence theorem the rule makes finitely many mistakes on linearly separable data (any
/// learning rate &gt; 0, any sample order). A repeated weight state with mistakes in between is therefore a proof
/// that the data is <em>not</em> linearly separable, which is what <see cref="Separable"/> = <c>false</c> means.
/// </remarks>
public sealed class PerceptronReport
{
    private readonly float[] _weights;
    private readonly float[] _biases;
    private readonly int[] _errorsPerEpoch;

    /// <summary>Creates a report; generated code and tests call this, users read it.</summary>
    public PerceptronReport(PerceptronOutcome outcome, int inputSize, int outputSize, ReadOnlySpan<float> parameters,
        IReadOnlyList<int> errorsPerEpoch, int cycleStart, string reason)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputSize, 1);
        if (parameters.Length != (long)outputSize * (inputSize + 1))
            throw new ArgumentException($"'parameters' has {parameters.Length} elements but {outputSize} × ({inputSize} + 1) were expected.", nameof(parameters));
        Outcome = outcome;
        InputSize = inputSize;
        OutputSize = outputSize;
        _weights = parameters[..(outputSize * inputSize)].ToArray();
        _biases = parameters[(outputSize * inputSize)..].ToArray();
        _errorsPerEpoch = errorsPerEpoch.ToArray();
        CycleStart = outcome == PerceptronOutcome.Cycle ? cycleStart : -1;
        Reason = reason;
    }

    /// <summary>How the run ended.</summary>
    public PerceptronOutcome Outcome { get; }

    /// <summary>True when an epoch classified every sample correctly (the last entry of <see cref="ErrorsPerEpoch"/> is 0).</summary>
    public bool Converged => Outcome == PerceptronOutcome.Converged;

    /// <summary>
    /// <c>true</c>: converged, so the data is linearly separable. <c>false</c>: a weight cycle was detected, so it is not.
    /// <c>null</c>: the run hit <c>maxEpochs</c> first, so it is unknown.
    /// </summary>
    public bool? Separable => Outcome switch
    {
        PerceptronOutcome.Converged => true,
        PerceptronOutcome.Cycle => false,
        _ => null,
    };

    /// <summary>The number of epochs run, including the error-free one when converged.</summary>
    public int Epochs => _errorsPerEpoch.Length;

    /// <summary>Mistakes per epoch: the number of (sample, unit) pairs whose output differed from the target.</summary>
    public IReadOnlyList<int> ErrorsPerEpoch => _errorsPerEpoch;

    /// <summary>
    /// For <see cref="PerceptronOutcome.Cycle"/>: the epoch after which the repeated weights first occurred (0 = the
    /// starting weights); the cycle is epochs <c>CycleStart + 1</c> … <see cref="Epochs"/>. Otherwise -1.
    /// </summary>
    public int CycleStart { get; }

    /// <summary>For <see cref="PerceptronOutcome.Cycle"/>: the number of epochs in one period of the cycle; otherwise 0.</summary>
    public int CycleLength => CycleStart < 0 ? 0 : Epochs - CycleStart;

    /// <summary>The number of inputs per unit.</summary>
    public int InputSize { get; }

    /// <summary>The number of threshold units.</summary>
    public int OutputSize { get; }

    /// <summary>The final weights, [OutputSize × InputSize] row-major (row j = unit j).</summary>
    public IReadOnlyList<float> Weights => _weights;

    /// <summary>The final biases, one per unit.</summary>
    public IReadOnlyList<float> Biases => _biases;

    /// <summary>The final bias of unit 0 (the only unit of a single-output perceptron).</summary>
    public float Bias => _biases[0];

    /// <summary>The final weights of unit <paramref name="unit"/>.</summary>
    public ReadOnlySpan<float> WeightsOf(int unit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(unit);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(unit, OutputSize);
        return _weights.AsSpan(unit * InputSize, InputSize);
    }

    /// <summary>Why the run ended, in one or two sentences.</summary>
    public string Reason { get; }

    /// <inheritdoc/>
    public override string ToString() => Reason;
}
