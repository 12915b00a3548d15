// A user program that gets NetGen from its NuGet package: the [Network] class below only compiles if the package's
// analyzers/dotnet/cs/NetGen.Generator.dll ran, and it only runs if lib/net10.0/NetGen.dll is there.
using System.Globalization;
using NetGen;

var net = new XorNet();
// Hand-set weights that solve XOR: hidden unit 0 is OR, unit 1 is NAND, the output is their AND.
float[] weights =
[
    20, 20, -20, -20,  // W0 [2 × 2]
    -10, 30,           // b0
    20, 20,            // W1 [1 × 2]
    -30,               // b1
];
weights.CopyTo(net.Parameters);

var outputs = new List<string>();
float[] y = new float[1];
foreach (float[] x in new[] { new[] { 0f, 0f }, [0f, 1f], [1f, 0f], [1f, 1f] })
{
    net.Forward(x, y);
    outputs.Add(y[0].ToString("F3", CultureInfo.InvariantCulture));
}
Console.WriteLine("forward: " + string.Join(" ", outputs));
Console.WriteLine("architecture: " + XorNet.Architecture);

// The same weights compiled in from xor.ngw (an AdditionalFiles item): static inference, no instance.
outputs.Clear();
foreach (float[] x in new[] { new[] { 0f, 0f }, [0f, 1f], [1f, 0f], [1f, 1f] })
{
    BakedXor.Infer(x, y);
    outputs.Add(y[0].ToString("F3", CultureInfo.InvariantCulture) + "/" + BakedXor.Classify(x));
}
Console.WriteLine("baked: " + string.Join(" ", outputs));

[Network(Loss = LossFunction.BinaryCrossEntropy)]
[Input(2)]
[Dense(2, Activation.Sigmoid)]
[Dense(1, Activation.Sigmoid)]
public partial class XorNet;

[Network(Loss = LossFunction.BinaryCrossEntropy, Weights = "xor.ngw")]
[Input(2)]
[Dense(2, Activation.Sigmoid)]
[Dense(1, Activation.Sigmoid)]
public partial class BakedXor;
