using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Schedules;
using NetGen.Training;

namespace NetGen.Samples.Fitting;

/// <summary>One point of the learning curve.</summary>
/// <param name="TrainCount">The training images.</param>
/// <param name="Epochs">The epochs it took to make the step budget.</param>
/// <param name="TrainAccuracy">The accuracy on those images.</param>
/// <param name="TestAccuracy">The accuracy on the test images.</param>
/// <param name="FinalLoss">The mean training loss of the last epoch.</param>
internal sealed record CurvePoint(int TrainCount, int Epochs, double TrainAccuracy, double TestAccuracy, float FinalLoss);

/// <summary>One learning-rate run.</summary>
/// <param name="Choice">The rate and whether it adapted.</param>
/// <param name="Loss">The mean training loss of each epoch.</param>
/// <param name="Rates">The learning rate of each epoch.</param>
/// <param name="TrainAccuracy">The final accuracy on the training images.</param>
/// <param name="TestAccuracy">The final accuracy on the test images.</param>
internal sealed record RateRun(RateChoice Choice, float[] Loss, float[] Rates, double TrainAccuracy, double TestAccuracy);

/// <summary>The MNIST experiments: how much data the 784-128-64-10 network needs, and what the learning rate does to its training.</summary>
internal static class MnistLab
{
    /// <summary>Trains a fresh network on each training-set size for the same number of steps.</summary>
    public static IReadOnlyList<CurvePoint> LearningCurve(MnistLabSettings settings, Dataset train, Dataset test, int seed)
    {
        settings.Validate(train.Count);
        int[] order = Permutation(train.Count, seed);
        var points = new List<CurvePoint>();
        foreach (int count in settings.TrainCounts)
        {
            Dataset subset = Subset(train, order.AsSpan(0, count));
            int batchesPerEpoch = (count + settings.BatchSize - 1) / settings.BatchSize;
            int epochs = (settings.Steps + batchesPerEpoch - 1) / batchesPerEpoch;
            var network = new DigitsNet(seed);
            TrainingHistory history = new Trainer(new TrainerOptions
            {
                Optimizer = new Adam(settings.LearningRate),
                Epochs = epochs,
                BatchSize = settings.BatchSize,
                Seed = seed,
            }).Fit(network, subset);
            points.Add(new CurvePoint(count, epochs, Trainer.Evaluate(network, subset).Accuracy,
                Trainer.Evaluate(network, test).Accuracy, history.Epochs[^1].TrainLoss));
        }
        return points;
    }

    /// <summary>Trains a fresh network (same seed, same data) with each learning rate of the settings.</summary>
    public static IReadOnlyList<RateRun> LearningRates(MnistLabSettings settings, Dataset train, Dataset test, int seed)
    {
        settings.Validate(train.Count);
        Dataset subset = Subset(train, Permutation(train.Count, seed).AsSpan(0, settings.RateTrainCount));
        var runs = new List<RateRun>();
        foreach (RateChoice choice in settings.Rates)
        {
            var network = new DigitsNet(seed);
            TrainingHistory history = new Trainer(new TrainerOptions
            {
                Optimizer = new Adam(choice.LearningRate),
                Epochs = settings.RateEpochs,
                BatchSize = settings.BatchSize,
                Seed = seed,
                Plateau = choice.OnPlateau ? new ReduceLROnPlateau(PlateauMode.Min, settings.PlateauFactor, settings.PlateauPatience) : null,
                PlateauMetric = MonitoredMetric.TrainLoss,
            }).Fit(network, subset);
            runs.Add(new RateRun(choice, history.TrainLoss, history.LearningRate,
                Trainer.Evaluate(network, subset).Accuracy, Trainer.Evaluate(network, test).Accuracy));
        }
        return runs;
    }

    /// <summary>0 … count − 1 in an order fixed by <paramref name="seed"/> (Fisher-Yates with NetGen's generator).</summary>
    private static int[] Permutation(int count, int seed)
    {
        int[] order = [.. Enumerable.Range(0, count)];
        var rng = new Rng((ulong)(uint)seed);
        for (int i = count - 1; i > 0; i--)
        {
            int j = rng.NextInt32(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    private static Dataset Subset(Dataset data, ReadOnlySpan<int> indices)
    {
        int fs = data.FeatureSize, ts = data.TargetSize;
        var features = new float[indices.Length * fs];
        var targets = new float[indices.Length * ts];
        for (int row = 0; row < indices.Length; row++)
        {
            data.FeaturesOf(indices[row]).CopyTo(features.AsSpan(row * fs, fs));
            data.TargetsOf(indices[row]).CopyTo(targets.AsSpan(row * ts, ts));
        }
        return new Dataset(features, targets, fs, ts);
    }
}
