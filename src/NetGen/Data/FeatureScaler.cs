namespace NetGen.Data;

/// <summary>
/// A per-feature affine transform <c>x' = (x − Offset[f]) · Scale[f]</c>, fitted on a training set and then applied
/// unchanged to the training, validation and test sets (and to single samples at inference time), so that no
/// statistic of held-out data leaks into training.
/// </summary>
public abstract class FeatureScaler
{
    private readonly float[] _offset;
    private readonly float[] _scale;

    /// <summary>Takes ownership of the arrays, which must have one value per feature.</summary>
    private protected FeatureScaler(float[] offset, float[] scale, int[] constantFeatures)
    {
        _offset = offset;
        _scale = scale;
        ConstantFeatures = constantFeatures;
    }

    /// <summary>The number of features the scaler was fitted on.</summary>
    public int FeatureSize => _offset.Length;

    /// <summary>The value subtracted from each feature.</summary>
    public ReadOnlySpan<float> Offset => _offset;

    /// <summary>The factor each centred feature is multiplied by.</summary>
    public ReadOnlySpan<float> Scale => _scale;

    /// <summary>The features that had a single value in the training set; they map to 0 (no division by zero, no NaN).</summary>
    public IReadOnlyList<int> ConstantFeatures { get; }

    /// <summary>Returns a new dataset with transformed features and the same targets array (not copied).</summary>
    /// <exception cref="ArgumentException">The dataset has another feature size.</exception>
    /// <exception cref="InvalidDataException">A feature or target is NaN or infinite.</exception>
    public Dataset Transform(Dataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        CheckSize(dataset.FeatureSize, nameof(dataset));
        DatasetChecks.EnsureFinite(dataset);
        var features = (float[])dataset.Features.Clone();
        for (int s = 0; s < dataset.Count; s++)
            Apply(features.AsSpan(s * FeatureSize, FeatureSize));
        return new Dataset(features, dataset.Targets, dataset.FeatureSize, dataset.TargetSize);
    }

    /// <summary>Transforms the features of one sample in place.</summary>
    /// <exception cref="ArgumentException">The span does not have <see cref="FeatureSize"/> elements.</exception>
    public void Apply(Span<float> features)
    {
        CheckSize(features.Length, nameof(features));
        for (int f = 0; f < features.Length; f++)
            features[f] = (features[f] - _offset[f]) * _scale[f];
    }

    /// <summary>Checks the training set and returns it, for the fitting constructors.</summary>
    private protected static Dataset CheckTrainingSet(Dataset train)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.Count == 0) throw new ArgumentException("Cannot fit on an empty dataset.", nameof(train));
        DatasetChecks.EnsureFinite(train, "the training set");
        return train;
    }

    private void CheckSize(int size, string parameter)
    {
        if (size != FeatureSize)
            throw new ArgumentException($"The scaler was fitted on {FeatureSize} features but was given {size}.", parameter);
    }
}
