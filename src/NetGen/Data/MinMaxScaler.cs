namespace NetGen.Data;

/// <summary>
/// Min-max scaling: maps each feature's training range [min, max] onto [0, 1] (<c>x' = (x − min) / (max − min)</c>).
/// Values of other sets outside the training range map outside [0, 1]; they are not clipped. A feature that is
/// constant in the training set maps to 0.
/// </summary>
public sealed class MinMaxScaler : FeatureScaler
{
    private MinMaxScaler(float[] min, float[] scale, int[] constant) : base(min, scale, constant) { }

    /// <summary>Fits the per-feature minimum and maximum on <paramref name="train"/>.</summary>
    /// <exception cref="ArgumentException">The dataset is empty.</exception>
    /// <exception cref="InvalidDataException">A value is NaN or infinite.</exception>
    public static MinMaxScaler Fit(Dataset train)
    {
        CheckTrainingSet(train);
        int n = train.FeatureSize;
        var min = train.FeaturesOf(0).ToArray();
        var max = train.FeaturesOf(0).ToArray();
        for (int s = 1; s < train.Count; s++)
        {
            ReadOnlySpan<float> x = train.FeaturesOf(s);
            for (int f = 0; f < n; f++)
            {
                min[f] = Math.Min(min[f], x[f]);
                max[f] = Math.Max(max[f], x[f]);
            }
        }
        var scale = new float[n];
        var constant = new List<int>();
        for (int f = 0; f < n; f++)
        {
            double range = (double)max[f] - min[f];
            if (range == 0) constant.Add(f);
            scale[f] = range == 0 ? 0f : (float)(1.0 / range);
        }
        return new MinMaxScaler(min, scale, [.. constant]);
    }
}
