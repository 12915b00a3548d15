namespace NetGen.Training;

/// <summary>Reported after each optimizer step.</summary>
/// <param name="Epoch">The 0-based epoch.</param>
/// <param name="Batch">The 0-based batch within the epoch.</param>
/// <param name="BatchCount">The number of batches per epoch.</param>
/// <param name="Loss">The mean loss of the batch (before the step; without the L1 penalty).</param>
/// <param name="GradientNorm">The global L2 norm of the gradient before clipping (NaN when clipping is off).</param>
/// <param name="LearningRate">The learning rate of the step.</param>
public readonly record struct BatchReport(int Epoch, int Batch, int BatchCount, float Loss, float GradientNorm, float LearningRate);

/// <summary>Reported after each epoch; <see cref="TrainingHistory"/> keeps one per epoch.</summary>
/// <param name="Epoch">The 0-based epoch.</param>
/// <param name="TrainLoss">The sample-weighted mean of the batch losses of the epoch (what the optimizer saw, dropout active).</param>
/// <param name="TrainAccuracy">The accuracy on the training set after the epoch.</param>
/// <param name="ValidationLoss">The mean loss on the validation set after the epoch, if there is one.</param>
/// <param name="ValidationAccuracy">The accuracy on the validation set after the epoch, if there is one.</param>
/// <param name="LearningRate">The learning rate used during the epoch.</param>
/// <param name="Elapsed">The wall-clock time of the epoch, including evaluation.</param>
public sealed record EpochReport(
    int Epoch, float TrainLoss, float TrainAccuracy, float? ValidationLoss, float? ValidationAccuracy, float LearningRate, TimeSpan Elapsed)
{
    /// <summary>The value of <paramref name="metric"/> in this report.</summary>
    /// <exception cref="InvalidOperationException">A validation metric is asked for but there was no validation set.</exception>
    public float Get(MonitoredMetric metric) => metric switch
    {
        MonitoredMetric.TrainLoss => TrainLoss,
        MonitoredMetric.TrainAccuracy => TrainAccuracy,
        MonitoredMetric.ValidationLoss => ValidationLoss ?? throw NoValidation(metric),
        MonitoredMetric.ValidationAccuracy => ValidationAccuracy ?? throw NoValidation(metric),
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown metric."),
    };

    private static InvalidOperationException NoValidation(MonitoredMetric metric) =>
        new($"'{metric}' needs a validation set; set TrainerOptions.Validation.");
}

/// <summary>Hooks into the training loop. Every member has a default that does nothing.</summary>
public interface ITrainingCallback
{
    /// <summary>Called before the first batch of each epoch.</summary>
    void OnEpochStart(int epoch) { }

    /// <summary>Called after each optimizer step.</summary>
    void OnBatchEnd(in BatchReport report) { }

    /// <summary>Called after each epoch; return false to stop training after it.</summary>
    bool OnEpochEnd(EpochReport report) => true;
}

/// <summary>What happened during <see cref="Trainer.Fit"/>: one <see cref="EpochReport"/> per completed epoch.</summary>
public sealed class TrainingHistory
{
    private readonly List<EpochReport> _epochs = [];

    /// <summary>The reports of the completed epochs, in order.</summary>
    public IReadOnlyList<EpochReport> Epochs => _epochs;

    /// <summary>Why training ended.</summary>
    public StopReason StopReason { get; internal set; }

    /// <summary>The epoch whose parameters the network holds after early stopping restored them, or null.</summary>
    public int? RestoredEpoch { get; internal set; }

    /// <summary>The training loss of each epoch.</summary>
    public float[] TrainLoss => [.. _epochs.Select(e => e.TrainLoss)];

    /// <summary>The training accuracy of each epoch.</summary>
    public float[] TrainAccuracy => [.. _epochs.Select(e => e.TrainAccuracy)];

    /// <summary>The validation loss of each epoch (NaN without a validation set).</summary>
    public float[] ValidationLoss => [.. _epochs.Select(e => e.ValidationLoss ?? float.NaN)];

    /// <summary>The validation accuracy of each epoch (NaN without a validation set).</summary>
    public float[] ValidationAccuracy => [.. _epochs.Select(e => e.ValidationAccuracy ?? float.NaN)];

    /// <summary>The learning rate of each epoch.</summary>
    public float[] LearningRate => [.. _epochs.Select(e => e.LearningRate)];

    internal void Add(EpochReport report) => _epochs.Add(report);
}

/// <summary>Why <see cref="Trainer.Fit"/> returned.</summary>
public enum StopReason
{
    /// <summary>All requested epochs ran.</summary>
    Completed = 0,
    /// <summary>Early stopping ended training.</summary>
    EarlyStopping = 1,
    /// <summary>A callback asked to stop.</summary>
    Callback = 2,
}
