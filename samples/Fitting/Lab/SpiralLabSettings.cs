namespace NetGen.Samples.Fitting;

/// <summary>
/// The sizes of the two-spirals experiments (capacity and cures). <see cref="Full"/> is what the sample runs;
/// <see cref="Reduced"/> keeps the problem and shrinks the work, for the test that checks the lab's claims.
/// </summary>
internal sealed record SpiralLabSettings
{
    /// <summary>One turn per arm, a little jitter, a fifth of the labels flipped: the best test error is about 20 %.</summary>
    public TwoSpirals Problem { get; init; } = new(Turns: 1f, Jitter: 0.05f, LabelNoise: 0.2f);

    /// <summary>The training set: small, so that a large network can learn every noisy label.</summary>
    public int TrainCount { get; init; } = 300;

    /// <summary>The test set: large, so that its error is measured to a fraction of a point.</summary>
    public int TestCount { get; init; } = 10_000;

    /// <summary>
    /// Epochs of full-batch training (one Adam step each), the same for every network: enough for the large ones to
    /// memorize the training set, the budget every experiment gets.
    /// </summary>
    public int Epochs { get; init; } = 2000;

    /// <summary>Adam's learning rate.</summary>
    public float LearningRate { get; init; } = 0.01f;

    /// <summary>The networks of the capacity sweep, smallest first; the last one, which must have a dropout twin, is the one the cures treat.</summary>
    public IReadOnlyList<Candidate> Ladder { get; init; } = Candidate.Full;

    /// <summary>The L2 penalty of the weight-decay cure (Adam's coupled weight decay: λ·θ added to the gradient).</summary>
    public float WeightDecay { get; init; } = 1e-3f;

    /// <summary>The share of the training set held out (stratified) to decide when to stop.</summary>
    public float ValidationFraction { get; init; } = 0.25f;

    /// <summary>Epochs without a lower validation loss before early stopping ends training and restores the best epoch.</summary>
    public int Patience { get; init; } = 100;

    /// <summary>How many times more training samples the more-data cure gets (for the same number of optimizer steps).</summary>
    public int MoreDataFactor { get; init; } = 4;

    /// <summary>The decision maps' resolution: points per side of the grid, or 0 to skip them.</summary>
    public int MapSize { get; init; } = 160;

    /// <summary>The network the cures are applied to: the largest of <see cref="Ladder"/>.</summary>
    public Candidate Overfitting => Ladder[^1];

    /// <summary>What the sample runs.</summary>
    public static SpiralLabSettings Full { get; } = new();

    /// <summary>The same problem with a four-network ladder, half the steps, a smaller test set and no maps: seconds.</summary>
    public static SpiralLabSettings Reduced { get; } = new()
    {
        TestCount = 2000,
        Epochs = 1000,
        Ladder = Candidate.Reduced,
        MapSize = 0,
    };

    /// <summary>Checks that the settings make sense together.</summary>
    /// <exception cref="ArgumentException">A setting is out of range; the message names it.</exception>
    public void Validate()
    {
        if (TrainCount < 8 || TrainCount % 2 != 0) throw new ArgumentException($"TrainCount is {TrainCount}; it must be an even number ≥ 8.");
        if (TestCount < 2 || TestCount % 2 != 0) throw new ArgumentException($"TestCount is {TestCount}; it must be an even number ≥ 2.");
        if (Epochs < MoreDataFactor) throw new ArgumentException($"Epochs is {Epochs}; it must be at least MoreDataFactor ({MoreDataFactor}).");
        if (MoreDataFactor < 1) throw new ArgumentException($"MoreDataFactor is {MoreDataFactor}; it must be ≥ 1.");
        if (Ladder.Count < 3) throw new ArgumentException($"The ladder has {Ladder.Count} networks; a sweep needs at least 3.");
        if (Overfitting.CreateWithDropout is null) throw new ArgumentException($"The largest network of the ladder, {Overfitting.Name}, has no dropout twin for the dropout cure.");
        if (!(ValidationFraction is > 0 and < 1)) throw new ArgumentException($"ValidationFraction is {ValidationFraction}; it must be in (0, 1).");
        if (MapSize is < 0 or 1) throw new ArgumentException($"MapSize is {MapSize}; it must be 0 (no maps) or ≥ 2.");
    }
}
