// Classifies handwritten digits with a network whose parameters are compiled into this program: no model file
// is read at run time, no network object is created, nothing is allocated per digit. Published with NativeAOT this
// is a single native executable.
// Usage: EmbeddedDigits [number of digits to show, default 12]
//        EmbeddedDigits --first    classify one blank image and exit (for timing start-up)
#if CNN
using Digits = DigitsCnn;
#else
using Digits = MnistNet;
#endif
using System.Diagnostics;
using NetGen;
using NetGen.Data;

long entered = Stopwatch.GetTimestamp();

// The first prediction needs nothing but the input: Digits.Classify runs on the baked parameters.
Span<float> blank = stackalloc float[Digits.InputSize];
int first = Digits.Classify(blank);
TimeSpan toFirst = Stopwatch.GetElapsedTime(entered);
if (args is ["--first"])
{
    Console.WriteLine($"class {first} after {toFirst.TotalMicroseconds:F0} µs");
    return 0;
}

string folder = Path.Combine(AppContext.BaseDirectory, "data", "mnist-subset");
if (!Directory.Exists(folder)) folder = Mnist.DefaultFolder;
Dataset test = Mnist.LoadFiles(Path.Combine(folder, "test-images-idx3-ubyte.gz"), Path.Combine(folder, "test-labels-idx1-ubyte.gz"));
#if INT8
Console.WriteLine($"int8 network, products on {NetGen.Quantization.QuantizedNetwork.InstructionSet}");
#endif
int show = args.Length > 0 && int.TryParse(args[0], out int n) ? Math.Min(n, test.Count) : 12;

#if INT8
Console.WriteLine($"{Digits.Architecture}, {Digits.ParameterCount:N0} parameters compiled in as int8 ({Digits.BakedQuantizedNetwork.WeightBytes:N0} weight bytes)");
#else
Console.WriteLine($"{Digits.Architecture}, {Digits.ParameterCount:N0} parameters compiled in");
#endif
Console.WriteLine($"first prediction {toFirst.TotalMicroseconds:F0} µs after Main started (a blank image: class {first})");
Console.WriteLine();
Console.WriteLine("digit  label  predicted");
int correct = 0;
for (int i = 0; i < test.Count; i++)
{
    int label = test.TargetsOf(i).IndexOf(1f);
    int predicted = Digits.Classify(test.FeaturesOf(i));
    if (predicted == label) correct++;
    if (i < show) Console.WriteLine($"{i,5}  {label,5}  {predicted,9}{(predicted == label ? "" : "   wrong")}");
}
double accuracy = (double)correct / test.Count;
Console.WriteLine($"accuracy on the {test.Count:N0} test digits: {correct:N0} correct, {accuracy:P2}");

// Latency: every test digit, several rounds, after the loop above has warmed everything up.
const int Rounds = 20;
int checksum = 0;
long start = Stopwatch.GetTimestamp();
for (int round = 0; round < Rounds; round++)
    for (int i = 0; i < test.Count; i++)
        checksum += Digits.Classify(test.FeaturesOf(i));
TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
Console.WriteLine($"latency: {elapsed.TotalMicroseconds / (Rounds * test.Count):F2} µs per digit over {Rounds * test.Count:N0} classifications (checksum {checksum})");
return accuracy >= 0.9 ? 0 : 1;

#if CNN && INT8
/// <summary>
/// The convolutional network of samples/Mnist (--model cnn) with the int8 quantized network of digits-cnn-int8.ngw baked
/// in (-p:Cnn=true -p:Int8=true): both batch norms folded into their convolutions.
/// </summary>
[Network(Loss = LossFunction.CrossEntropy, Weights = "digits-cnn-int8.ngw")]
#elif CNN
/// <summary>
/// The convolutional network of samples/Mnist (--model cnn) with the parameters and running statistics of digits-cnn.ngw
/// baked in (-p:Cnn=true): two 5 × 5 convolutions with batch norm, ReLU and 2 × 2 max pooling, 128 ReLU units, softmax.
/// </summary>
[Network(Loss = LossFunction.CrossEntropy, Weights = "digits-cnn.ngw")]
#endif
#if CNN
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
#elif INT8
/// <summary>784 pixels → 128 ReLU → 64 ReLU → 10 softmax, with the int8 quantized network of digits-int8.ngw baked in (-p:Int8=true).</summary>
[Network(Loss = LossFunction.CrossEntropy, Weights = "digits-int8.ngw")]
#else
/// <summary>784 pixels → 128 ReLU → 64 ReLU → 10 softmax, with the parameters of digits.ngw baked in.</summary>
[Network(Loss = LossFunction.CrossEntropy, Weights = "digits.ngw")]
#endif
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(64, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class MnistNet;
