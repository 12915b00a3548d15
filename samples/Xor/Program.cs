// XOR, the problem a single perceptron cannot solve, learned by a 2-4-1 network trained with backpropagation.
using NetGen;
using NetGen.Optimizers;

float[] inputs = [0, 0, 0, 1, 1, 0, 1, 1];
float[] targets = [0, 1, 1, 0];

var net = new XorNet(seed: 1);
var sgd = new Sgd(learningRate: 0.5f, momentum: 0.9f);

for (int epoch = 1; epoch <= 2000; epoch++)
{
    // One full-batch step: forward and backward over the four rows, then update.
    float loss = net.ComputeGradients(inputs, targets, batchSize: 4);
    sgd.Step(net.Parameters, net.Gradients);
    if (epoch == 1 || epoch % 200 == 0) Console.WriteLine($"epoch {epoch,4}  loss {loss:F5}");
    if (loss < 0.01f)
    {
        Console.WriteLine($"epoch {epoch,4}  loss {loss:F5}  (below 0.01, stopping)");
        break;
    }
}

Console.WriteLine();
Console.WriteLine(" x1 x2 | output | predicted | expected");
int correct = 0;
for (int i = 0; i < 4; i++)
{
    var x = inputs.AsSpan(i * 2, 2);
    float[] y = new float[1];
    net.Forward(x, y);
    int predicted = net.Predict(x);
    correct += predicted == (int)targets[i] ? 1 : 0;
    Console.WriteLine($"  {x[0]}  {x[1]} | {y[0]:F4} |     {predicted}     |    {targets[i]}");
}
Console.WriteLine($"accuracy {correct}/4 = {correct * 100 / 4}%");
return correct == 4 ? 0 : 1;

/// <summary>The network: 2 inputs, 4 tanh hidden units, 1 sigmoid output, trained on binary cross-entropy.</summary>
[Network(Loss = LossFunction.BinaryCrossEntropy)]
[Input(2)]
[Dense(4, Activation.Tanh)]
[Dense(1, Activation.Sigmoid)]
public partial class XorNet;
