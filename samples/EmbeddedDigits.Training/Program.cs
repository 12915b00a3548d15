// Trains the 784-128-64-10 digit classifier on the bundled MNIST subset (8,000 training digits) with Adam and saves
// it as samples/EmbeddedDigits/digits.ngw, the file EmbeddedDigits compiles into its binary, and its int8 quantization
// (calibrated on the first 1,000 training digits) as digits-int8.ngw next to it, which `-p:Int8=true` compiles in.
//   dotnet run -c Release --project samples/EmbeddedDigits.Training [-- output.ngw]
//   dotnet run -c Release --project samples/EmbeddedDigits.Training -- --quantize [output.ngw]
//     (no training: quantizes the network already saved in output.ngw)
//   dotnet run -c Release --project samples/EmbeddedDigits.Training -- --quantize-cnn [digits-cnn.ngw]
//     (no training: quantizes the CNN of samples/Mnist saved as samples/EmbeddedDigits/digits-cnn.ngw into digits-cnn-int8.ngw,
//     which `-p:Cnn=true -p:Int8=true` compiles in)
using NetGen;
using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Serialization;
using NetGen.Training;

if (args is ["--quantize-cnn", ..])
{
    string cnnFile = args.Length > 1 ? args[1] : Path.Combine(FindRepository(), "samples", "EmbeddedDigits", "digits-cnn.ngw");
    var (cnnTrain, cnnTest) = Mnist.Load(Mnist.DefaultFolder);
    var cnn = new DigitsCnn();
    ModelFile.Load(cnn, cnnFile);
    Console.WriteLine($"float CNN: test accuracy {Trainer.Evaluate(cnn.Freeze(), cnnTest).Accuracy:P2}");
    string cnnInt8 = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(cnnFile))!, Path.GetFileNameWithoutExtension(cnnFile) + "-int8.ngw");
    SaveInt8(cnn, cnnTrain, cnnTest, cnnInt8);
    return;
}

bool quantizeOnly = args is ["--quantize", ..];
string[] rest = quantizeOnly ? args[1..] : args;
string output = rest.Length > 0 ? rest[0] : Path.Combine(FindRepository(), "samples", "EmbeddedDigits", "digits.ngw");
string int8Output = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(output))!, Path.GetFileNameWithoutExtension(output) + "-int8.ngw");
var (train, test) = Mnist.Load(Mnist.DefaultFolder);
Console.WriteLine($"{train.Count} training and {test.Count} test digits");

var net = new MnistNet(seed: 1);
if (quantizeOnly)
{
    ModelFile.Load(net, output);
    SaveInt8(net, train, test, int8Output);
    return;
}
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
SaveInt8(net, train, test, int8Output);

static void SaveInt8(INetwork net, Dataset train, Dataset test, string path)
{
    const int Calibration = 1000;
    var quantized = net.Quantize(train.Features.AsSpan(0, Calibration * net.InputSize), Calibration);
    var evaluation = Trainer.Evaluate(quantized, test);
    ModelFile.Save(quantized, path);
    Console.WriteLine($"int8 (calibrated on {Calibration:N0} training digits): test accuracy {evaluation.Accuracy:P2}; saved to {path} ({new FileInfo(path).Length:N0} bytes)");
}

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

/// <summary>The CNN of samples/Mnist (--model cnn), declared as samples/EmbeddedDigits declares it for -p:Cnn=true.</summary>
[Network(Loss = LossFunction.CrossEntropy)]
[Input(1, 28, 28)]
[Conv2D(16, 5, Activation.Identity, Padding = 2)]
[BatchNorm(Activation = Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(32, 5, Activation.Identity, Padding = 2)]
[BatchNorm(Activation = Activation.ReLU)]
[MaxPool2D(2)]
[Dense(128, Activation.ReLU)]
[Dropout(0.3f)]
[Dense(10, Activation.Softmax)]
public partial class DigitsCnn;
