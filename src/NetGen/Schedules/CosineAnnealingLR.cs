namespace NetGen.Schedules;

/// <summary>
/// Cosine annealing, as PyTorch's <c>CosineAnnealingLR</c> (closed form), with an optional linear warm-up:
/// <code>
/// epoch &lt; W:       lr = base·(epoch + 1)/(W + 1)                      (rises linearly towards base)
/// t = epoch − W:     lr = minLr + (base − minLr)·(1 + cos(π·t/tMax))/2  (t ≤ tMax; minLr afterwards)
/// </code>
/// where W is <see cref="WarmupEpochs"/>. Unlike PyTorch's closed form, which rises again after tMax, the rate
/// stays at <see cref="MinLearningRate"/> once the half cosine is complete.
/// </summary>
public sealed class CosineAnnealingLR : ILearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="tMax">The number of epochs, after the warm-up, over which the rate falls from base to <paramref name="minLearningRate"/>.</param>
    /// <param name="minLearningRate">The final learning rate (η_min).</param>
    /// <param name="warmupEpochs">The number of linear warm-up epochs before the cosine starts (0 for none).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tMax"/> is not positive, <paramref name="warmupEpochs"/> is negative, or <paramref name="minLearningRate"/> is negative or not finite.</exception>
    public CosineAnnealingLR(int tMax, float minLearningRate = 0f, int warmupEpochs = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tMax);
        ArgumentOutOfRangeException.ThrowIfNegative(warmupEpochs);
        if (!(minLearningRate >= 0) || float.IsInfinity(minLearningRate))
            throw new ArgumentOutOfRangeException(nameof(minLearningRate), minLearningRate, "'minLearningRate' must be a finite value ≥ 0.");
        TMax = tMax;
        MinLearningRate = minLearningRate;
        WarmupEpochs = warmupEpochs;
    }

    /// <summary>The length of the cosine, in epochs after the warm-up.</summary>
    public int TMax { get; }

    /// <summary>The learning rate at the end of the cosine.</summary>
    public float MinLearningRate { get; }

    /// <summary>The number of linear warm-up epochs.</summary>
    public int WarmupEpochs { get; }

    /// <inheritdoc/>
    public float LearningRate(int epoch, float baseLearningRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        if (epoch < WarmupEpochs)
            return (float)(baseLearningRate * (epoch + 1.0) / (WarmupEpochs + 1.0));
        int t = Math.Min(epoch - WarmupEpochs, TMax);
        return (float)(MinLearningRate + (baseLearningRate - MinLearningRate) * (1 + Math.Cos(Math.PI * t / TMax)) / 2);
    }
}
