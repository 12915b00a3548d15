namespace NetGen.Generator.Model;

// Mirrors of the runtime enums (NetGen.Activation, NetGen.LossFunction) with the same values: the generator does not
// reference the runtime assembly, it reads the attribute arguments as integers.

/// <summary>An activation, numbered as <c>NetGen.Activation</c>.</summary>
internal enum ActivationKind
{
    Identity = 0,
    Step = 1,
    Sigmoid = 2,
    Tanh = 3,
    ReLU = 4,
    LeakyReLU = 5,
    ELU = 6,
    Softmax = 7,
}

/// <summary>A loss, numbered as <c>NetGen.LossFunction</c>.</summary>
internal enum LossKind
{
    MeanSquaredError = 0,
    BinaryCrossEntropy = 1,
    CrossEntropy = 2,
}

/// <summary>The kind of a layer.</summary>
internal enum LayerKind
{
    Dense,
    Maxout,
    Dropout,
    Conv2D,
    MaxPool2D,
    AvgPool2D,
    BatchNorm,
}
