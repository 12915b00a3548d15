namespace NetGen.Samples.Fitting;

/// <summary>One run of the learning-rate comparison: a name for the legend, Adam's starting rate, and whether it adapts.</summary>
/// <param name="Label">What the run shows, e.g. "too small".</param>
/// <param name="LearningRate">Adam's learning rate at the start.</param>
/// <param name="OnPlateau">Whether <c>ReduceLROnPlateau</c> lowers the rate when the training loss stops falling.</param>
internal sealed record RateChoice(string Label, float LearningRate, bool OnPlateau = false);

/// <summary>The sizes of the two MNIST experiments (learning curves and learning rates) on <see cref="DigitsNet"/>.</summary>
internal sealed record MnistLabSettings
{
    /// <summary>The training-set sizes of the learning curve; each set contains the smaller ones.</summary>
    public IReadOnlyList<int> TrainCounts { get; init; } = [500, 1000, 2000, 4000, 8000];

    /// <summary>
    /// Adam steps per learning-curve run, the same for every size (a small set gets more epochs), so that every
    /// network is trained to about 100 % training accuracy and only the amount of data differs.
    /// </summary>
    public int Steps { get; init; } = 1000;

    /// <summary>Samples per step in both experiments.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Adam's learning rate for the learning curves.</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>The training samples of the learning-rate runs.</summary>
    public int RateTrainCount { get; init; } = 2000;

    /// <summary>The epochs of each learning-rate run.</summary>
    public int RateEpochs { get; init; } = 30;

    /// <summary>The learning-rate runs: too small, about right, too large, and too large but adaptive.</summary>
    public IReadOnlyList<RateChoice> Rates { get; init; } =
    [
        new("too small", 1e-5f),
        new("about right", 1e-3f),
        new("too large", 3e-2f),
        new("too large, reduced on plateau", 3e-2f, OnPlateau: true),
    ];

    /// <summary>Epochs without a lower training loss before ReduceLROnPlateau lowers the rate.</summary>
    public int PlateauPatience { get; init; } = 1;

    /// <summary>What ReduceLROnPlateau multiplies the rate by.</summary>
    public float PlateauFactor { get; init; } = 0.3f;

    /// <summary>What the sample runs.</summary>
    public static MnistLabSettings Full { get; } = new();

    /// <summary>Checks that the settings make sense together.</summary>
    /// <exception cref="ArgumentException">A setting is out of range; the message names it.</exception>
    public void Validate(int availableTrainCount)
    {
        if (TrainCounts.Count == 0 || TrainCounts.Any(n => n <= 0))
            throw new ArgumentException("TrainCounts must list at least one positive size.");
        int largest = Math.Max(TrainCounts.Max(), RateTrainCount);
        if (largest > availableTrainCount)
            throw new ArgumentException($"The experiments need {largest} training images but the data has {availableTrainCount}.");
        if (Steps <= 0 || BatchSize <= 0 || RateEpochs <= 0 || RateTrainCount <= 0)
            throw new ArgumentException("Steps, BatchSize, RateEpochs and RateTrainCount must be > 0.");
        if (Rates.Count == 0) throw new ArgumentException("Rates must list at least one run.");
    }
}
