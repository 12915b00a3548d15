using NetGen.Data;
using NetGen.Samples.Fitting;

namespace NetGen.Tests.FittingSample;

/// <summary>The fitting lab's pieces: the spirals, the MNIST experiments at tiny sizes, the table and the command line.</summary>
public class FittingPartsTests
{
    private static readonly TwoSpirals Problem = SpiralLabSettings.Full.Problem;

    [Fact]
    public void SpiralsAreReproducibleAndIndependentPerStream()
    {
        Dataset a = Problem.Sample(200, seed: 7, stream: 0);
        Dataset b = Problem.Sample(200, seed: 7, stream: 0);
        Dataset c = Problem.Sample(200, seed: 7, stream: 1);
        Dataset d = Problem.Sample(200, seed: 8, stream: 0);
        Assert.Equal(a.Features, b.Features);
        Assert.Equal(a.Targets, b.Targets);
        Assert.NotEqual(a.Features, c.Features);
        Assert.NotEqual(a.Features, d.Features);
    }

    [Theory]
    [InlineData(300)]
    [InlineData(1000)]
    public void ExactlyTheStatedShareOfLabelsIsFlipped(int count)
    {
        Dataset data = Problem.Sample(count, seed: 3, stream: 0);
        int flipped = 0;
        for (int i = 0; i < count; i++)
            if (data.TargetsOf(i)[0] != (i & 1)) flipped++;
        Assert.Equal((int)MathF.Round(Problem.LabelNoise * count), flipped);
        Assert.All(data.Features, x => Assert.InRange(x, -DecisionMap.HalfWidth, DecisionMap.HalfWidth));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    [InlineData(7)]
    public void AnOddOrEmptySpiralSampleIsRefused(int count)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Problem.Sample(count, seed: 1, stream: 0));
        Assert.Contains("even", e.Message);
    }

    [Fact]
    public void SettingsThatCannotRunAreRefusedWithTheirName()
    {
        Assert.Contains("dropout twin", Assert.Throws<ArgumentException>(() =>
            (SpiralLabSettings.Reduced with { Ladder = [.. Candidate.Full.Take(3)] }).Validate()).Message);
        Assert.Contains("TrainCount", Assert.Throws<ArgumentException>(() =>
            (SpiralLabSettings.Reduced with { TrainCount = 301 }).Validate()).Message);
        Assert.Contains("9000", Assert.Throws<ArgumentException>(() =>
            (MnistLabSettings.Full with { TrainCounts = [9000] }).Validate(8000)).Message);
    }

    [Fact]
    public void DecisionMapShowsTheNetworksOutputAtEachGridPoint()
    {
        var network = new Net8(seed: 2);
        DecisionMap map = DecisionMap.Compute(network, size: 5);
        Assert.Equal(-DecisionMap.HalfWidth, map.Coordinate(0));
        Assert.Equal(DecisionMap.HalfWidth, map.Coordinate(4));
        var output = new float[1];
        network.Forward([map.Coordinate(1), map.Coordinate(3)], output); // column 1 is x, row 3 is y
        Assert.Equal(output[0], map.Values[3, 1], 1e-6f);
        Assert.Throws<ArgumentException>(() => DecisionMap.Compute(new DigitsNet(1), 5));
    }

    [Fact]
    public void MoreDigitsGiveBetterTestAccuracyForTheSameSteps()
    {
        (Dataset train, Dataset test) = Mnist.Load(Mnist.DefaultFolder);
        var settings = MnistLabSettings.Full with { TrainCounts = [100, 1600], Steps = 120 };
        IReadOnlyList<CurvePoint> curve = MnistLab.LearningCurve(settings, train, test, seed: 1);
        Assert.Equal([100, 1600], curve.Select(p => p.TrainCount));
        Assert.Equal([60, 5], curve.Select(p => p.Epochs)); // 120 steps of 64: 2 batches per epoch, then 25
        Assert.True(curve[1].TestAccuracy > curve[0].TestAccuracy + 0.05, $"{curve[0].TestAccuracy:P1} → {curve[1].TestAccuracy:P1}");
        Assert.True(curve[0].TrainAccuracy > curve[0].TestAccuracy + 0.1, "The 100-image network should fit its images far better than the test digits.");
    }

    [Fact]
    public void TheLearningRateDecidesHowFarTrainingGetsAndThePlateauScheduleLowersIt()
    {
        (Dataset train, Dataset test) = Mnist.Load(Mnist.DefaultFolder);
        var settings = MnistLabSettings.Full with { RateTrainCount = 1280, RateEpochs = 24 };
        IReadOnlyList<RateRun> runs = MnistLab.LearningRates(settings, train, test, seed: 1);
        Assert.Equal(settings.Rates, runs.Select(r => r.Choice));
        RateRun small = runs[0], right = runs[1], large = runs[2], adaptive = runs[3];
        Assert.All(runs, r => Assert.Equal(settings.RateEpochs, r.Loss.Length));
        Assert.True(right.Loss[^1] < small.Loss[^1] / 5, $"lr {right.Choice.LearningRate}: {right.Loss[^1]}, lr {small.Choice.LearningRate}: {small.Loss[^1]}");
        // Too large a rate keeps overshooting: over the last third of training its loss stays above the right rate's.
        int lastThird = settings.RateEpochs * 2 / 3;
        Assert.True(Tail(large) > 2 * Tail(right), $"mean loss of the last third: lr {right.Choice.LearningRate}: {Tail(right)}, lr {large.Choice.LearningRate}: {Tail(large)}");
        Assert.All(large.Rates, r => Assert.Equal(large.Choice.LearningRate, r));
        // The adaptive run is the too-large run until its first reduction (same seed, same data), then falls below it.
        int firstReduced = Array.FindIndex(adaptive.Rates, r => r < adaptive.Choice.LearningRate);
        Assert.True(firstReduced > 0, "ReduceLROnPlateau should have lowered the rate.");
        Assert.Equal(large.Loss[..firstReduced], adaptive.Loss[..firstReduced]);
        Assert.True(Tail(adaptive) < Tail(large) / 2, $"mean loss of the last third: adaptive {Tail(adaptive)}, constant {Tail(large)}");

        float Tail(RateRun run) => run.Loss[lastThird..].Average();
    }

    [Fact]
    public void TheTableQuotesCsvFieldsWithCommas()
    {
        var table = new ResultTable();
        var fit = new SpiralFit("2-8-1", "early stopping, kept epoch 3", 33, Problem.Sample(10, 1, 0), 12, 0.25, 0.3, null);
        table.AddSpirals(new SpiralLabResult([fit, fit, fit], [fit]));
        string path = Path.Combine(Path.GetTempPath(), $"netgen-fitting-{Guid.NewGuid():N}.csv");
        try
        {
            table.WriteCsv(path);
            string[] lines = File.ReadAllLines(path);
            Assert.Equal("part,network,setting,parameters,train_samples,epochs,train_error_percent,test_error_percent", lines[0]);
            Assert.Equal("capacity,2-8-1,\"early stopping, kept epoch 3\",33,10,12,25.0,30.0", lines[1]);
            Assert.Equal(5, lines.Length);
        }
        finally
        {
            File.Delete(path);
        }
        Assert.Contains("30.0", table.Format());
    }
}
