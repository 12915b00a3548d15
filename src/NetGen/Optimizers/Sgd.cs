using NetGen.CompilerServices;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen.Optimizers;

/// <summary>
/// Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay, exactly as
/// PyTorch's <c>torch.optim.SGD</c> (dampening 0):
/// <code>
/// g = grad + weightDecay·θ   (the term is skipped when weightDecay = 0, as in PyTorch)
/// b = momentum·b + g          (b = g on the first step)
/// g = nesterov ? g + momentum·b : b
/// θ = θ − lr·g
/// </code>
/// </summary>
/// <remarks>
/// The optimizers, simplest to most complex: <see cref="Sgd"/>, <see cref="Adagrad"/>, <see cref="RmsProp"/>,
/// <see cref="Adam"/> (and <see cref="AdamW"/>, the same update with decoupled weight decay).
/// Each rule is written once for vectors and once for the scalar tail. Adam, RMSProp and Adagrad, which need square
/// roots and divisions, run the widest vectors the machine executes at full speed (Vector512 with AVX-512, where a
/// 512-bit division costs the time of a 256-bit one); SGD uses <see cref="Vector{T}"/>, the width in which tiny
/// networks store their gradients (so its loads are forwarded from those stores). The tail is never handled by
/// overlapping the last vector: the updates are read-modify-write, so an overlapped element would be updated twice.
/// </remarks>
public sealed class Sgd : IOptimizer, IRangeUpdate, IThreadedOptimizer
{
    private float[]? _velocity;
    private bool _hasVelocity;
    private int _threads = 1;
    private ParallelUpdate? _parallel;

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
    public float Momentum { get; private set; }

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; private set; }

    /// <summary>The L2 penalty added to the gradient.</summary>
    public float WeightDecay { get; private set; }

    /// <inheritdoc cref="Adam.Threads"/>
    public int Threads
    {
        get => _threads;
        set => _threads = OptimizerChecks.Threads(value);
    }

    /// <inheritdoc/>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        OptimizerChecks.SameLength(parameters, gradients);
        if (Momentum != 0f) OptimizerChecks.State(ref _velocity, parameters.Length);
        ParallelUpdate.Step(this, ref _parallel, _threads, parameters, gradients);
        if (Momentum != 0f) _hasVelocity = true;
    }

    void IRangeUpdate.UpdateRange(int start, Span<float> parameters, ReadOnlySpan<float> gradients) => Update(start, parameters, gradients);

    /// <summary>The update of the parameters from <paramref name="start"/> on (a range of them, or all).</summary>
    private void Update(int start, Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        float lr = LearningRate, wd = WeightDecay, mu = Momentum;
        if (mu == 0f)
        {
            // θ = θ − lr·(g + wd·θ) = (1 − lr·wd)·θ − lr·g, written as PyTorch orders it: θ − lr·(g + wd·θ).
            if (wd == 0f)
                TensorPrimitives.MultiplyAdd(gradients, -lr, parameters, parameters);
            else
                StepWithoutMomentum(parameters, gradients, lr, wd);
            return;
        }
        StepWithMomentum(parameters, gradients, _velocity.AsSpan(start, parameters.Length), lr, wd, mu, Nesterov, _hasVelocity);
    }

    private static void StepWithoutMomentum(Span<float> parameters, ReadOnlySpan<float> gradients, float lr, float wd)
    {
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        nuint n = (nuint)parameters.Length, i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i + (nuint)Vector<float>.Count <= n; i += (nuint)Vector<float>.Count)
            {
                Vector<float> theta = Vector.LoadUnsafe(ref p, i);
                Vector<float> grad = Vector.LoadUnsafe(ref g, i) + wd * theta;
                Vector.StoreUnsafe(theta - lr * grad, ref p, i);
            }
        }
        for (; i < n; i++)
        {
            float grad = Unsafe.Add(ref g, i) + wd * Unsafe.Add(ref p, i);
            Unsafe.Add(ref p, i) -= lr * grad;
        }
    }

    private static void StepWithMomentum(
        Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> velocity,
        float lr, float wd, float mu, bool nesterov, bool hasVelocity)
    {
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float v = ref MemoryMarshal.GetReference(velocity);
        // On the first step PyTorch sets b = g, which is μ·0 + g; only the scale of the old buffer differs.
        float keep = hasVelocity ? mu : 0f;
        // Without weight decay the term is skipped, as PyTorch does: 0·θ would turn an infinite θ into NaN.
        bool decay = wd != 0f;
        nuint n = (nuint)parameters.Length, i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i + (nuint)Vector<float>.Count <= n; i += (nuint)Vector<float>.Count)
            {
                Vector<float> theta = Vector.LoadUnsafe(ref p, i);
                Vector<float> grad = Vector.LoadUnsafe(ref g, i);
                if (decay) grad += wd * theta;
                Vector<float> b = VectorOps.FlushSubnormal(keep * Vector.LoadUnsafe(ref v, i) + grad);
                Vector.StoreUnsafe(b, ref v, i);
                Vector<float> update = nesterov ? grad + mu * b : b;
                Vector.StoreUnsafe(theta - lr * update, ref p, i);
            }
        }
        for (; i < n; i++)
        {
            float theta = Unsafe.Add(ref p, i);
            float grad = Unsafe.Add(ref g, i);
            if (decay) grad += wd * theta;
            float b = VectorOps.FlushSubnormal(keep * Unsafe.Add(ref v, i) + grad);
            Unsafe.Add(ref v, i) = b;
            float update = nesterov ? grad + mu * b : b;
            Unsafe.Add(ref p, i) = theta - lr * update;
        }
    }

    /// <inheritdoc/>
    public void WriteState(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(nameof(Sgd));
        writer.Write(LearningRate);
        writer.Write(Momentum);
        writer.Write(Nesterov);
        writer.Write(WeightDecay);
        writer.Write(_hasVelocity);
        OptimizerChecks.WriteBuffer(writer, _hasVelocity ? _velocity : null);
    }

    /// <inheritdoc/>
    public void ReadState(BinaryReader reader)
    {
        var s = OptimizerChecks.Read(reader, nameof(Sgd), r =>
        (
            Lr: OptimizerChecks.ReadSetting(r, "learningRate", OptimizerChecks.NonNegative),
            Momentum: OptimizerChecks.ReadSetting(r, "momentum", OptimizerChecks.NonNegative),
            Nesterov: r.ReadBoolean(),
            WeightDecay: OptimizerChecks.ReadSetting(r, "weightDecay", OptimizerChecks.NonNegative),
            HasVelocity: r.ReadBoolean(),
            Velocity: OptimizerChecks.ReadBuffer(r)
        ));
        if (s.HasVelocity != s.Velocity is not null)
            throw new InvalidDataException("The SGD state is inconsistent: the momentum flag does not match the stored buffer.");
        if (s.Nesterov && s.Momentum <= 0)
            throw new InvalidDataException("The SGD state is corrupt: Nesterov momentum is set without momentum.");
        (LearningRate, Momentum, Nesterov, WeightDecay) = (s.Lr, s.Momentum, s.Nesterov, s.WeightDecay);
        (_hasVelocity, _velocity) = (s.HasVelocity, s.Velocity);
    }

    /// <inheritdoc/>
    public void Reset()
    {
        _velocity = null;
        _hasVelocity = false;
    }
}
