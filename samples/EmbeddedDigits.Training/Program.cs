// Trains the 784-128-64-10 digit classifier on the bundled MNIST subset (8,000 training digits) with Adam and saves
// it as samples/EmbeddedDigits/digits.ngw, the file EmbeddedDigits compiles into its binary.
//   dotnet run -c Release --project samples/EmbeddedDigits.Training [-- output.ngw]
using NetGen;
using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Serialization;
using NetGen.Training;

string output = args.Length > 0 ? args[0] : Path.Combine(FindRepository(), "samples", "EmbeddedDigits", "digits.ngw");
var (train, test) = Mnist.Load(Mnist.DefaultFolder);
Console.WriteLine($"{train.Count} training and {test.Count} test digits");

var net = new MnistNet(seed: 1);
var trainer = new Trainer(new TrainerOptions
{
    Optimizer = new Adam(learningRate: 1e-3f),
    Epochs = 10,
    BatchSize = 32,
    Seed = 1,
    EpochProgress = new ConsoleReport(), // synchronous, so the lines stay in order
});
trainer.Fit(net, train);

var evaluation = Trainer.Evaluate(net, test);
Console.WriteLine($"test: loss {evaluation.Loss:F4}, accuracy {evaluation.Accuracy:P2}");
ModelFile.Save(net, output);
Console.WriteLine($"saved {MnistNet.ParameterCount:N0} parameters to {output} ({new FileInfo(output).Length:N0} bytes)");
Console.WriteLine(MnistNet.Architecture);

static string FindRepository()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "NetGen.sln"))) return dir.FullName;
    throw new DirectoryNotFoundException("NetGen.sln not found above " + AppContext.BaseDirectory + "; pass the output path.");
}

sealed class ConsoleReport : IProgress<EpochReport>
{
    public void Report(EpochReport e) => Console.WriteLine($"epoch {e.Epoch,2}  loss {e.TrainLoss:F4}  accuracy {e.TrainAccuracy:P1}");
}

/// <summary>The same declaration as in samples/EmbeddedDigits, without Weights: the architecture strings must match.</summary>
[Network(Loss = LossFunction.CrossEntropy)]
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(64, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class MnistNet;
