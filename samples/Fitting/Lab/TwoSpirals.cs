using NetGen.Data;

namespace NetGen.Samples.Fitting;

/// <summary>
/// The lab's two-dimensional problem: two interleaved spirals, one per class, with Gaussian jitter on the points and a
/// share of the labels flipped at random. The flipped labels are noise no classifier can predict, so the best possible
/// test error is about <see cref="LabelNoise"/>; a network that learns them by heart has overfit.
/// </summary>
/// <param name="Turns">How many times each arm winds around the centre.</param>
/// <param name="Jitter">The standard deviation of the Gaussian noise added to each coordinate.</param>
/// <param name="LabelNoise">The share of the samples whose label is flipped, in [0, 1).</param>
internal sealed record TwoSpirals(float Turns, float Jitter, float LabelNoise)
{
    /// <summary>
    /// <paramref name="count"/> samples (an even number): features (x, y) in about [−1, 1]², one target (0 or 1),
    /// classes alternating. Each arm's points are spread evenly along it (one at a random place in each of
    /// count / 2 equal stretches) and exactly round(<see cref="LabelNoise"/> · count) labels, chosen at random, are
    /// flipped, so a small set has the noise it is meant to have rather than whatever a coin gave it. The same seed
    /// and stream give the same samples; different streams give independent ones.
    /// </summary>
    public Dataset Sample(int count, int seed, int stream)
    {
        if (count <= 0 || count % 2 != 0)
            throw new ArgumentOutOfRangeException(nameof(count), count, "The sample count must be a positive even number (two classes of equal size).");
        var rng = new Rng(((ulong)(uint)seed << 32) | (uint)stream);
        var features = new float[count * 2];
        var targets = new float[count];
        int perArm = count / 2;
        for (int i = 0; i < count; i++)
        {
            int label = i & 1;
            // The radius grows along the arm; the second arm is the first turned by half a circle.
            float t = ((i >> 1) + rng.NextSingle()) / perArm;
            float radius = 0.1f + 0.9f * t;
            float angle = 2 * MathF.PI * Turns * t + label * MathF.PI;
            features[2 * i] = radius * MathF.Cos(angle) + Jitter * Gaussian(ref rng);
            features[2 * i + 1] = radius * MathF.Sin(angle) + Jitter * Gaussian(ref rng);
            targets[i] = label;
        }
        // Flip the labels of the first round(noise · count) samples of a random permutation (partial Fisher-Yates).
        int[] order = [.. Enumerable.Range(0, count)];
        int flips = (int)MathF.Round(LabelNoise * count);
        for (int k = 0; k < flips; k++)
        {
            int pick = k + rng.NextInt32(count - k);
            (order[k], order[pick]) = (order[pick], order[k]);
            targets[order[k]] = 1 - targets[order[k]];
        }
        return new Dataset(features, targets, featureSize: 2, targetSize: 1);
    }

    /// <summary>A standard normal value (Box-Muller).</summary>
    private static float Gaussian(ref Rng rng)
    {
        double u = 1.0 - rng.NextDouble(); // in (0, 1]: the log is finite
        double v = rng.NextDouble();
        return (float)(Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v));
    }
}
