namespace NetGen.Data;

/// <summary>Sanity checks on a <see cref="Dataset"/>'s values.</summary>
public static class DatasetChecks
{
    /// <summary>Throws if any feature or target is NaN or infinite, naming the first such sample and position.</summary>
    /// <param name="dataset">The dataset to check.</param>
    /// <param name="name">How the dataset is called in the message, for example "the training set".</param>
    /// <exception cref="InvalidDataException">A value is NaN or infinite.</exception>
    public static void EnsureFinite(Dataset dataset, string name = "the dataset")
    {
        ArgumentNullException.ThrowIfNull(dataset);
        Check(dataset.Features, dataset.FeatureSize, "feature", name);
        Check(dataset.Targets, dataset.TargetSize, "target", name);
    }

    private static void Check(float[] values, int size, string kind, string name)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new InvalidDataException($"In {name}, sample {i / size} has {kind} {i % size} = {values[i].ToString(System.Globalization.CultureInfo.InvariantCulture)}; every value must be a finite number.");
    }
}
