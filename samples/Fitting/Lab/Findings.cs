namespace NetGen.Samples.Fitting;

/// <summary>
/// What the spiral experiments show, read off their numbers: where test error bottoms out in the capacity sweep, how
/// far it rises and falls around that point, whether training error keeps falling, and which cures get the
/// overfitting network back near the best capacity. The sample prints these; the test asserts them.
/// </summary>
/// <param name="Best">The ladder index with the lowest test error.</param>
/// <param name="FallToBest">Test error of the smallest network minus the best (underfitting's cost).</param>
/// <param name="RiseAfterBest">Test error of the largest network minus the best (overfitting's cost).</param>
/// <param name="LargestTrainingRise">The largest increase of training error from one network to the next bigger one (≤ 0 when it never rises).</param>
/// <param name="TrainingFallAfterBest">Training error at the best network minus at the largest: how much further it falls while test error rises.</param>
/// <param name="CureGaps">For each cure (not the untreated network), its test error minus the best capacity's.</param>
internal sealed record Findings(int Best, double FallToBest, double RiseAfterBest, double LargestTrainingRise,
    double TrainingFallAfterBest, IReadOnlyList<(string Cure, double Gap)> CureGaps)
{
    /// <summary>The largest gap to the best capacity's test error that counts as a cure (2 points).</summary>
    public const double CureTolerance = 0.02;

    /// <summary>The cures whose test error is within <see cref="CureTolerance"/> of the best capacity's.</summary>
    public IEnumerable<string> Cured => CureGaps.Where(c => c.Gap <= CureTolerance).Select(c => c.Cure);

    public static Findings Of(SpiralLabResult result)
    {
        IReadOnlyList<SpiralFit> c = result.Capacity;
        int best = 0;
        for (int i = 1; i < c.Count; i++)
            if (c[i].TestError < c[best].TestError) best = i;
        double largestTrainingRise = double.NegativeInfinity;
        for (int i = 1; i < c.Count; i++)
            largestTrainingRise = Math.Max(largestTrainingRise, c[i].TrainError - c[i - 1].TrainError);
        var gaps = result.Cures.Where(f => f.Setting != SpiralLab.NoCure)
            .Select(f => (f.Setting, f.TestError - c[best].TestError)).ToList();
        return new Findings(best, c[0].TestError - c[best].TestError, c[^1].TestError - c[best].TestError,
            largestTrainingRise, c[best].TrainError - c[^1].TrainError, gaps);
    }
}
