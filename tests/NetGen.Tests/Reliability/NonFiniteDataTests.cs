using NetGen.Data;

namespace NetGen.Tests.Reliability;

/// <summary>
/// <see cref="DatasetChecks.EnsureFinite"/> directly (the scalers' use of it is covered in Data/TransformTests.cs):
/// NaN, +∞ and −∞ anywhere in the features or targets are reported with the set's name, the sample index and the
/// position within the sample, whatever the sizes.
/// </summary>
public class NonFiniteDataTests
{
    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "Infinity")]
    [InlineData(float.NegativeInfinity, "-Infinity")]
    public void EveryNonFiniteValueIsReportedWithItsSampleAndPosition(float bad, string text)
    {
        const int samples = 7, featureSize = 5, targetSize = 3;
        for (int at = 0; at < samples * featureSize; at++)
        {
            float[] features = Enumerable.Range(0, samples * featureSize).Select(i => i * 0.5f).ToArray();
            features[at] = bad;
            var e = Assert.Throws<InvalidDataException>(() => DatasetChecks.EnsureFinite(new Dataset(features, new float[samples * targetSize], featureSize, targetSize), "the test set"));
            Assert.Equal($"In the test set, sample {at / featureSize} has feature {at % featureSize} = {text}; every value must be a finite number.", e.Message);
        }
        for (int at = 0; at < samples * targetSize; at++)
        {
            float[] targets = new float[samples * targetSize];
            targets[at] = bad;
            var e = Assert.Throws<InvalidDataException>(() => DatasetChecks.EnsureFinite(new Dataset(new float[samples * featureSize], targets, featureSize, targetSize)));
            Assert.Equal($"In the dataset, sample {at / targetSize} has target {at % targetSize} = {text}; every value must be a finite number.", e.Message);
        }
    }

    [Fact]
    public void TheFirstNonFiniteValueIsTheOneReportedAndExtremeFiniteValuesPass()
    {
        float[] features = [1, 2, float.MaxValue, -float.MaxValue, float.Epsilon, 0, float.NaN, float.PositiveInfinity];
        var e = Assert.Throws<InvalidDataException>(() => DatasetChecks.EnsureFinite(new Dataset(features, new float[4], 2, 1)));
        Assert.Contains("sample 3 has feature 0 = NaN", e.Message);
        DatasetChecks.EnsureFinite(new Dataset(features[..6], [float.MaxValue, -float.MaxValue, 0], 2, 1));
    }
}
