using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Training;

namespace NetGen.Tests.Training;

public class TrainerDataTests
{
    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void NonFiniteTrainingDataIsReportedWithTheSampleIndex(float bad)
    {
        float[] x = [0, 0, 0, 1, 1, 0, 1, 1];
        x[5] = bad; // sample 2, feature 1
        var data = new Dataset(x, [0, 1, 1, 0], 2, 1);
        var net = new XorNet(1);
        float[] before = net.Parameters.ToArray();
        var e = Assert.Throws<InvalidDataException>(() => new Trainer(new TrainerOptions { Optimizer = new Sgd(0.1f), Epochs = 1 }).Fit(net, data));
        Assert.Contains("training set", e.Message);
        Assert.Contains("sample 2", e.Message);
        Assert.Equal(before, net.Parameters.ToArray());
    }

    [Fact]
    public void NonFiniteValidationDataIsReportedWithTheSampleIndex()
    {
        var train = new Dataset([0, 0, 0, 1, 1, 0, 1, 1], [0, 1, 1, 0], 2, 1);
        var validation = new Dataset([0, 0, 1, 1], [0, float.NaN], 2, 1);
        var e = Assert.Throws<InvalidDataException>(() =>
            new Trainer(new TrainerOptions { Optimizer = new Sgd(0.1f), Epochs = 1, Validation = validation }).Fit(new XorNet(), train));
        Assert.Contains("validation set, sample 1 has target 0", e.Message.Replace("In the validation set", "validation set"));
    }
}
