using NetGen.Data;
using NetGen.Training;

namespace NetGen.Tests.Training;

public class EvaluationTests
{
    /// <summary>A model without hidden layer, whose parameters are set by hand.</summary>
    private static TestMlp Linear(int inputs, int outputs, Activation output, params float[] parameters)
    {
        var network = new TestMlp(inputs, 0, outputs, output);
        parameters.CopyTo(network.Parameters);
        return network;
    }

    [Fact]
    public void MeanSquaredErrorAveragesOverElements()
    {
        // y = 2x + 1 on x = 0, 1, 2 against targets 1, 4, 4: errors 0, −1, 1.
        var network = Linear(1, 1, Activation.Identity, 2f, 1f);
        Evaluation result = Trainer.Evaluate(network, new Dataset([0, 1, 2], [1, 4, 4], 1, 1));
        Assert.Equal(2f / 3f, result.Loss, 1e-6f);
    }

    [Fact]
    public void BinaryCrossEntropyClampsTheLogAtMinus100()
    {
        // w = 0, b = 0 gives p = 0.5 (loss ln 2); b = 200 gives p = 1 exactly, so a 0 target costs −log(0) → 100.
        var half = Linear(1, 1, Activation.Sigmoid, 0f, 0f);
        Assert.Equal(MathF.Log(2), Trainer.Evaluate(half, new Dataset([3, -1], [1, 0], 1, 1)).Loss, 1e-6f);
        var saturated = Linear(1, 1, Activation.Sigmoid, 0f, 200f);
        Evaluation result = Trainer.Evaluate(saturated, new Dataset([0, 0], [0, 1], 1, 1));
        Assert.Equal(50f, result.Loss, 1e-4f);
        Assert.Equal(0.5f, result.Accuracy);
    }

    [Fact]
    public void CrossEntropySumsOverClassesAndAveragesOverSamples()
    {
        // W = 0, b = (0, ln 3): p = (0.25, 0.75) for every sample.
        var network = Linear(1, 2, Activation.Softmax, 0f, 0f, 0f, MathF.Log(3));
        Evaluation result = Trainer.Evaluate(network, new Dataset([1, 2, 3], [1, 0, 0, 1, 0, 1], 1, 2));
        Assert.Equal((-Math.Log(0.25) - 2 * Math.Log(0.75)) / 3, result.Loss, 1e-6);
        Assert.Equal(2f / 3f, result.Accuracy, 1e-6f);
        Assert.Equal((0L, 1L, 0L, 2L), (result.Confusion[0, 0], result.Confusion[0, 1], result.Confusion[1, 0], result.Confusion[1, 1]));
    }

    [Fact]
    public void ConfusionMatrixCountsAndPrints()
    {
        var matrix = new ConfusionMatrix(3);
        (int, int)[] pairs = [(0, 0), (0, 0), (0, 1), (1, 1), (2, 2), (2, 0)];
        foreach (var (a, p) in pairs) matrix.Add(a, p);
        Assert.Equal((6L, 4L), (matrix.Total, matrix.Correct));
        Assert.Equal(4.0 / 6, matrix.Accuracy, 1e-12);
        Assert.Equal(2.0 / 3, matrix.Precision(0), 1e-12);
        Assert.Equal(2.0 / 3, matrix.Recall(0), 1e-12);
        string[] lines = matrix.ToString().Split('\n', StringSplitOptions.TrimEntries);
        Assert.Equal(["actual", "\\", "predicted", "0", "1", "2"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["0", "2", "1", "0"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["2", "1", "0", "1"], lines[3].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("accuracy 66.67 % (4/6)", lines[4]);
        Assert.Throws<ArgumentOutOfRangeException>("predicted", () => matrix.Add(0, 3));
    }

    [Fact]
    public void EvaluateRejectsMismatchedOrEmptyData()
    {
        var network = Linear(1, 1, Activation.Sigmoid, 0f, 0f);
        Assert.Throws<ArgumentException>("data", () => Trainer.Evaluate(network, new Dataset([1, 2], [1], 2, 1)));
        Assert.Throws<ArgumentException>("data", () => Trainer.Evaluate(network, new Dataset([], [], 1, 1)));
    }
}
