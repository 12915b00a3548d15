namespace NetGen.Data;

/// <summary>
/// Splits a dataset into training and validation sets: at random, or stratified so that each class keeps its share
/// of samples in both parts. Both parts keep the samples in their original relative order; the choice of samples
/// depends only on the seed.
/// </summary>
public static class DatasetSplit
{
    /// <summary>
    /// Moves round(<paramref name="validationFraction"/>·Count) samples chosen at random into the validation set.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="validationFraction"/> is not in (0, 1).</exception>
    /// <exception cref="ArgumentException">One of the two parts would be empty.</exception>
    public static (Dataset Train, Dataset Validation) Random(Dataset data, float validationFraction, int seed)
    {
        CheckArguments(data, validationFraction);
        int[] order = new int[data.Count];
        SeededShuffle.Identity(order);
        SeededShuffle.Shuffle(order, SeededShuffle.Mix(seed, 0));
        int validationCount = (int)Math.Round(data.Count * (double)validationFraction, MidpointRounding.AwayFromZero);
        var inValidation = new bool[data.Count];
        foreach (int i in order.AsSpan(0, validationCount)) inValidation[i] = true;
        return Build(data, inValidation);
    }

    /// <summary>
    /// Stratified split: samples are grouped by class (the argmax of the target row, or target ≥ 0.5 for a single
    /// target) and round(<paramref name="validationFraction"/>·n) samples of each class, chosen at random, go to
    /// the validation set.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="validationFraction"/> is not in (0, 1).</exception>
    /// <exception cref="ArgumentException">One of the two parts would be empty.</exception>
    public static (Dataset Train, Dataset Validation) Stratified(Dataset data, float validationFraction, int seed)
    {
        CheckArguments(data, validationFraction);
        int classCount = Math.Max(2, data.TargetSize);
        var byClass = new List<int>[classCount];
        for (int c = 0; c < classCount; c++) byClass[c] = [];
        for (int i = 0; i < data.Count; i++) byClass[ClassOf(data.TargetsOf(i))].Add(i);

        var inValidation = new bool[data.Count];
        for (int c = 0; c < classCount; c++)
        {
            int[] members = [.. byClass[c]];
            SeededShuffle.Shuffle(members, SeededShuffle.Mix(seed, c));
            int take = (int)Math.Round(members.Length * (double)validationFraction, MidpointRounding.AwayFromZero);
            foreach (int i in members.AsSpan(0, take)) inValidation[i] = true;
        }
        return Build(data, inValidation);
    }

    /// <summary>The class of a target row: its argmax (first maximum), or for a single target 1 if it is ≥ 0.5.</summary>
    internal static int ClassOf(ReadOnlySpan<float> target)
    {
        if (target.Length == 1) return target[0] >= 0.5f ? 1 : 0;
        int best = 0;
        for (int k = 1; k < target.Length; k++)
            if (target[k] > target[best]) best = k;
        return best;
    }

    private static void CheckArguments(Dataset data, float validationFraction)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!(validationFraction > 0 && validationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "'validationFraction' must be in (0, 1).");
    }

    private static (Dataset, Dataset) Build(Dataset data, bool[] inValidation)
    {
        int validationCount = inValidation.Count(v => v);
        if (validationCount == 0 || validationCount == data.Count)
            throw new ArgumentException(
                $"Splitting {data.Count} samples this way leaves {(validationCount == 0 ? "the validation set" : "the training set")} empty; use a larger dataset or another fraction.",
                nameof(data));
        return (Subset(data, inValidation, false, data.Count - validationCount), Subset(data, inValidation, true, validationCount));
    }

    private static Dataset Subset(Dataset data, bool[] inValidation, bool wanted, int count)
    {
        int fs = data.FeatureSize, ts = data.TargetSize;
        var features = new float[count * fs];
        var targets = new float[count * ts];
        int row = 0;
        for (int i = 0; i < data.Count; i++)
        {
            if (inValidation[i] != wanted) continue;
            data.FeaturesOf(i).CopyTo(features.AsSpan(row * fs, fs));
            data.TargetsOf(i).CopyTo(targets.AsSpan(row * ts, ts));
            row++;
        }
        return new Dataset(features, targets, fs, ts);
    }
}
