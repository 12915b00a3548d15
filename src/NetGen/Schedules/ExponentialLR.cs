namespace NetGen.Schedules;

/// <summary>Exponential decay, as PyTorch's <c>ExponentialLR</c>: lr = base·γ^epoch.</summary>
public sealed class ExponentialLR : ILearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="gamma"/> is not a finite value &gt; 0.</exception>
    public ExponentialLR(float gamma)
    {
        if (!(gamma > 0) || float.IsInfinity(gamma))
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "'gamma' must be a finite value > 0.");
        Gamma = gamma;
    }

    /// <summary>The multiplicative factor applied every epoch.</summary>
    public float Gamma { get; }

    /// <inheritdoc/>
    public float LearningRate(int epoch, float baseLearningRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        return (float)(baseLearningRate * Math.Pow(Gamma, epoch));
    }
}
