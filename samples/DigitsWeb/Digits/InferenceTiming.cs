using System.Diagnostics;

namespace DigitsWeb.Digits;

/// <summary>
/// Runs a classifier and times it. A browser's clock is coarse (performance.now() is rounded to 5-100 µs), so one
/// inference is timed as the mean of as many runs as fill <see cref="MinimumMilliseconds"/> (at least
/// <see cref="MinimumRuns"/>).
/// </summary>
public static class InferenceTiming
{
    public const double MinimumMilliseconds = 2;
    public const int MinimumRuns = 3;
    public const int MaximumRuns = 1000;

    /// <summary>Writes the probabilities and returns the mean time of one inference in microseconds.</summary>
    public static double Run(IDigitClassifier classifier, ReadOnlySpan<float> pixels, Span<float> probabilities, out int runs)
    {
        long minimum = (long)(Stopwatch.Frequency * MinimumMilliseconds / 1000);
        long start = Stopwatch.GetTimestamp(), elapsed;
        runs = 0;
        do
        {
            classifier.Infer(pixels, probabilities);
            runs++;
            elapsed = Stopwatch.GetTimestamp() - start;
        }
        while ((elapsed < minimum || runs < MinimumRuns) && runs < MaximumRuns);
        return elapsed * 1e6 / Stopwatch.Frequency / runs;
    }
}
