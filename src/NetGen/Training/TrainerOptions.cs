using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Schedules;

namespace NetGen.Training;

/// <summary>How <see cref="Trainer.Fit"/> trains a network. Checked when <see cref="Trainer.Fit"/> starts.</summary>
public sealed record TrainerOptions
{
    /// <summary>The optimizer; its <see cref="IOptimizer.LearningRate"/> at the start is the base rate of <see cref="Schedule"/>.</summary>
    public required IOptimizer Optimizer { get; init; }

    /// <summary>The maximum number of epochs (default 10).</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>The number of samples per batch (default 32).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>The seed of the shuffles (and of <see cref="INetwork.Initialize"/> when <see cref="InitializeParameters"/> is set).</summary>
    public int Seed { get; init; }

    /// <summary>Whether each epoch visits the samples in a new seeded order (default true).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Whether a last batch smaller than <see cref="BatchSize"/> is skipped.</summary>
    public bool DropLast { get; init; }

    /// <summary>Whether to call <see cref="INetwork.Initialize"/> with <see cref="Seed"/> before training (default false: train the current parameters).</summary>
    public bool InitializeParameters { get; init; }

    /// <summary>A per-epoch learning-rate schedule, or null for a constant rate.</summary>
    public ILearningRateSchedule? Schedule { get; init; }

    /// <summary>A metric-driven learning-rate reduction, stepped after each epoch with <see cref="PlateauMetric"/>. Cannot be combined with <see cref="Schedule"/>.</summary>
    public ReduceLROnPlateau? Plateau { get; init; }

    /// <summary>The metric <see cref="Plateau"/> watches (default the validation loss).</summary>
    public MonitoredMetric PlateauMetric { get; init; } = MonitoredMetric.ValidationLoss;

    /// <summary>Early stopping, or null to run every epoch.</summary>
    public EarlyStopping? EarlyStopping { get; init; }

    /// <summary>A validation set evaluated after each epoch, or null.</summary>
    public Dataset? Validation { get; init; }

    /// <summary>The L1 penalty λ (0 for none); see <see cref="Regularization.L1"/>. L2 is the optimizer's weightDecay.</summary>
    public float L1 { get; init; }

    /// <summary>The maximum global gradient norm, or null for no clipping; see <see cref="Regularization.ClipGradNorm"/>.</summary>
    public float? MaxGradientNorm { get; init; }

    /// <summary>Receives an <see cref="EpochReport"/> after each epoch.</summary>
    public IProgress<EpochReport>? EpochProgress { get; init; }

    /// <summary>Receives a <see cref="BatchReport"/> after each optimizer step.</summary>
    public IProgress<BatchReport>? BatchProgress { get; init; }

    /// <summary>Callbacks run in order at the start of each epoch, after each batch and after each epoch.</summary>
    public IReadOnlyList<ITrainingCallback> Callbacks { get; init; } = [];

    /// <summary>
    /// Threads each batch's gradient is computed on (sets <see cref="INetwork.TrainingThreads"/>) and the built-in
    /// optimizers' step is split over (sets their <c>Threads</c>); default 1. Results are deterministic for a given
    /// thread count, and bit-identical for any count except with tiny networks (see <see cref="INetwork.TrainingThreads"/>).
    /// </summary>
    public int Threads { get; init; } = 1;

    internal void Validate()
    {
        if (Optimizer is null) throw new ArgumentException("TrainerOptions.Optimizer must be set.", "options");
        if (Epochs <= 0) throw new ArgumentException($"TrainerOptions.Epochs is {Epochs}; it must be > 0.", "options");
        if (BatchSize <= 0) throw new ArgumentException($"TrainerOptions.BatchSize is {BatchSize}; it must be > 0.", "options");
        if (Threads is < 1 or > 64) throw new ArgumentException($"TrainerOptions.Threads is {Threads}; it must be between 1 and 64.", "options");
        if (!(L1 >= 0) || float.IsInfinity(L1)) throw new ArgumentException($"TrainerOptions.L1 is {L1}; it must be a finite value ≥ 0.", "options");
        if (MaxGradientNorm is float max && (!(max > 0) || float.IsInfinity(max)))
            throw new ArgumentException($"TrainerOptions.MaxGradientNorm is {max}; it must be a finite value > 0.", "options");
        if (Schedule is not null && Plateau is not null)
            throw new ArgumentException("TrainerOptions.Schedule and TrainerOptions.Plateau both set the learning rate; use one of them.", "options");
        if (Callbacks is null || Callbacks.Any(c => c is null)) throw new ArgumentException("TrainerOptions.Callbacks must not be or contain null.", "options");
        bool needsValidation = (EarlyStopping?.Monitor is MonitoredMetric.ValidationLoss or MonitoredMetric.ValidationAccuracy)
            || (Plateau is not null && PlateauMetric is MonitoredMetric.ValidationLoss or MonitoredMetric.ValidationAccuracy);
        if (needsValidation && Validation is null)
            throw new ArgumentException("Early stopping or the plateau schedule monitors a validation metric, but TrainerOptions.Validation is not set.", "options");
        if (Validation is { Count: 0 })
            throw new ArgumentException("TrainerOptions.Validation is empty.", "options");
    }
}
