using NetGen.Data;
using NetGen.Samples.Fitting;
using Xunit.Abstractions;

namespace NetGen.Tests.FittingSample;

/// <summary>Runs the fitting lab's spiral experiments once, at the reduced sizes; the tests share the result.</summary>
public sealed class ReducedSpiralLab
{
    public const int Seed = 1;

    public ReducedSpiralLab()
    {
        Result = SpiralLab.Run(SpiralLabSettings.Reduced, Seed);
        Findings = Findings.Of(Result);
    }

    internal SpiralLabResult Result { get; }
    internal Findings Findings { get; }
}

/// <summary>
/// What samples/Fitting claims, checked on a reduced lab (the same problem and training, a four-network ladder, half
/// the steps): its Lab folder is compiled into this project.
/// </summary>
public sealed class FittingLabTests(ReducedSpiralLab lab, ITestOutputHelper output) : IClassFixture<ReducedSpiralLab>
{
    [Fact]
    public void TestErrorFallsThenRisesWithCapacityWhileTrainingErrorKeepsFalling()
    {
        IReadOnlyList<SpiralFit> ladder = lab.Result.Capacity;
        foreach (SpiralFit f in ladder) output.WriteLine($"{f.Network,-10} train {100 * f.TrainError,5:F1} %  test {100 * f.TestError,5:F1} %");
        Findings f0 = lab.Findings;

        // The best network is neither the smallest nor the largest: test error falls, then rises.
        Assert.InRange(f0.Best, 1, ladder.Count - 2);
        Assert.True(f0.FallToBest >= 0.05, $"The smallest network's test error is only {100 * f0.FallToBest:F1} points above the best; it should underfit clearly.");
        Assert.True(f0.RiseAfterBest >= 0.03, $"The largest network's test error is only {100 * f0.RiseAfterBest:F1} points above the best; it should overfit clearly.");
        // Training error does not rise (by more than a point and a half) from one network to the next bigger one,
        // and keeps falling past the best test error.
        Assert.True(f0.LargestTrainingRise <= 0.015, $"Training error rises by {100 * f0.LargestTrainingRise:F1} points between two networks of the ladder.");
        Assert.True(f0.TrainingFallAfterBest >= 0.05, $"Training error falls only {100 * f0.TrainingFallAfterBest:F1} points from the best network to the largest.");
        // The largest network fits its noisy training labels better than the label noise would allow a true fit to.
        Assert.True(ladder[^1].TrainError < SpiralLabSettings.Reduced.Problem.LabelNoise - 0.05);
    }

    [Fact]
    public void AtLeastOneCureBringsTheOverfittingNetworkWithinTwoPointsOfTheBestCapacity()
    {
        foreach ((string cure, double gap) in lab.Findings.CureGaps) output.WriteLine($"{cure,-45} {100 * gap,+5:F1} points");
        Assert.NotEmpty(lab.Findings.Cured);
        // The untreated network is not: the cure did something.
        SpiralFit untreated = Assert.Single(lab.Result.Cures, f => f.Setting == SpiralLab.NoCure);
        Assert.True(untreated.TestError - lab.Result.BestCapacity.TestError > Findings.CureTolerance);
        Assert.Equal(5, lab.Findings.CureGaps.Count);
    }

    [Fact]
    public void EveryCureTrainsTheOverfittingNetworkOnTheDataItShould()
    {
        SpiralLabSettings s = SpiralLabSettings.Reduced;
        IReadOnlyList<SpiralFit> cures = lab.Result.Cures;
        Assert.All(cures, f => Assert.Equal(s.Overfitting.Name, f.Network));
        Assert.Equal(s.TrainCount, cures[1].Train.Count); // L2
        Assert.Equal(s.TrainCount, cures[2].Train.Count); // dropout
        Assert.Equal((int)(s.TrainCount * (1 - s.ValidationFraction)), cures[3].Train.Count, tolerance: 1); // early stopping
        Assert.True(cures[3].Epochs < s.Epochs, "Early stopping should end training before the last epoch.");
        Assert.Equal(s.TrainCount * s.MoreDataFactor, cures[4].Train.Count); // more data
        Assert.Equal(s.Epochs / s.MoreDataFactor, cures[4].Epochs);
    }
}
