namespace NetGen.Samples.Fitting;

// The capacity ladder: two inputs, ReLU hidden layers of growing size, one sigmoid output trained on binary
// cross-entropy. Each is declared at compile time; NetGen generates the code for exactly these sizes.

[Network(Loss = LossFunction.BinaryCrossEntropy)]
[Input(2)]
[Dense(2, Activation.ReLU)]
[Dense(1, Activation.Sigmoid)]
public partial class Net2;

[Network(Loss = LossFunction.BinaryCrossEntropy)]
[Input(2)]
[Dense(4, Activation.ReLU)]
[Dense(1, Activation.Sigmoid)]
public partial class Net4;

[Network(Loss = LossFunction.BinaryCrossEntropy)]
[Input(2)]
[Dense(8, Activation.ReLU)]
[Dense(1, Activation.Sigmoid)]
public partial class Net8;

[Network(Loss = LossFunction.BinaryCrossEntropy)]
[Input(2)]
[Dense(16, Activation.ReLU)]
[Dense(1, Activation.Sigmoid)]
public partial class Net16;

[Network(Loss = LossFunction.BinaryCrossEntropy)]
[Input(2)]
[Dense(16, Activation.ReLU)]
[Dense(16, Activation.ReLU)]
[Dense(1, Activation.Sigmoid)]
public partial class Net16x16;

[Network(Loss = LossFunction.BinaryCrossEntropy)]
[Input(2)]
[Dense(32, Activation.ReLU)]
[Dense(32, Activation.ReLU)]
[Dense(1, Activation.Sigmoid)]
public partial class Net32x32;

[Network(Loss = LossFunction.BinaryCrossEntropy)]
[Input(2)]
[Dense(64, Activation.ReLU)]
[Dense(64, Activation.ReLU)]
[Dense(1, Activation.Sigmoid)]
public partial class Net64x64;

[Network(Loss = LossFunction.BinaryCrossEntropy)]
[Input(2)]
[Dense(128, Activation.ReLU)]
[Dense(128, Activation.ReLU)]
[Dense(1, Activation.Sigmoid)]
public partial class Net128x128;

// The dropout cure changes the architecture, so it is a network type of its own: the same layers as the overfitting
// network above it, with half of each hidden layer's outputs dropped while training.

[Network(Loss = LossFunction.BinaryCrossEntropy)]
[Input(2)]
[Dense(64, Activation.ReLU)]
[Dropout(0.5f)]
[Dense(64, Activation.ReLU)]
[Dropout(0.5f)]
[Dense(1, Activation.Sigmoid)]
public partial class Net64x64Dropout;

[Network(Loss = LossFunction.BinaryCrossEntropy)]
[Input(2)]
[Dense(128, Activation.ReLU)]
[Dropout(0.5f)]
[Dense(128, Activation.ReLU)]
[Dropout(0.5f)]
[Dense(1, Activation.Sigmoid)]
public partial class Net128x128Dropout;

/// <summary>The MNIST multilayer perceptron of samples/Mnist: 784 pixels, ReLU layers of 128 and 64 units, softmax over ten digits.</summary>
[Network(Loss = LossFunction.CrossEntropy)]
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(64, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class DigitsNet;
