namespace NetGen.Schedules;

/// <summary>
/// Step decay, as PyTorch's <c>StepLR</c>: lr = base·γ^⌊epoch / stepSize⌋, i.e. the rate is multiplied by
/// <see cref="Gamma"/> every <see cref="StepSize"/> epochs.
/// </summary>
public sealed class StepLR : ILearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stepSize"/> is not positive, or <paramref name="gamma"/> is not a finite value &gt; 0.</exception>
    public StepLR(int stepSize, float gamma = 0.1f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stepSize);
        if (!(gamma > 0) || float.IsInfinity(gamma))
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "'gamma' must be a finite value > 0.");
        StepSize = stepSize;
        Gamma = gamma;
    }

    /// <summary>The number of epochs between decays.</summary>
    public int StepSize { get; }

    /// <summary>The multiplicative factor applied every <see cref="StepSize"/> epochs.</summary>
    public float Gamma { get; }

    /// <inheritdoc/>
    public float LearningRate(int epoch, float baseLearningRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        return (float)(baseLearningRate * Math.Pow(Gamma, epoch / StepSize));
    }
}
