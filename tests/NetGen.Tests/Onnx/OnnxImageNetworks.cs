namespace NetGen.Tests.Onnx;

/// <summary>Convolutions with padding, a stride, dropout on an image and a dense layer after them, for the ONNX export check.</summary>
[Network(Loss = LossFunction.CrossEntropy)]
[Input(2, 9, 8)]
[Conv2D(4, 3, Activation.ReLU, Padding = 1)]
[Conv2D(3, 3, Activation.Tanh, Stride = 2)]
[Dropout(0.25f)]
[Dense(6, Activation.ELU, Alpha = 0.5f)]
[Dense(4, Activation.Softmax)]
public partial class ConvForOnnx;

/// <summary>A network whose output is an image (exported with a final Flatten), with a 1 × 1 kernel and LeakyReLU.</summary>
[Network]
[Input(3, 6, 5)]
[Conv2D(5, 1, Activation.Sigmoid)]
[Conv2D(2, 2, Activation.LeakyReLU, Alpha = 0.1f, Stride = 2, Padding = 1)]
public partial class ConvOutputForOnnx;
