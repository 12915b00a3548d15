// The lecture in one program: a single perceptron learns OR and AND, cannot learn XOR (and can tell that it cannot),
// and a network with one hidden layer, trained by backpropagation, learns XOR.
using NetGen;
using NetGen.Optimizers;

float[] inputs = [0, 0, 0, 1, 1, 0, 1, 1];
bool ok = true;

ok &= SolveWithPerceptron("OR", [0, 1, 1, 1]);
ok &= SolveWithPerceptron("AND", [0, 0, 0, 1]);

// XOR: the rule cycles, and the report says so instead of "ran out of epochs".
Console.WriteLine("== XOR with a perceptron ==");
var xor = new Gate().Train(inputs, [0, 1, 1, 0], samples: 4, maxEpochs: 100);
Console.WriteLine($"errors per epoch: {string.Join(" ", xor.ErrorsPerEpoch)}");
Console.WriteLine(xor.Reason);
Console.WriteLine();
ok &= xor.Separable == false;

// XOR with two layers: Dense(4, Tanh) → Dense(1, Sigmoid), binary cross-entropy, SGD with momentum.
Console.WriteLine("== XOR with a two-layer network ==");
var net = new XorNet(seed: 1);
var sgd = new Sgd(learningRate: 0.5f, momentum: 0.9f);
int epoch = 1;
float loss = float.NaN;
for (; epoch <= 2000; epoch++)
{
    loss = net.ComputeGradients(inputs, [0, 1, 1, 0], batchSize: 4);
    sgd.Step(net.Parameters, net.Gradients);
    if (loss < 0.01f) break;
}
Console.WriteLine($"trained {Math.Min(epoch, 2000)} epochs, loss {loss:F4}");
int correct = 0;
Console.WriteLine(" x1 x2 | MLP | XOR");
for (int s = 0; s < 4; s++)
{
    var x = inputs.AsSpan(s * 2, 2);
    int expected = (int)x[0] ^ (int)x[1];
    int predicted = net.Predict(x);
    correct += predicted == expected ? 1 : 0;
    Console.WriteLine($"  {x[0]}  {x[1]} |  {predicted}  |  {expected}");
}
Console.WriteLine($"{correct}/4 correct");
ok &= correct == 4;

Console.WriteLine();
Console.WriteLine(ok ? "OK: OR and AND converged, XOR is not linearly separable, the MLP solved it." : "FAILED");
return ok ? 0 : 1;

bool SolveWithPerceptron(string name, float[] targets)
{
    Console.WriteLine($"== {name} with a perceptron ==");
    var gate = new Gate();
    var report = gate.Train(inputs, targets, samples: 4);
    Console.WriteLine($"epochs {report.Epochs}, errors per epoch: {string.Join(" ", report.ErrorsPerEpoch)}");
    Console.WriteLine($"w = ({report.Weights[0]}, {report.Weights[1]}), b = {report.Bias}");
    Console.WriteLine(" x1 x2 | y | " + name);
    bool right = true;
    for (int s = 0; s < 4; s++)
    {
        var x = inputs.AsSpan(s * 2, 2);
        int y = gate.Predict(x);
        right &= y == (int)targets[s];
        Console.WriteLine($"  {x[0]}  {x[1]} | {y} | {targets[s]}");
    }
    Console.WriteLine(report.Reason);
    Console.WriteLine();
    return report.Converged && right;
}

/// <summary>One threshold unit over two inputs: y = 1 if w·x + b &gt; 0, else 0.</summary>
[Perceptron(Inputs = 2)]
public partial class Gate;

/// <summary>2 inputs, 4 tanh hidden units, 1 sigmoid output, trained on binary cross-entropy.</summary>
[Network(Loss = LossFunction.BinaryCrossEntropy)]
[Input(2)]
[Dense(4, Activation.Tanh)]
[Dense(1, Activation.Sigmoid)]
public partial class XorNet;
