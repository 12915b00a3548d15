namespace NetGen.Schedules;

/// <summary>
/// A learning-rate schedule evaluated once per epoch: the trainer sets <see cref="Optimizers.IOptimizer.LearningRate"/>
/// to <see cref="LearningRate"/> before each epoch. The schedules are pure functions of the epoch (PyTorch's closed
/// forms), so resuming or re-running training gives the same rates. For a schedule driven by a metric see
/// <see cref="ReduceLROnPlateau"/>.
/// </summary>
public interface ILearningRateSchedule
{
    /// <summary>The learning rate for <paramref name="epoch"/> (0-based), given the optimizer's initial learning rate.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epoch"/> is negative.</exception>
    float LearningRate(int epoch, float baseLearningRate);
}

/// <summary>Keeps the initial learning rate for every epoch.</summary>
public sealed class ConstantSchedule : ILearningRateSchedule
{
    /// <inheritdoc/>
    public float LearningRate(int epoch, float baseLearningRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        return baseLearningRate;
    }
}
