using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Training;

namespace NetGen.Samples.Fitting;

/// <summary>One network trained on the spirals: what it is, how it was trained, and how it did.</summary>
/// <param name="Network">The layer sizes, e.g. "2-8-1".</param>
/// <param name="Setting">What was done against overfitting ("no cure" for the capacity sweep).</param>
/// <param name="Parameters">The network's trainable parameters.</param>
/// <param name="Train">The samples the optimizer saw (for early stopping, without the held-out validation part).</param>
/// <param name="Epochs">The epochs that ran.</param>
/// <param name="TrainError">The share of <paramref name="Train"/> classified wrongly (against its noisy labels).</param>
/// <param name="TestError">The share of the test set classified wrongly.</param>
/// <param name="Map">The network's output over the plane, or null when the settings ask for no maps.</param>
internal sealed record SpiralFit(string Network, string Setting, int Parameters, Dataset Train, int Epochs,
    double TrainError, double TestError, DecisionMap? Map);

/// <summary>The two spiral experiments: the capacity sweep and the cures applied to its largest network.</summary>
/// <param name="Capacity">One fit per network of the ladder, smallest first.</param>
/// <param name="Cures">The largest network untreated, then with each cure alone, then with all of them.</param>
internal sealed record SpiralLabResult(IReadOnlyList<SpiralFit> Capacity, IReadOnlyList<SpiralFit> Cures)
{
    /// <summary>The lowest test error of the capacity sweep.</summary>
    public SpiralFit BestCapacity => Capacity.MinBy(f => f.TestError)!;
}

/// <summary>
/// Under- and overfitting on two noisy spirals. Every network gets the same data, the same seed and the same budget of
/// full-batch Adam steps, so the differences in the results come from capacity and from the cures alone.
/// </summary>
internal static class SpiralLab
{
    /// <summary>The setting name of the untreated network.</summary>
    public const string NoCure = "no cure";

    /// <summary>Runs the capacity sweep and the cures; <paramref name="log"/> receives a line per trained network.</summary>
    public static SpiralLabResult Run(SpiralLabSettings settings, int seed, Action<SpiralFit>? log = null)
    {
        settings.Validate();
        Dataset train = settings.Problem.Sample(settings.TrainCount, seed, stream: 0);
        Dataset test = settings.Problem.Sample(settings.TestCount, seed, stream: 1);
        var run = new Session(settings, seed, test, log);

        var capacity = new List<SpiralFit>();
        foreach (Candidate candidate in settings.Ladder)
            capacity.Add(run.Fit(candidate.Name, NoCure, candidate.Create(seed), train, settings.Epochs));

        Candidate overfitting = settings.Overfitting;
        Func<int, INetwork> withDropout = overfitting.CreateWithDropout!;
        float decay = settings.WeightDecay;
        int factor = settings.MoreDataFactor;
        // More data for the same number of optimizer steps: factor times the samples, factor times fewer epochs.
        Dataset more = settings.Problem.Sample(settings.TrainCount * factor, seed, stream: 2);
        int moreEpochs = settings.Epochs / factor;
        (Dataset fit, Dataset validation) = DatasetSplit.Stratified(train, settings.ValidationFraction, seed);
        (Dataset moreFit, Dataset moreValidation) = DatasetSplit.Stratified(more, settings.ValidationFraction, seed);
        string held = $"{settings.ValidationFraction:P0} held out";

        SpiralFit[] cures =
        [
            capacity[^1],
            run.Fit(overfitting.Name, $"L2 weight decay {decay:G}", overfitting.Create(seed), train, settings.Epochs, decay),
            run.Fit(overfitting.Name, "dropout 0.5", withDropout(seed), train, settings.Epochs),
            run.Fit(overfitting.Name, $"early stopping ({held})", overfitting.Create(seed), fit, settings.Epochs, validation: validation),
            run.Fit(overfitting.Name, $"{factor}x more data", overfitting.Create(seed), more, moreEpochs),
            run.Fit(overfitting.Name, "all four", withDropout(seed), moreFit, moreEpochs, decay, moreValidation),
        ];
        return new SpiralLabResult(capacity, cures);
    }

    /// <summary>What every fit of one lab run shares.</summary>
    private sealed class Session(SpiralLabSettings settings, int seed, Dataset test, Action<SpiralFit>? log)
    {
        public SpiralFit Fit(string name, string setting, INetwork network, Dataset train, int epochs,
            float weightDecay = 0f, Dataset? validation = null)
        {
            var options = new TrainerOptions
            {
                Optimizer = new Adam(settings.LearningRate, weightDecay: weightDecay),
                Epochs = epochs,
                // Full batch on the base training set; a larger set takes several steps per epoch.
                BatchSize = settings.TrainCount,
                Seed = seed,
                Validation = validation,
                EarlyStopping = validation is null ? null : new EarlyStopping(MonitoredMetric.ValidationLoss, settings.Patience, restoreBestWeights: true),
            };
            TrainingHistory history = new Trainer(options).Fit(network, train);
            if (history.RestoredEpoch is int best) setting += $", kept epoch {best + 1}";
            var result = new SpiralFit(name, setting, network.ParameterCount, train, history.Epochs.Count,
                Error(network, train), Error(network, test),
                settings.MapSize == 0 ? null : DecisionMap.Compute(network, settings.MapSize));
            log?.Invoke(result);
            return result;
        }

        private static double Error(INetwork network, Dataset data) => 1.0 - Trainer.Evaluate(network, data).Accuracy;
    }
}
