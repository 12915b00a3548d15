using NetGen;

namespace NetGen.KernelChecks;

// Every activation, maxout and dropout, with widths below, at and across every vector width (1 … 784).

[Network(Loss = LossFunction.BinaryCrossEntropy)] [Input(2)] [Dense(4, Activation.Tanh)] [Dense(1, Activation.Sigmoid)]
public partial class Tiny;

// Tiny networks train in the lanes of Vector128 values (LaneKernels): a softmax output and the α activations too.
[Network(Loss = LossFunction.CrossEntropy)] [Input(5)] [Dense(6, Activation.ELU, Alpha = 0.7f)] [Dense(9, Activation.LeakyReLU, Alpha = 0.1f)] [Dense(3, Activation.Softmax)]
public partial class TinyLanes;

#pragma warning disable NETGEN101 // Step on purpose: its kernel must be checked too
[Network] [Input(3)] [Dense(7, Activation.Step)] [Dense(3)]
public partial class Steps;
#pragma warning restore NETGEN101

[Network(Loss = LossFunction.CrossEntropy)] [Input(17)] [Dense(33, Activation.ReLU)] [Dense(16, Activation.ELU, Alpha = 0.7f)] [Dense(5, Activation.Softmax)]
public partial class Mixed;

[Network] [Input(100)] [Dense(17, Activation.LeakyReLU, Alpha = 0.1f)] [Maxout(7, 3)] [Dense(2, Activation.Tanh)]
public partial class Maxed;

[Network(Loss = LossFunction.CrossEntropy)] [Input(784)] [Dense(33, Activation.ReLU)] [Dropout(0.3f)] [Dense(10, Activation.Softmax)]
public partial class Digits;

#pragma warning disable NETGEN104 // the squared error's gradient through a softmax is checked here on purpose
[Network(Loss = LossFunction.MeanSquaredError)] [Input(1)] [Dense(100, Activation.Sigmoid)] [Dense(16, Activation.Softmax)]
public partial class Wide;
#pragma warning restore NETGEN104

// Unit counts that are multiples of four Vector512 (and Vector256) widths take the packed outer-product kernel.
[Network(Loss = LossFunction.CrossEntropy)] [Input(40)] [Dense(64, Activation.ReLU)] [Dense(128, Activation.Sigmoid)] [Dense(4, Activation.Softmax)]
public partial class Packed;

// The perceptron's vector kernels (dot product and rule update over 64 inputs).
[Perceptron(Inputs = 64, Outputs = 4)]
public partial class Perceptron64x4;

// Wide enough for TrainingThreads to split every kind of product (packed forward by units and by samples, the
// dot-product forward, weight gradients by rows with a tail, input gradients by samples), checked bit for bit.
[Network(Loss = LossFunction.CrossEntropy)] [Input(300)] [Dense(200, Activation.ReLU)] [Dropout(0.3f)] [Maxout(64, 3)] [Dense(70, Activation.Tanh)] [Dense(5, Activation.Softmax)]
public partial class Split;
