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

// Convolutional: padding, two channels in (channels-last input), 20 filters (a block and a partial one), BatchNorm folded
// into a convolution and into a Dense layer, max and average pooling with a stride other than the window, a table
// activation (ELU) on a convolution, and an odd-sized 3 × 3 mean (no ties) next to a 2 × 2 one.
[Network(Loss = LossFunction.CrossEntropy)]
[Input(2, 11, 11)]
[Conv2D(20, 3, Activation.Identity, Padding = 1)]
[BatchNorm(Activation = Activation.ReLU)]
[MaxPool2D(3, Stride = 2)]
[Conv2D(17, 2, Activation.ELU, Alpha = 0.5f)]
[AvgPool2D(2)]
[Dense(8)]
[BatchNorm(Activation = Activation.LeakyReLU, Alpha = 0.1f)]
[Dropout(0.2f)]
[Dense(4, Activation.Softmax)]
public partial class QuantCnn;

// One channel in, a stride-2 convolution with padding, a 3 × 3 average and a Tanh output.
[Network(Loss = LossFunction.MeanSquaredError)]
[Input(1, 13, 13)]
[Conv2D(6, 5, Activation.ReLU, Stride = 2, Padding = 2)]
[AvgPool2D(3)]
[Conv2D(33, 1, Activation.Sigmoid)]
[Dense(3, Activation.Tanh)]
public partial class QuantCnnStrided;

// BatchNorm after a convolution that already has an activation: no fold is possible, quantization is refused.
[Network(Loss = LossFunction.CrossEntropy)]
[Input(1, 6, 6)]
[Conv2D(4, 3, Activation.ReLU)]
[BatchNorm]
[Dense(2, Activation.Softmax)]
public partial class QuantCnnUnfoldable;

// BatchNorm after pooling: refused too.
[Network(Loss = LossFunction.CrossEntropy)]
[Input(1, 6, 6)]
[Conv2D(4, 3)]
[MaxPool2D(2)]
[BatchNorm(Activation = Activation.ReLU)]
[Dense(2, Activation.Softmax)]
public partial class QuantCnnPoolNorm;

// A convolution last: its outputs are an image, which int8 networks do not end with (the last layer is computed in float).
[Network(Loss = LossFunction.MeanSquaredError)]
[Input(1, 6, 6)]
[Conv2D(2, 3, Activation.Sigmoid)]
public partial class QuantCnnConvLast;

// Convolutions whose max pool runs inside them (SpatialStage.CanFuse): 20 filters (a block and a partial one) under
// LeakyReLU, 70 columns (three blocks of pooling windows across), a 2 × 2 pool after a convolution without padding, and
// a 3 × 3 pool after a linear one.
[Network(Loss = LossFunction.CrossEntropy)]
[Input(3, 6, 70)]
[Conv2D(20, 3, Activation.LeakyReLU, Alpha = 0.1f, Padding = 1)]
[MaxPool2D(2)]
[Conv2D(16, 2, Activation.ReLU)]
[MaxPool2D(2)]
[Dense(4, Activation.Softmax)]
public partial class QuantCnnPooled;

[Network(Loss = LossFunction.MeanSquaredError)]
[Input(1, 9, 9)]
[Conv2D(5, 3, Activation.Identity, Padding = 1)]
[MaxPool2D(3)]
[Dense(3)]
public partial class QuantCnnPooled3;
