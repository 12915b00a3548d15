using System.Numerics.Tensors;

namespace NetGen.Optimizers;

/// <summary>
/// Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay, exactly as
/// PyTorch's <c>torch.optim.SGD</c> (dampening 0):
/// <code>
/// g = grad + weightDecay·θ
/// b = momentum·b + g          (b = g on the first step)
/// g = nesterov ? g + momentum·b : b
/// θ = θ − lr·g
/// </code>
/// </summary>
public sealed class Sgd : IOptimizer
{
    private float[]? _velocity;
    private bool _hasVelocity;

    /// <summary>Creates the optimizer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is negative or not finite, or Nesterov is requested without momentum.</exception>
    public Sgd(float learningRate = 0.01f, float momentum = 0f, bool nesterov = false, float weightDecay = 0f)
    {
        OptimizerChecks.NonNegative(learningRate, nameof(learningRate));
        OptimizerChecks.NonNegative(momentum, nameof(momentum));
        OptimizerChecks.NonNegative(weightDecay, nameof(weightDecay));
        if (nesterov && momentum <= 0)
            throw new ArgumentOutOfRangeException(nameof(nesterov), "Nesterov momentum requires momentum > 0.");
        LearningRate = learningRate;
        Momentum = momentum;
        Nesterov = nesterov;
        WeightDecay = weightDecay;
    }

    /// <inheritdoc/>
    public float LearningRate { get; set; }

    /// <summary>The momentum factor (0 disables momentum).</summary>
    public float Momentum { get; }

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    /// <summary>The L2 penalty added to the gradient.</summary>
    public float WeightDecay { get; }

    /// <inheritdoc/>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        OptimizerChecks.SameLength(parameters, gradients);
        float lr = LearningRate;
        if (Momentum == 0f && WeightDecay == 0f)
        {
            // θ −= lr·g
            TensorPrimitives.MultiplyAdd(gradients, -lr, parameters, parameters);
            return;
        }

        float[] v = OptimizerChecks.State(ref _velocity, parameters.Length);
        for (int i = 0; i < parameters.Length; i++)
        {
            float g = gradients[i] + WeightDecay * parameters[i];
            if (Momentum != 0f)
            {
                float b = _hasVelocity ? Momentum * v[i] + g : g;
                v[i] = b;
                g = Nesterov ? g + Momentum * b : b;
            }
            parameters[i] -= lr * g;
        }
        _hasVelocity = Momentum != 0f;
    }

    /// <inheritdoc/>
    public void WriteState(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(nameof(Sgd));
        writer.Write(LearningRate);
        writer.Write(_hasVelocity);
        OptimizerChecks.WriteBuffer(writer, _hasVelocity ? _velocity : null);
    }

    /// <inheritdoc/>
    public void ReadState(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        OptimizerChecks.ReadKind(reader, nameof(Sgd));
        float lr = reader.ReadSingle();
        bool hasVelocity = reader.ReadBoolean();
        float[]? velocity = OptimizerChecks.ReadBuffer(reader);
        if (hasVelocity != velocity is not null)
            throw new InvalidDataException("The SGD state is inconsistent: the momentum flag does not match the stored buffer.");
        (LearningRate, _hasVelocity, _velocity) = (lr, hasVelocity, velocity);
    }

    /// <inheritdoc/>
    public void Reset()
    {
        _velocity = null;
        _hasVelocity = false;
    }
}
