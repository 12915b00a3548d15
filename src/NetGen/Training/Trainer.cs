using System.Diagnostics;
using System.Numerics.Tensors;
using NetGen.Data;

namespace NetGen.Training;

/// <summary>
/// Fits any <see cref="INetwork"/> with mini-batch gradient descent. One epoch is: set the learning rate, then for each
/// batch compute the gradient, add the L1 term, clip, and step the optimizer; then evaluate, report, and let the
/// plateau schedule, early stopping and callbacks decide what happens next.
/// </summary>
/// <remarks>
/// Training is deterministic: the same network parameters, data, options and seed give bit-identical parameters.
/// It allocates nothing per batch. If the loss, the gradient or the updated parameters stop being finite, the
/// parameters of the last good step are restored and <see cref="TrainingDivergedException"/> is thrown.
/// </remarks>
public sealed class Trainer
{
    private readonly Evaluator _evaluator = new();

    /// <summary>Creates a trainer.</summary>
    public Trainer(TrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
    }

    /// <summary>The training settings.</summary>
    public TrainerOptions Options { get; }

    /// <summary>Trains <paramref name="network"/> on <paramref name="train"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid or a dataset does not fit the network.</exception>
    /// <exception cref="OperationCanceledException">Cancellation was requested; the network keeps the parameters of the last completed step.</exception>
    /// <exception cref="TrainingDivergedException">The loss, gradient or parameters became NaN or infinite.</exception>
    /// <exception cref="InvalidDataException">A feature or target is NaN or infinite; the message names the sample.</exception>
    public TrainingHistory Fit(INetwork network, Dataset train, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(train);
        TrainerOptions o = Options;
        o.Validate();
        CheckShapes(network, train, nameof(train));
        if (train.Count == 0) throw new ArgumentException("The training set is empty.", nameof(train));
        if (o.Validation is not null) CheckShapes(network, o.Validation, "options");
        // A NaN or infinity in the data would surface as a diverged loss many batches later; name the sample now.
        DatasetChecks.EnsureFinite(train, "the training set");
        if (o.Validation is not null) DatasetChecks.EnsureFinite(o.Validation, "the validation set");

        if (o.InitializeParameters) network.Initialize(o.Seed);
        if (network.TrainingThreads != o.Threads) network.TrainingThreads = o.Threads;
        if (o.Optimizer is Optimizers.IThreadedOptimizer threaded && threaded.Threads != o.Threads) threaded.Threads = o.Threads;
        o.EarlyStopping?.Reset();
        o.Plateau?.Reset();
        var batches = new BatchIterator(train, o.BatchSize, o.Shuffle, o.Seed, o.DropLast);
        var lastGood = new float[network.ParameterCount];
        float baseRate = o.Optimizer.LearningRate;
        var history = new TrainingHistory();

        for (int epoch = 0; epoch < o.Epochs; epoch++)
        {
            long started = Stopwatch.GetTimestamp();
            if (o.Schedule is not null) o.Optimizer.LearningRate = o.Schedule.LearningRate(epoch, baseRate);
            float rate = o.Optimizer.LearningRate;
            foreach (ITrainingCallback callback in o.Callbacks) callback.OnEpochStart(epoch);

            double lossSum = 0;
            int samples = 0;
            foreach (Batch batch in batches.Epoch(epoch))
            {
                cancellationToken.ThrowIfCancellationRequested();
                float loss = network.ComputeGradients(batch.Features.Span, batch.Targets.Span, batch.Size);
                Span<float> gradients = network.Gradients;
                if (!float.IsFinite(loss))
                    throw new TrainingDivergedException(epoch, batch.Index, $"the loss is {loss}");
                if (!float.IsFinite(TensorPrimitives.MaxMagnitude(gradients)))
                    throw new TrainingDivergedException(epoch, batch.Index, "the gradient contains NaN or infinite values");

                if (o.L1 > 0) Regularization.L1(network.Parameters, gradients, o.L1);
                float norm = o.MaxGradientNorm is float max ? Regularization.ClipGradNorm(gradients, max) : float.NaN;

                network.Parameters.CopyTo(lastGood);
                o.Optimizer.Step(network.Parameters, gradients);
                if (!float.IsFinite(TensorPrimitives.MaxMagnitude(network.Parameters)))
                {
                    lastGood.CopyTo(network.Parameters);
                    throw new TrainingDivergedException(epoch, batch.Index, "the optimizer step produced NaN or infinite parameters");
                }

                lossSum += (double)loss * batch.Size;
                samples += batch.Size;
                var report = new BatchReport(epoch, batch.Index, batches.BatchCount, loss, norm, rate);
                o.BatchProgress?.Report(report);
                for (int c = 0; c < o.Callbacks.Count; c++) o.Callbacks[c].OnBatchEnd(report); // for, not foreach: no enumerator per batch
            }

            Evaluation trainEval = _evaluator.Evaluate(network, train);
            Evaluation? validation = o.Validation is null ? null : _evaluator.Evaluate(network, o.Validation);
            var epochReport = new EpochReport(epoch, (float)(lossSum / samples), trainEval.Accuracy,
                validation?.Loss, validation?.Accuracy, rate, Stopwatch.GetElapsedTime(started));
            history.Add(epochReport);
            o.EpochProgress?.Report(epochReport);

            if (o.Plateau is not null)
                o.Optimizer.LearningRate = o.Plateau.Step(epochReport.Get(o.PlateauMetric), o.Optimizer.LearningRate);
            bool keepGoing = true;
            foreach (ITrainingCallback callback in o.Callbacks) keepGoing &= callback.OnEpochEnd(epochReport);
            bool stop = o.EarlyStopping is { } stopping && stopping.Update(epoch, epochReport.Get(stopping.Monitor), network.Parameters);
            if (epoch == o.Epochs - 1) break; // every requested epoch ran: Completed, whatever a stop rule says now
            if (stop)
                history.StopReason = StopReason.EarlyStopping;
            else if (!keepGoing)
                history.StopReason = StopReason.Callback;
            if (history.StopReason != StopReason.Completed) break;
        }

        if (o.EarlyStopping is { } es && es.TryRestore(network.Parameters))
            history.RestoredEpoch = es.BestEpoch;
        return history;
    }

    /// <summary>
    /// Evaluates <paramref name="network"/> on <paramref name="data"/>. The loss is computed from the outputs:
    /// mean squared error over every output element; binary cross-entropy on the probabilities, each log clamped at
    /// −100 as PyTorch's <c>BCELoss</c>, averaged over every output element; cross-entropy −Σ y·log p with the log
    /// clamped at −100, averaged over samples. Accuracy compares argmax classes (threshold 0.5 for a single output).
    /// </summary>
    /// <exception cref="ArgumentException">The dataset does not fit the network or is empty.</exception>
    public static Evaluation Evaluate(IInference network, Dataset data) => new Evaluator().Evaluate(network, data);

    internal static void CheckShapes(IInference network, Dataset data, string parameterName)
    {
        if (data.FeatureSize != network.InputSize || data.TargetSize != network.OutputSize)
            throw new ArgumentException(
                $"The dataset has {data.FeatureSize} features and {data.TargetSize} targets per sample, but the network takes {network.InputSize} inputs and produces {network.OutputSize} outputs.",
                parameterName);
    }
}
