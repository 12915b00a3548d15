using NetGen.Data;

namespace NetGen.Samples;

/// <summary>
/// One mean and one standard deviation for every pixel, as torchvision's <c>Normalize((0.1307,), (0.3081,))</c> in the
/// usual PyTorch MNIST recipe, but measured on the training split so Fashion-MNIST gets its own. Training on
/// x' = (x − mean) / std centres the inputs, which Adam converges on faster and, over eight seeds, generalizes better
/// (see README.md). After training the normalization is folded into the first layer, so the saved model takes raw
/// [0, 1] pixels, exactly what <see cref="Mnist.Load"/> returns.
/// </summary>
internal readonly record struct PixelNormalization(float Mean, float StandardDeviation)
{
    /// <summary>Measures the mean and population standard deviation of all pixels of <paramref name="train"/>, in double.</summary>
    public static PixelNormalization Fit(Dataset train)
    {
        double sum = 0, squares = 0;
        foreach (float x in train.Features) sum += x;
        double mean = sum / train.Features.Length;
        foreach (float x in train.Features) squares += (x - mean) * (x - mean);
        double std = Math.Sqrt(squares / train.Features.Length);
        if (!(std > 0)) throw new InvalidDataException("Every training pixel has the same value; there is nothing to learn from.");
        return new PixelNormalization((float)mean, (float)std);
    }

    /// <summary>A normalized copy of <paramref name="data"/> (the targets are shared, not copied).</summary>
    public Dataset Apply(Dataset data)
    {
        var features = new float[data.Features.Length];
        float mean = Mean, scale = 1f / StandardDeviation;
        for (int i = 0; i < features.Length; i++) features[i] = (data.Features[i] - mean) * scale;
        return new Dataset(features, data.Targets, data.FeatureSize, data.TargetSize);
    }

    /// <summary>
    /// Rewrites the first dense layer of <paramref name="network"/> so that it gives on raw pixels x what it gave on
    /// normalized ones: W·(x − m)/s + b = (W/s)·x + (b − (m/s)·Σ_i W[j, i]). Uses the public parameter layout of
    /// <see cref="INetwork"/>: the first layer's [units × inputs] weights, then its [units] biases.
    /// </summary>
    public void FoldInto(INetwork network, int firstLayerUnits)
    {
        int inputs = network.InputSize;
        Span<float> weights = network.Parameters[..(firstLayerUnits * inputs)];
        Span<float> biases = network.Parameters.Slice(firstLayerUnits * inputs, firstLayerUnits);
        double scale = 1.0 / StandardDeviation;
        for (int j = 0; j < firstLayerUnits; j++)
        {
            Span<float> row = weights.Slice(j * inputs, inputs);
            double rowSum = 0;
            for (int i = 0; i < inputs; i++)
            {
                rowSum += row[i];
                row[i] = (float)(row[i] * scale);
            }
            biases[j] = (float)(biases[j] - Mean * scale * rowSum);
        }
    }
}
