namespace NetGen.Samples;

/// <summary>
/// A convolutional network for the digits: two 5 × 5 convolutions (16 and 32 filters, padded to keep the size), each
/// batch-normalized before its ReLU and max-pooled 2 × 2, then a dense ReLU layer of 128 with dropout and a softmax over
/// the ten classes, trained on cross-entropy. NetGen generates the rest of this class.
/// </summary>
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
