namespace NetGen.Tests.Quantization;

// Every hidden activation (linear requantization and table), Maxout hidden and last, dropout, and every output activation.

[Network(Loss = LossFunction.CrossEntropy)]
[Input(13)] [Dense(21, Activation.Sigmoid)] [Dense(19, Activation.Tanh)] [Dense(17, Activation.ELU, Alpha = 0.7f)]
[Dense(23, Activation.LeakyReLU, Alpha = 0.1f)] [Dense(15)] [Dense(9, Activation.ReLU)] [Maxout(7, 3)] [Dropout(0.2f)]
[Dense(5, Activation.Softmax)]
public partial class QuantAllActivations;

#pragma warning disable NETGEN101 // Step on purpose: its quantized table must be checked too
[Network(Loss = LossFunction.BinaryCrossEntropy)] [Input(6)] [Dense(11, Activation.Step)] [Dense(3, Activation.Sigmoid)]
public partial class QuantStep;

[Network] [Input(5)] [Dense(8, Activation.ReLU)] [Dense(4, Activation.Step)]
public partial class QuantStepOutput;
#pragma warning restore NETGEN101

[Network] [Input(9)] [Dense(12, Activation.Tanh)] [Dense(3, Activation.Tanh)]
public partial class QuantTanhOutput;

[Network] [Input(9)] [Dense(12, Activation.ReLU)] [Dense(3)]
public partial class QuantIdentityOutput;

[Network] [Input(9)] [Dense(12, Activation.ReLU)] [Dense(3, Activation.ReLU)]
public partial class QuantReluOutput;

[Network] [Input(9)] [Dense(12, Activation.ReLU)] [Dense(3, Activation.LeakyReLU, Alpha = 0.2f)]
public partial class QuantLeakyOutput;

[Network] [Input(9)] [Dense(12, Activation.ReLU)] [Dense(3, Activation.ELU, Alpha = 0.5f)]
public partial class QuantEluOutput;

[Network] [Input(9)] [Dense(12, Activation.ReLU)] [Maxout(4, 2)]
public partial class QuantMaxoutOutput;

// Wider than one kernel block with leftovers everywhere: odd inputs (a padded pair and quad), 2 + 1 channel blocks,
// 65 channels (four blocks and one channel), so every loop of the kernels runs.
[Network(Loss = LossFunction.CrossEntropy)] [Input(101)] [Dense(48, Activation.ReLU)] [Dense(65, Activation.LeakyReLU)] [Dense(10, Activation.Softmax)]
public partial class QuantWide;
