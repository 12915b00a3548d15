using NetGen.Data;

namespace NetGen.Training;

/// <summary>The result of evaluating a network on a dataset.</summary>
/// <param name="Loss">The mean loss, computed from the network outputs as described on <see cref="Trainer.Evaluate"/>.</param>
/// <param name="Accuracy">The fraction of samples whose predicted class matches the target class.</param>
/// <param name="Confusion">The confusion matrix of actual versus predicted classes.</param>
public sealed record Evaluation(float Loss, float Accuracy, ConfusionMatrix Confusion);

/// <summary>Runs a network over a dataset in chunks, with buffers reused between evaluations.</summary>
internal sealed class Evaluator
{
    private const int ChunkRows = 256;
    private float[] _outputs = [];

    public Evaluation Evaluate(IInference network, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        Trainer.CheckShapes(network, data, nameof(data));
        if (data.Count == 0)
            throw new ArgumentException("The dataset is empty; there is nothing to evaluate.", nameof(data));
        int inputs = network.InputSize, outputs = network.OutputSize;
        if (_outputs.Length < ChunkRows * outputs) _outputs = new float[ChunkRows * outputs];
        var confusion = new ConfusionMatrix(Math.Max(2, outputs));
        double lossSum = 0;
        for (int start = 0; start < data.Count; start += ChunkRows)
        {
            int rows = Math.Min(ChunkRows, data.Count - start);
            Span<float> predicted = _outputs.AsSpan(0, rows * outputs);
            network.Forward(data.Features.AsSpan(start * inputs, rows * inputs), predicted, rows);
            ReadOnlySpan<float> targets = data.Targets.AsSpan(start * outputs, rows * outputs);
            lossSum += LossSum(network.Loss, predicted, targets, outputs);
            for (int r = 0; r < rows; r++)
                confusion.Add(DatasetSplit.ClassOf(targets.Slice(r * outputs, outputs)), DatasetSplit.ClassOf(predicted.Slice(r * outputs, outputs)));
        }
        // MSE and BCE average over every output element (PyTorch reduction='mean'); cross-entropy over samples.
        double count = network.Loss == LossFunction.CrossEntropy ? data.Count : (double)data.Count * outputs;
        return new Evaluation((float)(lossSum / count), (float)confusion.Accuracy, confusion);
    }

    /// <summary>The summed (not averaged) loss of a chunk, in double precision.</summary>
    private static double LossSum(LossFunction loss, ReadOnlySpan<float> p, ReadOnlySpan<float> y, int outputs) => loss switch
    {
        LossFunction.MeanSquaredError => SquaredErrorSum(p, y),
        LossFunction.BinaryCrossEntropy => BinaryCrossEntropySum(p, y),
        LossFunction.CrossEntropy => CrossEntropySum(p, y),
        _ => throw new NotSupportedException($"Evaluation does not support the loss '{loss}' (network with {outputs} outputs)."),
    };

    private static double SquaredErrorSum(ReadOnlySpan<float> p, ReadOnlySpan<float> y)
    {
        double sum = 0;
        for (int i = 0; i < p.Length; i++)
        {
            double d = (double)p[i] - y[i];
            sum += d * d;
        }
        return sum;
    }

    /// <summary>−[y·log p + (1 − y)·log(1 − p)] with each log clamped at −100, as PyTorch's <c>BCELoss</c>.</summary>
    private static double BinaryCrossEntropySum(ReadOnlySpan<float> p, ReadOnlySpan<float> y)
    {
        double sum = 0;
        for (int i = 0; i < p.Length; i++)
            sum -= y[i] * ClampedLog(p[i]) + (1.0 - y[i]) * ClampedLog(1.0 - p[i]);
        return sum;
    }

    /// <summary>−Σ_k y_k·log p_k with the log clamped at −100 (so p = 0 costs 100 rather than ∞).</summary>
    private static double CrossEntropySum(ReadOnlySpan<float> p, ReadOnlySpan<float> y)
    {
        double sum = 0;
        for (int i = 0; i < p.Length; i++)
            if (y[i] != 0) sum -= y[i] * ClampedLog(p[i]);
        return sum;
    }

    private static double ClampedLog(double x) => Math.Max(Math.Log(x), -100.0);
}
