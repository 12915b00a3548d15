using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Schedules;
using NetGen.Training;

namespace NetGen.Tests.Training;

public class TrainerTests
{
    /// <summary>Records a copy of the parameters after every step and every epoch.</summary>
    private sealed class Recorder(INetwork network, Action<BatchReport>? onBatch = null) : ITrainingCallback
    {
        public List<float[]> AfterBatch { get; } = [];
        public List<float[]> AfterEpoch { get; } = [];
        public void OnBatchEnd(in BatchReport report) { AfterBatch.Add(network.Parameters.ToArray()); onBatch?.Invoke(report); }
        public bool OnEpochEnd(EpochReport report) { AfterEpoch.Add(network.Parameters.ToArray()); return true; }
    }

    public static TheoryData<string> Optimizers => ["sgd", "adagrad", "rmsprop", "adam", "adamw"];

    [Theory, MemberData(nameof(Optimizers))]
    public void XorTrainsWithEveryOptimizer(string kind)
    {
        IOptimizer optimizer = kind switch
        {
            "sgd" => new Sgd(0.5f, momentum: 0.9f),
            "adagrad" => new Adagrad(0.3f),
            "rmsprop" => new RmsProp(0.02f),
            "adam" => new Adam(0.05f),
            _ => new AdamW(0.05f),
        };
        var network = new XorNet();
        var options = new TrainerOptions { Optimizer = optimizer, Epochs = 400, BatchSize = 4, Seed = 1, InitializeParameters = true };
        TrainingHistory history = new Trainer(options).Fit(network, TestData.Xor());
        Evaluation result = Trainer.Evaluate(network, TestData.Xor());
        Assert.Equal(1f, result.Accuracy);
        Assert.True(result.Loss < 0.1f, $"{kind}: final loss {result.Loss}");
        Assert.True(history.TrainLoss[^1] < history.TrainLoss[0] / 5, $"{kind}: loss went from {history.TrainLoss[0]} to {history.TrainLoss[^1]}");
    }

    [Fact]
    public void TwoMoonsNeedsTheHiddenLayer()
    {
        Dataset data = TestData.TwoMoons(400, seed: 3);
        var (train, test) = DatasetSplit.Stratified(data, 0.25f, seed: 3);
        float Accuracy(bool hidden)
        {
            INetwork network = hidden ? new MoonsMlp() : new MoonsLinear();
            var options = new TrainerOptions { Optimizer = new Adam(0.02f), Epochs = 150, BatchSize = 16, Seed = 4, InitializeParameters = true };
            new Trainer(options).Fit(network, train);
            return Trainer.Evaluate(network, test).Accuracy;
        }
        float mlp = Accuracy(hidden: true), linear = Accuracy(hidden: false);
        Assert.True(mlp > 0.95f, $"MLP accuracy {mlp}");
        Assert.True(linear < 0.92f, $"logistic-regression accuracy {linear}");
    }

    [Fact]
    public void SameSeedGivesBitIdenticalWeights()
    {
        Dataset data = TestData.TwoMoons(200, seed: 1, oneHot: true);
        float[] Run(int seed)
        {
            var network = new TestMlp(2, 8, 2, Activation.Softmax);
            var options = new TrainerOptions
            {
                Optimizer = new RmsProp(0.01f, momentum: 0.5f), Epochs = 5, BatchSize = 16, Seed = seed,
                InitializeParameters = true, L1 = 1e-4f, MaxGradientNorm = 1f, Schedule = new CosineAnnealingLR(5, warmupEpochs: 1),
            };
            new Trainer(options).Fit(network, data);
            return network.Parameters.ToArray();
        }
        float[] first = Run(11);
        Assert.Equal(first, Run(11));
        Assert.NotEqual(first, Run(12));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void NonFiniteLossOrGradientStopsWithLastGoodParameters(bool corruptGradient)
    {
        var network = new TestMlp(2, 4, 1, Activation.Sigmoid);
        var faulty = new FaultyNetwork(network, faultyCall: 7, corruptGradient);
        var recorder = new Recorder(network);
        var options = new TrainerOptions { Optimizer = new Adam(0.01f), Epochs = 10, BatchSize = 2, Seed = 2, InitializeParameters = true, Callbacks = [recorder] };
        var e = Assert.Throws<TrainingDivergedException>(() => new Trainer(options).Fit(faulty, TestData.Xor()));
        // Two batches per epoch: call 7 is epoch 3, batch 1.
        Assert.Equal((3, 1), (e.Epoch, e.Batch));
        Assert.Contains("epoch 3, batch 1", e.Message);
        Assert.Contains(corruptGradient ? "gradient" : "loss", e.Message);
        Assert.Equal(7, recorder.AfterBatch.Count);
        Assert.Equal(recorder.AfterBatch[^1], network.Parameters.ToArray());
    }

    /// <summary>An optimizer that steps like SGD but writes NaN into the parameters on one chosen call.</summary>
    private sealed class ExplodingOptimizer(int explodeOn) : IOptimizer
    {
        private readonly Sgd _sgd = new(0.1f);
        private int _calls;
        public float LearningRate { get => _sgd.LearningRate; set => _sgd.LearningRate = value; }
        public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
        {
            _sgd.Step(parameters, gradients);
            if (_calls++ == explodeOn) parameters[0] = float.NaN;
        }
        public void Reset() => _sgd.Reset();
        public void WriteState(BinaryWriter writer) => _sgd.WriteState(writer);
        public void ReadState(BinaryReader reader) => _sgd.ReadState(reader);
    }

    [Fact]
    public void NonFiniteParametersAfterStepAreRolledBack()
    {
        var network = new TestMlp(2, 4, 1, Activation.Sigmoid);
        var recorder = new Recorder(network);
        var options = new TrainerOptions { Optimizer = new ExplodingOptimizer(explodeOn: 4), Epochs = 10, BatchSize = 4, Seed = 2, InitializeParameters = true, Callbacks = [recorder] };
        var e = Assert.Throws<TrainingDivergedException>(() => new Trainer(options).Fit(network, TestData.Xor()));
        Assert.Equal((4, 0), (e.Epoch, e.Batch));
        Assert.Equal(recorder.AfterBatch[^1], network.Parameters.ToArray());
        Assert.All(network.Parameters.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void CancellationThrowsAndKeepsLastCompletedStep()
    {
        var network = new TestMlp(2, 8, 1, Activation.Sigmoid);
        using var cts = new CancellationTokenSource();
        var recorder = new Recorder(network, r => { if (r.Epoch == 1 && r.Batch == 2) cts.Cancel(); });
        var options = new TrainerOptions { Optimizer = new Adam(0.01f), Epochs = 5, BatchSize = 10, Seed = 2, InitializeParameters = true, Callbacks = [recorder] };
        Assert.ThrowsAny<OperationCanceledException>(() => new Trainer(options).Fit(network, TestData.TwoMoons(100, 1), cts.Token));
        Assert.Equal(13, recorder.AfterBatch.Count);
        Assert.Equal(recorder.AfterBatch[^1], network.Parameters.ToArray());
    }

    [Fact]
    public void EarlyStoppingRestoresBestWeights()
    {
        // The validation labels are the opposite of the training labels, so validation loss rises as training progresses.
        Dataset train = TestData.TwoMoons(200, seed: 5);
        Dataset flipped = TestData.TwoMoons(60, seed: 6);
        var validation = new Dataset(flipped.Features, [.. flipped.Targets.Select(y => 1 - y)], 2, 1);
        var network = new TestMlp(2, 8, 1, Activation.Sigmoid);
        var recorder = new Recorder(network);
        var stopping = new EarlyStopping(MonitoredMetric.ValidationLoss, patience: 3);
        var options = new TrainerOptions
        {
            Optimizer = new Adam(0.01f), Epochs = 100, BatchSize = 20, Seed = 3, InitializeParameters = true,
            Validation = validation, EarlyStopping = stopping, Callbacks = [recorder],
        };
        TrainingHistory history = new Trainer(options).Fit(network, train);
        float[] validationLoss = history.ValidationLoss;
        int best = Array.IndexOf(validationLoss, validationLoss.Min());
        Assert.Equal(StopReason.EarlyStopping, history.StopReason);
        Assert.Equal(best + 4, history.Epochs.Count);
        Assert.Equal(best, history.RestoredEpoch);
        Assert.Equal(recorder.AfterEpoch[best], network.Parameters.ToArray());
        Assert.NotEqual(recorder.AfterEpoch[^1], network.Parameters.ToArray());
    }

    [Fact]
    public void EarlyStoppingThatFiresOnTheLastEpochStillReportsACompletedRun()
    {
        // Same data as above: the best epoch comes early, so with exactly best + 4 epochs requested the rule fires on the
        // last one. Every requested epoch ran, which is a completed run; the best weights are still restored.
        Dataset train = TestData.TwoMoons(200, seed: 5);
        Dataset flipped = TestData.TwoMoons(60, seed: 6);
        var validation = new Dataset(flipped.Features, [.. flipped.Targets.Select(y => 1 - y)], 2, 1);
        TrainerOptions Options(int epochs) => new()
        {
            Optimizer = new Adam(0.01f), Epochs = epochs, BatchSize = 20, Seed = 3, InitializeParameters = true,
            Validation = validation, EarlyStopping = new EarlyStopping(MonitoredMetric.ValidationLoss, patience: 3),
        };
        TrainingHistory stopped = new Trainer(Options(100)).Fit(new TestMlp(2, 8, 1, Activation.Sigmoid), train);
        Assert.Equal(StopReason.EarlyStopping, stopped.StopReason);

        var network = new TestMlp(2, 8, 1, Activation.Sigmoid);
        TrainingHistory exact = new Trainer(Options(stopped.Epochs.Count)).Fit(network, train);
        Assert.Equal(StopReason.Completed, exact.StopReason);
        Assert.Equal(stopped.Epochs.Count, exact.Epochs.Count);
        Assert.Equal(stopped.RestoredEpoch, exact.RestoredEpoch);
    }

    [Fact]
    public void EarlyStoppingCountsEpochsWithoutImprovement()
    {
        var stopping = new EarlyStopping(MonitoredMetric.ValidationAccuracy, patience: 2, minDelta: 0.01f);
        float[] p = [0f];
        bool[] stops = [.. new[] { 0.5f, 0.6f, 0.605f, 0.7f, 0.7f, 0.69f }.Select((v, e) => { p[0] = e; return stopping.Update(e, v, p); })];
        Assert.Equal([false, false, false, false, false, true], stops);
        Assert.Equal((0.7f, 3), (stopping.Best, stopping.BestEpoch));
        Assert.True(stopping.TryRestore(p));
        Assert.Equal(3f, p[0]);
    }

    [Fact]
    public void HistoryAndProgressReportEveryEpochWithScheduledRates()
    {
        var epochs = new List<EpochReport>();
        var batches = new List<BatchReport>();
        var options = new TrainerOptions
        {
            Optimizer = new Sgd(0.4f), Epochs = 4, BatchSize = 3, Seed = 1, InitializeParameters = true,
            Schedule = new StepLR(2, 0.5f), Validation = TestData.Xor(),
            EpochProgress = new SyncProgress<EpochReport>(epochs.Add), BatchProgress = new SyncProgress<BatchReport>(batches.Add),
        };
        TrainingHistory history = new Trainer(options).Fit(new TestMlp(2, 3, 1, Activation.Sigmoid), TestData.Xor());
        Assert.Equal(StopReason.Completed, history.StopReason);
        Assert.Equal([0.4f, 0.4f, 0.2f, 0.2f], history.LearningRate);
        Assert.Equal(history.Epochs, epochs);
        Assert.Equal(8, batches.Count);
        Assert.Equal([0, 1, 0, 1], batches.Take(4).Select(b => b.Batch));
        Assert.All(history.Epochs, e => Assert.True(e.ValidationLoss > 0 && e.Elapsed > TimeSpan.Zero));
    }

    [Fact]
    public void PlateauLowersTheRateWhenTheMetricStalls()
    {
        // A 90 % relative threshold means no epoch counts as an improvement after the first: with patience 1 the rate
        // halves after epochs 2 and 4 (PyTorch semantics: more than `patience` bad epochs in a row).
        var plateau = new ReduceLROnPlateau(factor: 0.5f, patience: 1, threshold: 0.9f);
        var optimizer = new Sgd(0.1f);
        var options = new TrainerOptions { Optimizer = optimizer, Epochs = 5, BatchSize = 4, InitializeParameters = true, Plateau = plateau, PlateauMetric = MonitoredMetric.TrainLoss };
        TrainingHistory history = new Trainer(options).Fit(new TestMlp(2, 3, 1, Activation.Sigmoid), TestData.Xor());
        Assert.Equal([0.1f, 0.1f, 0.1f, 0.05f, 0.05f], history.LearningRate);
        Assert.Equal(0.025f, optimizer.LearningRate);
    }

    [Fact]
    public void TrainingAllocatesNothingPerBatch()
    {
        // The same 10 epochs run as 2 or as 20 batches per epoch; 180 extra batches must not cost extra memory beyond
        // the iterator's larger row buffers for the bigger batches (18 rows × 3 floats).
        Dataset data = TestData.TwoMoons(40, seed: 1);
        long Allocated(int batchSize)
        {
            var network = new TestMlp(2, 4, 1, Activation.Sigmoid);
            var options = new TrainerOptions
            {
                Optimizer = new Sgd(0.1f, momentum: 0.9f), Epochs = 10, BatchSize = batchSize, Seed = 1, InitializeParameters = true,
                L1 = 1e-4f, MaxGradientNorm = 1f, BatchProgress = new SyncProgress<BatchReport>(_ => { }),
            };
            new Trainer(options).Fit(network, data); // warm up the network's buffers and the JIT
            long before = GC.GetAllocatedBytesForCurrentThread();
            new Trainer(options).Fit(network, data);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
        long few = Allocated(20), many = Allocated(2);
        Assert.True(many <= few + 64, $"2 batches per epoch allocated {few} bytes, 20 batches per epoch {many} bytes");
    }

    [Fact]
    public void FitRejectsInvalidOptions()
    {
        var network = new TestMlp(2, 3, 1, Activation.Sigmoid);
        Dataset xor = TestData.Xor();
        void Fails(TrainerOptions options, string fragment)
        {
            var e = Assert.Throws<ArgumentException>(() => new Trainer(options).Fit(network, xor));
            Assert.Contains(fragment, e.Message);
        }
        var sgd = new Sgd();
        Fails(new TrainerOptions { Optimizer = sgd, Epochs = 0 }, "Epochs");
        Fails(new TrainerOptions { Optimizer = sgd, BatchSize = -1 }, "BatchSize");
        Fails(new TrainerOptions { Optimizer = sgd, Schedule = new StepLR(1), Plateau = new ReduceLROnPlateau() }, "use one of them");
        Fails(new TrainerOptions { Optimizer = sgd, EarlyStopping = new EarlyStopping() }, "Validation");
        Fails(new TrainerOptions { Optimizer = sgd, MaxGradientNorm = 0f }, "MaxGradientNorm");
        Fails(new TrainerOptions { Optimizer = sgd, Validation = TestData.TwoMoons(10, 1, oneHot: true) }, "2 targets");
        var e = Assert.Throws<ArgumentException>(() => new Trainer(new TrainerOptions { Optimizer = sgd }).Fit(new TestMlp(3, 2, 1, Activation.Sigmoid), xor));
        Assert.Contains("takes 3 inputs", e.Message);
    }

    /// <summary>An <see cref="IProgress{T}"/> that runs the handler synchronously (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SyncProgress<T>(Action<T> handler) : IProgress<T>
    {
        public void Report(T value) => handler(value);
    }
}
