namespace NetGen.Schedules;

/// <summary>Whether a monitored metric should go down (a loss) or up (an accuracy).</summary>
public enum PlateauMode
{
    /// <summary>Lower is better.</summary>
    Min = 0,
    /// <summary>Higher is better.</summary>
    Max = 1,
}

/// <summary>How <see cref="ReduceLROnPlateau.Threshold"/> defines a significant improvement.</summary>
public enum ThresholdMode
{
    /// <summary>Relative: better than best·(1 ∓ threshold).</summary>
    Relative = 0,
    /// <summary>Absolute: better than best ∓ threshold.</summary>
    Absolute = 1,
}

/// <summary>
/// Reduces the learning rate when a metric has stopped improving, with PyTorch's <c>ReduceLROnPlateau</c> semantics:
/// after each epoch, <see cref="Step"/> compares the metric with the best so far; after more than
/// <see cref="Patience"/> epochs without a significant improvement the rate is multiplied by <see cref="Factor"/>
/// (not below <see cref="MinLearningRate"/>; changes smaller than <see cref="Eps"/> are ignored), and the next
/// <see cref="Cooldown"/> epochs are not counted.
/// </summary>
public sealed class ReduceLROnPlateau
{
    private float _best;
    private int _badEpochs;
    private int _cooldownCounter;

    /// <summary>Creates the scheduler with PyTorch's defaults.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range: factor must be in (0, 1); patience, cooldown, threshold, minLearningRate and eps must be ≥ 0.</exception>
    public ReduceLROnPlateau(PlateauMode mode = PlateauMode.Min, float factor = 0.1f, int patience = 10, float threshold = 1e-4f,
        ThresholdMode thresholdMode = ThresholdMode.Relative, int cooldown = 0, float minLearningRate = 0f, float eps = 1e-8f)
    {
        if (!Enum.IsDefined(mode)) throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown plateau mode.");
        if (!Enum.IsDefined(thresholdMode)) throw new ArgumentOutOfRangeException(nameof(thresholdMode), thresholdMode, "Unknown threshold mode.");
        if (!(factor > 0 && factor < 1))
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "'factor' must be in (0, 1).");
        ArgumentOutOfRangeException.ThrowIfNegative(patience);
        ArgumentOutOfRangeException.ThrowIfNegative(cooldown);
        CheckNonNegative(threshold, nameof(threshold));
        CheckNonNegative(minLearningRate, nameof(minLearningRate));
        CheckNonNegative(eps, nameof(eps));
        (Mode, Factor, Patience, Threshold, ThresholdMode, Cooldown, MinLearningRate, Eps) =
            (mode, factor, patience, threshold, thresholdMode, cooldown, minLearningRate, eps);
        Reset();
    }

    /// <summary>Whether lower or higher metric values are better.</summary>
    public PlateauMode Mode { get; }

    /// <summary>The factor the learning rate is multiplied by on a plateau.</summary>
    public float Factor { get; }

    /// <summary>The number of epochs without improvement tolerated before reducing.</summary>
    public int Patience { get; }

    /// <summary>The minimum change that counts as an improvement.</summary>
    public float Threshold { get; }

    /// <summary>Whether <see cref="Threshold"/> is relative or absolute.</summary>
    public ThresholdMode ThresholdMode { get; }

    /// <summary>The number of epochs after a reduction during which bad epochs are not counted.</summary>
    public int Cooldown { get; }

    /// <summary>The lower bound of the learning rate.</summary>
    public float MinLearningRate { get; }

    /// <summary>Reductions smaller than this are skipped.</summary>
    public float Eps { get; }

    /// <summary>The best metric value seen so far (+∞ for <see cref="PlateauMode.Min"/> before the first step).</summary>
    public float Best => _best;

    /// <summary>The number of consecutive epochs without improvement.</summary>
    public int BadEpochs => _badEpochs;

    /// <summary>Records the metric of a finished epoch and returns the learning rate for the next one.</summary>
    /// <exception cref="ArgumentException"><paramref name="metric"/> is NaN.</exception>
    public float Step(float metric, float learningRate)
    {
        if (float.IsNaN(metric))
            throw new ArgumentException("The monitored metric is NaN; ReduceLROnPlateau cannot compare it with the best value.", nameof(metric));
        if (IsBetter(metric))
        {
            _best = metric;
            _badEpochs = 0;
        }
        else
        {
            _badEpochs++;
        }

        if (_cooldownCounter > 0)
        {
            _cooldownCounter--;
            _badEpochs = 0;
        }

        if (_badEpochs > Patience)
        {
            float reduced = Math.Max(learningRate * Factor, MinLearningRate);
            if (learningRate - reduced > Eps)
                learningRate = reduced;
            _cooldownCounter = Cooldown;
            _badEpochs = 0;
        }
        return learningRate;
    }

    /// <summary>Forgets the best value and the counters, as if newly constructed.</summary>
    public void Reset()
    {
        _best = Mode == PlateauMode.Min ? float.PositiveInfinity : float.NegativeInfinity;
        _badEpochs = 0;
        _cooldownCounter = 0;
    }

    private bool IsBetter(float metric) => (Mode, ThresholdMode) switch
    {
        (PlateauMode.Min, ThresholdMode.Relative) => metric < _best * (1 - Threshold),
        (PlateauMode.Min, ThresholdMode.Absolute) => metric < _best - Threshold,
        (PlateauMode.Max, ThresholdMode.Relative) => metric > _best * (1 + Threshold),
        _ => metric > _best + Threshold,
    };

    private static void CheckNonNegative(float value, string name)
    {
        if (!(value >= 0) || float.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, $"'{name}' must be a finite value ≥ 0.");
    }
}
