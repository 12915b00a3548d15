namespace NetGen.Training;

/// <summary>A per-epoch metric the trainer can monitor.</summary>
public enum MonitoredMetric
{
    /// <summary>The mean loss on the validation set (lower is better).</summary>
    ValidationLoss = 0,
    /// <summary>The accuracy on the validation set (higher is better).</summary>
    ValidationAccuracy = 1,
    /// <summary>The mean training loss of the epoch (lower is better).</summary>
    TrainLoss = 2,
    /// <summary>The accuracy on the training set at the end of the epoch (higher is better).</summary>
    TrainAccuracy = 3,
}

/// <summary>
/// Stops training when a monitored metric has not improved by more than <see cref="MinDelta"/> for
/// <see cref="Patience"/> consecutive epochs (Keras' <c>EarlyStopping</c>), optionally keeping a copy of the
/// parameters of the best epoch and restoring them when training ends.
/// </summary>
public sealed class EarlyStopping
{
    private float[]? _bestParameters;

    /// <summary>Creates the policy.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="patience"/> is not positive, <paramref name="minDelta"/> is negative or not finite, or <paramref name="monitor"/> is unknown.</exception>
    public EarlyStopping(MonitoredMetric monitor = MonitoredMetric.ValidationLoss, int patience = 5, float minDelta = 0f, bool restoreBestWeights = true)
    {
        if (!Enum.IsDefined(monitor)) throw new ArgumentOutOfRangeException(nameof(monitor), monitor, "Unknown metric.");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(patience);
        if (!(minDelta >= 0) || float.IsInfinity(minDelta))
            throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, "'minDelta' must be a finite value ≥ 0.");
        Monitor = monitor;
        Patience = patience;
        MinDelta = minDelta;
        RestoreBestWeights = restoreBestWeights;
        Reset();
    }

    /// <summary>The metric watched.</summary>
    public MonitoredMetric Monitor { get; }

    /// <summary>The number of epochs without improvement after which training stops.</summary>
    public int Patience { get; }

    /// <summary>The smallest change of the metric that counts as an improvement.</summary>
    public float MinDelta { get; }

    /// <summary>Whether the parameters of the best epoch are restored when training ends.</summary>
    public bool RestoreBestWeights { get; }

    /// <summary>The best value seen so far.</summary>
    public float Best { get; private set; }

    /// <summary>The (0-based) epoch that produced <see cref="Best"/>, or −1 before the first epoch.</summary>
    public int BestEpoch { get; private set; }

    /// <summary>The number of epochs since the last improvement.</summary>
    public int Wait { get; private set; }

    /// <summary>Whether lower values of <see cref="Monitor"/> are better.</summary>
    public bool LowerIsBetter => Monitor is MonitoredMetric.ValidationLoss or MonitoredMetric.TrainLoss;

    /// <summary>
    /// Records the metric of a finished epoch (copying <paramref name="parameters"/> when it is the best so far and
    /// <see cref="RestoreBestWeights"/> is set) and returns whether training should stop.
    /// </summary>
    public bool Update(int epoch, float value, ReadOnlySpan<float> parameters)
    {
        bool improved = LowerIsBetter ? value < Best - MinDelta : value > Best + MinDelta;
        if (improved)
        {
            Best = value;
            BestEpoch = epoch;
            Wait = 0;
            if (RestoreBestWeights)
            {
                if (_bestParameters is null || _bestParameters.Length != parameters.Length)
                    _bestParameters = new float[parameters.Length];
                parameters.CopyTo(_bestParameters);
            }
            return false;
        }
        return ++Wait >= Patience;
    }

    /// <summary>Copies the best parameters into <paramref name="parameters"/>; returns false when there is nothing to restore.</summary>
    /// <exception cref="ArgumentException">The stored copy has another length.</exception>
    public bool TryRestore(Span<float> parameters)
    {
        if (!RestoreBestWeights || _bestParameters is null) return false;
        if (_bestParameters.Length != parameters.Length)
            throw new ArgumentException($"The best weights hold {_bestParameters.Length} parameters but the network has {parameters.Length}.", nameof(parameters));
        _bestParameters.CopyTo(parameters);
        return true;
    }

    /// <summary>Forgets the best value and the saved parameters.</summary>
    public void Reset()
    {
        Best = LowerIsBetter ? float.PositiveInfinity : float.NegativeInfinity;
        BestEpoch = -1;
        Wait = 0;
        _bestParameters = null;
    }
}
