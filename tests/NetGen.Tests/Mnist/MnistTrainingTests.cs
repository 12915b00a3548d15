using System.Diagnostics;
using Xunit.Abstractions;
using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Schedules;
using NetGen.Serialization;
using NetGen.Training;

// Not NetGen.Tests.Mnist: a namespace of that name would hide NetGen.Data.Mnist from every NetGen.Tests.* file.
namespace NetGen.Tests.MnistSample;

/// <summary>The sample's network, generated here exactly as in a user project (the generator is an analyzer reference).</summary>
[Network(Loss = LossFunction.CrossEntropy)]
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(64, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class TestMnistNet;

/// <summary>Trains <see cref="TestMnistNet"/> once on the bundled digits; the tests share the result.</summary>
public sealed class TrainedMnist
{
    public const int Epochs = 4;

    public TrainedMnist()
    {
        (Dataset all, Test) = Mnist.Load(Mnist.DefaultFolder);
        (Train, Validation) = DatasetSplit.Stratified(all, 0.1f, seed: 1);
        Network = new TestMnistNet(seed: 1);
        Optimizer = new Adam(2e-3f);
        var trainer = new Trainer(new TrainerOptions
        {
            Optimizer = Optimizer,
            Epochs = Epochs,
            BatchSize = 64,
            Seed = 1,
            Schedule = new CosineAnnealingLR(Epochs),
            Validation = Validation,
        });
        long started = Stopwatch.GetTimestamp();
        History = trainer.Fit(Network, Train);
        TrainingTime = Stopwatch.GetElapsedTime(started);
        TestResult = Trainer.Evaluate(Network, Test);
    }

    public Dataset Train { get; }
    public Dataset Validation { get; }
    public Dataset Test { get; }
    public TestMnistNet Network { get; }
    public Adam Optimizer { get; }
    public TrainingHistory History { get; }
    public TimeSpan TrainingTime { get; }
    public Evaluation TestResult { get; }
}

public sealed class MnistTrainingTests(TrainedMnist trained, ITestOutputHelper output) : IClassFixture<TrainedMnist>, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"netgen-mnist-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void AFewEpochsOnTheBundledDigitsReachNinetyPercentWithinSeconds()
    {
        output.WriteLine($"{TrainedMnist.Epochs} epochs in {trained.TrainingTime.TotalSeconds:F2} s, test accuracy {trained.TestResult.Accuracy:P2}");
        Assert.Equal(TrainedMnist.Epochs, trained.History.Epochs.Count);
        Assert.Equal((7198, 802, 2000), (trained.Train.Count, trained.Validation.Count, trained.Test.Count));
        // 4 epochs reach ~94-95 %; the floor leaves room for other seeds and instruction sets, not for a broken network.
        Assert.True(trained.TestResult.Accuracy >= 0.90f, $"test accuracy {trained.TestResult.Accuracy:P2} after {TrainedMnist.Epochs} epochs");
        Assert.True(trained.History.Epochs[^1].ValidationAccuracy >= 0.88f, $"validation accuracy {trained.History.Epochs[^1].ValidationAccuracy:P2}");
        Assert.True(trained.History.TrainLoss[^1] < trained.History.TrainLoss[0] / 2, string.Join(", ", trained.History.TrainLoss));
        Assert.Equal(2000, trained.TestResult.Confusion.Total);
        // About 0.1 s per epoch in Release on one core; the bound is loose for Debug builds and busy CI machines.
        Assert.True(trained.TrainingTime < TimeSpan.FromSeconds(20), $"training took {trained.TrainingTime.TotalSeconds:F1} s");
    }

    [Fact]
    public void SavedAndReloadedNetworkPredictsBitIdentically()
    {
        Directory.CreateDirectory(_folder);
        string path = Path.Combine(_folder, "mnist" + ModelFile.Extension);
        ModelFile.Save(trained.Network, path, trained.Optimizer);

        var reloaded = new TestMnistNet(seed: 12345);
        Assert.NotEqual(trained.Network.Parameters.ToArray(), reloaded.Parameters.ToArray());
        var adam = new Adam();
        ModelFile.Load(reloaded, path, adam);

        Assert.Equal(trained.Network.Parameters.ToArray(), reloaded.Parameters.ToArray());
        Assert.Equal(trained.Optimizer.StepCount, adam.StepCount);
        var expected = new float[trained.Test.Count * 10];
        var actual = new float[trained.Test.Count * 10];
        trained.Network.Forward(trained.Test.Features, expected, trained.Test.Count);
        reloaded.Forward(trained.Test.Features, actual, trained.Test.Count);
        Assert.Equal(expected, actual); // exact float equality, not a tolerance
        for (int i = 0; i < trained.Test.Count; i += 7)
            Assert.Equal(trained.Network.Predict(trained.Test.FeaturesOf(i)), reloaded.Predict(trained.Test.FeaturesOf(i)));
        Assert.Equal(trained.TestResult.Accuracy, Trainer.Evaluate(reloaded, trained.Test).Accuracy);

        ModelFileInfo info = ModelFile.ReadInfo(path);
        Assert.Equal(TestMnistNet.Architecture, info.Architecture);
    }
}
