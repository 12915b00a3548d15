using NetGen.Data;

namespace NetGen.Tests.Data;

public class TransformTests
{
    // Three samples, three features: feature 0 varies, feature 1 is constant (0.1), feature 2 has a large offset.
    private static Dataset Train() => new(
        [1f, 0.1f, 1000f,
         2f, 0.1f, 1002f,
         4f, 0.1f, 1004f],
        [0f, 1f, 1f], featureSize: 3, targetSize: 1);

    [Fact]
    public void MinMaxScalerMapsTheTrainingRangeOntoZeroOne()
    {
        Dataset train = Train();
        MinMaxScaler scaler = MinMaxScaler.Fit(train);
        Dataset scaled = scaler.Transform(train);
        Assert.Equal(new[] { 0f, 0f, 0f, 1 / 3f, 0f, 0.5f, 1f, 0f, 1f }, scaled.Features);
        Assert.Same(train.Targets, scaled.Targets);
        Assert.Equal(new[] { 1f, 0.1f, 1000f }, train.FeaturesOf(0).ToArray()); // input untouched
        Assert.Equal([1], scaler.ConstantFeatures);

        // Another set uses the training statistics, including values outside the training range (not clipped).
        Dataset test = new([7f, 5f, 1001f], [1f], 3, 1);
        Assert.Equal(new[] { 2f, 0f, 0.25f }, scaler.Transform(test).Features);
    }

    [Fact]
    public void StandardizerGivesZeroMeanUnitVarianceAndNoNaNOnConstantFeatures()
    {
        Dataset train = Train();
        Standardizer standardizer = Standardizer.Fit(train);
        Dataset scaled = standardizer.Transform(train);
        Assert.Equal([1], standardizer.ConstantFeatures);
        Assert.All(scaled.Features, v => Assert.True(float.IsFinite(v)));

        for (int f = 0; f < 3; f++)
        {
            double[] column = Enumerable.Range(0, 3).Select(s => (double)scaled.FeaturesOf(s)[f]).ToArray();
            double mean = column.Average();
            double variance = column.Select(v => (v - mean) * (v - mean)).Average();
            Assert.Equal(0, mean, 1e-6);
            Assert.Equal(f == 1 ? 0 : 1, variance, 1e-5);
        }
        // Feature 0: mean 7/3, population std sqrt(14/9).
        Assert.Equal((1 - 7 / 3.0) / Math.Sqrt(14 / 9.0), scaled.Features[0], 1e-6);
        Assert.Equal(0f, scaled.Features[1]);

        float[] sample = [4f, 3f, 1004f];
        standardizer.Apply(sample);
        Assert.Equal(scaled.FeaturesOf(2)[0], sample[0]);
        Assert.Equal(0f, sample[1]); // constant feature maps to 0 whatever the value
    }

    [Fact]
    public void NonFiniteValuesAreReportedWithTheSampleIndex()
    {
        Dataset bad = new([1f, 2f, 3f, float.NaN, 5f, 6f], [0f, 1f, 0f], 2, 1);
        var e = Assert.Throws<InvalidDataException>(() => Standardizer.Fit(bad));
        Assert.Equal("In the training set, sample 1 has feature 1 = NaN; every value must be a finite number.", e.Message);
        Assert.Contains("sample 1 has feature 1", Assert.Throws<InvalidDataException>(() => MinMaxScaler.Fit(bad)).Message);

        MinMaxScaler scaler = MinMaxScaler.Fit(new Dataset([1f, 2f, 3f, 4f], [0f, 1f], 2, 1));
        Dataset infinite = new([1f, 2f, 3f, 4f, 5f, 6f], [0f, float.PositiveInfinity, 0f], 2, 1);
        Assert.Contains("sample 1 has target 0 = Infinity", Assert.Throws<InvalidDataException>(() => scaler.Transform(infinite)).Message);
    }

    [Fact]
    public void ScalersRefuseOtherFeatureSizesAndEmptySets()
    {
        MinMaxScaler scaler = MinMaxScaler.Fit(Train());
        Assert.Throws<ArgumentException>(() => scaler.Transform(new Dataset([1f, 2f], [0f], 2, 1)));
        Assert.Throws<ArgumentException>(() => scaler.Apply(new float[4]));
        Assert.Throws<ArgumentException>(() => Standardizer.Fit(new Dataset([], [], 2, 1)));
    }

    [Fact]
    public void OneHotEncodesAndDecodes()
    {
        float[] targets = OneHot.Encode([2, 0, 1], 3);
        Assert.Equal(new[] { 0f, 0f, 1f, 1f, 0f, 0f, 0f, 1f, 0f }, targets);
        Assert.Equal([2, 0, 1], OneHot.Labels(new Dataset(new float[3], targets, 1, 3)));
        Assert.Equal(OneHot.Encode(new byte[] { 2, 0, 1 }, 3), targets);
        Assert.Throws<ArgumentOutOfRangeException>(() => OneHot.Encode([3], 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => OneHot.Encode([-1], 3));

        Assert.Equal(1, OneHot.ClassOf([0.2f, 0.5f, 0.3f]));
        Assert.Equal(0, OneHot.ClassOf([0.5f, 0.5f]));   // first on ties
        Assert.Equal(1, OneHot.ClassOf([0.5f]));         // single output: threshold 0.5, as INetwork.Predict
        Assert.Equal(0, OneHot.ClassOf([0.49f]));
    }
}
