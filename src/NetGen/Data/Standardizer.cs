namespace NetGen.Data;

/// <summary>
/// Standardization: <c>x' = (x − mean) / std</c> with the per-feature mean and population standard deviation of the
/// training set, accumulated in double. A feature that is constant in the training set maps to 0.
/// </summary>
public sealed class Standardizer : FeatureScaler
{
    private Standardizer(float[] mean, float[] scale, int[] constant) : base(mean, scale, constant) { }

    /// <summary>Fits the per-feature mean and standard deviation on <paramref name="train"/>.</summary>
    /// <exception cref="ArgumentException">The dataset is empty.</exception>
    /// <exception cref="InvalidDataException">A value is NaN or infinite.</exception>
    public static Standardizer Fit(Dataset train)
    {
        CheckTrainingSet(train);
        int n = train.FeatureSize;
        var sum = new double[n];
        var varies = new bool[n];
        ReadOnlySpan<float> first = train.FeaturesOf(0);
        for (int s = 0; s < train.Count; s++)
        {
            ReadOnlySpan<float> x = train.FeaturesOf(s);
            for (int f = 0; f < n; f++)
            {
                sum[f] += x[f];
                varies[f] |= x[f] != first[f];
            }
        }
        var mean = new double[n];
        for (int f = 0; f < n; f++) mean[f] = sum[f] / train.Count;

        // Second pass over the deviations: exact for constant features and stable for large offsets.
        var squares = new double[n];
        for (int s = 0; s < train.Count; s++)
        {
            ReadOnlySpan<float> x = train.FeaturesOf(s);
            for (int f = 0; f < n; f++)
            {
                double d = x[f] - mean[f];
                squares[f] += d * d;
            }
        }
        var scale = new float[n];
        var constant = new List<int>();
        for (int f = 0; f < n; f++)
        {
            // Constant is decided on the values themselves: the rounding of the mean must not turn 0 into a tiny std.
            float scaled = varies[f] ? (float)(1.0 / Math.Sqrt(squares[f] / train.Count)) : 0f;
            if (!float.IsFinite(scaled)) scaled = 0f;
            if (scaled == 0f) constant.Add(f);
            scale[f] = scaled;
        }
        // A constant feature is centred on its own value, so it maps to exactly 0 in the training set.
        var offset = new float[n];
        for (int f = 0; f < n; f++) offset[f] = varies[f] ? (float)mean[f] : first[f];
        return new Standardizer(offset, scale, [.. constant]);
    }
}
