using NetGen.Schedules;

namespace NetGen.Tests.Training;

public class ScheduleTests
{
    private static float[] Rates(ILearningRateSchedule schedule, int epochs, float baseRate = 1f) =>
        [.. Enumerable.Range(0, epochs).Select(e => schedule.LearningRate(e, baseRate))];

    private static void AssertClose(double[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-6, $"epoch {i}: {actual[i]} vs {expected[i]}");
    }

    [Fact]
    public void ConstantKeepsBaseRate() => AssertClose([0.1, 0.1, 0.1], Rates(new ConstantSchedule(), 3, 0.1f));

    [Fact]
    public void StepLRDecaysEveryStepSizeEpochs() => AssertClose([1, 1, 0.5, 0.5, 0.25], Rates(new StepLR(2, 0.5f), 5));

    [Fact]
    public void ExponentialLRDecaysEveryEpoch() => AssertClose([0.2, 0.18, 0.162, 0.1458], Rates(new ExponentialLR(0.9f), 4, 0.2f));

    [Fact]
    public void CosineAnnealingFollowsHalfCosine()
    {
        double F(int t) => 0.1 + 0.9 * (1 + Math.Cos(Math.PI * t / 4)) / 2;
        AssertClose([1, F(1), F(2), F(3), 0.1, 0.1], Rates(new CosineAnnealingLR(4, 0.1f), 6));
    }

    [Fact]
    public void CosineAnnealingWarmsUpLinearlyFirst()
    {
        double F(int t) => 0.1 + 0.9 * (1 + Math.Cos(Math.PI * t / 4)) / 2;
        AssertClose([1 / 3.0, 2 / 3.0, 1, F(1), F(2), F(3), 0.1], Rates(new CosineAnnealingLR(4, 0.1f, warmupEpochs: 2), 7));
    }

    [Fact]
    public void SchedulesRejectBadArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>("stepSize", () => new StepLR(0));
        Assert.Throws<ArgumentOutOfRangeException>("gamma", () => new ExponentialLR(0));
        Assert.Throws<ArgumentOutOfRangeException>("tMax", () => new CosineAnnealingLR(0));
        Assert.Throws<ArgumentOutOfRangeException>("warmupEpochs", () => new CosineAnnealingLR(3, warmupEpochs: -1));
        Assert.Throws<ArgumentOutOfRangeException>("epoch", () => new StepLR(2).LearningRate(-1, 1f));
        Assert.Throws<ArgumentOutOfRangeException>("factor", () => new ReduceLROnPlateau(factor: 1f));
        Assert.Throws<ArgumentOutOfRangeException>("patience", () => new ReduceLROnPlateau(patience: -1));
    }

    /// <summary>Feeds a metric sequence and returns the learning rate after each step.</summary>
    private static float[] Run(ReduceLROnPlateau plateau, float[] metrics, float rate = 1f) =>
        [.. metrics.Select(m => rate = plateau.Step(m, rate))];

    [Fact]
    public void PlateauReducesAfterPatienceAndRespectsCooldown()
    {
        // Traced by hand from torch.optim.lr_scheduler.ReduceLROnPlateau.step: a reduction happens when the number of
        // bad epochs exceeds the patience; the cooldown epoch after a reduction does not count as bad.
        var plateau = new ReduceLROnPlateau(PlateauMode.Min, factor: 0.5f, patience: 2, threshold: 0f, cooldown: 1);
        float[] metrics = [10, 9, 9, 9, 9, 8, 8, 8, 8, 8];
        AssertClose([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25], Run(plateau, metrics));
        Assert.Equal(8f, plateau.Best);
    }

    [Fact]
    public void PlateauStopsAtMinimumRate()
    {
        var plateau = new ReduceLROnPlateau(factor: 0.1f, patience: 0, minLearningRate: 0.05f);
        AssertClose([1, 0.1, 0.05, 0.05], Run(plateau, [5, 5, 5, 5]));
    }

    [Fact]
    public void PlateauRelativeThresholdIgnoresSmallImprovements()
    {
        // Relative mode: better means metric < best·(1 − 0.1); 9.5 and 9.2 are not, 8.9 is.
        var plateau = new ReduceLROnPlateau(factor: 0.5f, patience: 1, threshold: 0.1f);
        AssertClose([1, 1, 0.5, 0.5], Run(plateau, [10, 9.5f, 9.2f, 8.9f]));
        Assert.Equal(8.9f, plateau.Best);
    }

    [Fact]
    public void PlateauMaxModeWithAbsoluteThreshold()
    {
        // Max mode, absolute: better means metric > best + 0.01.
        var plateau = new ReduceLROnPlateau(PlateauMode.Max, factor: 0.5f, patience: 1, threshold: 0.01f, thresholdMode: ThresholdMode.Absolute);
        // 0.5 best; 0.6 best; 0.605 bad (1); 0.608 bad (2 > patience) → halve; 0.62 > 0.61 → new best.
        AssertClose([1, 1, 1, 0.5, 0.5], Run(plateau, [0.5f, 0.6f, 0.605f, 0.608f, 0.62f]));
        Assert.Equal(0.62f, plateau.Best);
    }
}
