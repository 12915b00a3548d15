namespace NetGen.Data;

/// <summary>
/// An in-memory dataset: <see cref="Count"/> samples, each <see cref="FeatureSize"/> features and
/// <see cref="TargetSize"/> targets, stored row-major in two flat arrays (the layout <see cref="INetwork"/> takes).
/// </summary>
public sealed class Dataset
{
    /// <summary>Wraps the arrays (no copy).</summary>
    /// <exception cref="ArgumentException">The sizes are not positive or the arrays do not hold the same whole number of samples.</exception>
    public Dataset(float[] features, float[] targets, int featureSize, int targetSize)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetSize);
        if (features.Length % featureSize != 0)
            throw new ArgumentException($"The feature array has {features.Length} values, which is not a multiple of the feature size {featureSize}.", nameof(features));
        if (targets.Length % targetSize != 0)
            throw new ArgumentException($"The target array has {targets.Length} values, which is not a multiple of the target size {targetSize}.", nameof(targets));
        if (features.Length / featureSize != targets.Length / targetSize)
            throw new ArgumentException($"The features hold {features.Length / featureSize} samples but the targets hold {targets.Length / targetSize}.", nameof(targets));
        Features = features;
        Targets = targets;
        FeatureSize = featureSize;
        TargetSize = targetSize;
        Count = features.Length / featureSize;
    }

    /// <summary>All features, row-major: sample i is <c>Features[i*FeatureSize .. (i+1)*FeatureSize)</c>.</summary>
    public float[] Features { get; }

    /// <summary>All targets, row-major: sample i is <c>Targets[i*TargetSize .. (i+1)*TargetSize)</c>.</summary>
    public float[] Targets { get; }

    /// <summary>The number of features per sample.</summary>
    public int FeatureSize { get; }

    /// <summary>The number of targets per sample.</summary>
    public int TargetSize { get; }

    /// <summary>The number of samples.</summary>
    public int Count { get; }

    /// <summary>The features of sample <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> FeaturesOf(int index) => Features.AsSpan(CheckIndex(index) * FeatureSize, FeatureSize);

    /// <summary>The targets of sample <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> TargetsOf(int index) => Targets.AsSpan(CheckIndex(index) * TargetSize, TargetSize);

    private int CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The dataset has {Count} samples.");
        return index;
    }
}
