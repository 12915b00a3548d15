using NetGen.Kernels;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen.Optimizers;

/// <summary>
/// Adam (Kingma &amp; Ba, 2015), exactly as PyTorch's <c>torch.optim.Adam</c>:
/// <code>
/// t = t + 1
/// decoupled ? θ = θ·(1 − lr·weightDecay)  :  g = grad + weightDecay·θ
/// m = m + (1 − β₁)·(g − m)
/// v = β₂·v + (1 − β₂)·g²
/// θ = θ − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
/// </code>
/// With <c>decoupledWeightDecay</c> this is AdamW (Loshchilov &amp; Hutter, 2019); <see cref="AdamW"/> is that
/// setting with PyTorch's AdamW defaults.
/// </summary>
public class Adam : IOptimizer, IRangeUpdate, IThreadedOptimizer
{
    private float[]? _m;
    private float[]? _v;
    private long _step;
    private int _threads = 1;
    private ParallelUpdate? _parallel;
    private (float StepSize, float Correction2Sqrt, float Shrink, float L2) _current;

    /// <summary>Creates the optimizer with PyTorch's defaults.</summary>
    /// <param name="learningRate">The step size (lr).</param>
    /// <param name="beta1">The decay rate of the first-moment estimate.</param>
    /// <param name="beta2">The decay rate of the second-moment estimate.</param>
    /// <param name="epsilon">The term added to the denominator for numerical stability.</param>
    /// <param name="weightDecay">The weight-decay factor: an L2 penalty added to the gradient, or with
    /// <paramref name="decoupledWeightDecay"/> a shrink of θ by lr·weightDecay before the update.</param>
    /// <param name="decoupledWeightDecay">Whether to decouple weight decay from the gradient (AdamW).</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is negative or not finite, or a β is not in [0, 1).</exception>
    public Adam(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f,
        float weightDecay = 0f, bool decoupledWeightDecay = false)
    {
        OptimizerChecks.NonNegative(learningRate, nameof(learningRate));
        OptimizerChecks.Beta(beta1, nameof(beta1));
        OptimizerChecks.Beta(beta2, nameof(beta2));
        OptimizerChecks.NonNegative(epsilon, nameof(epsilon));
        OptimizerChecks.NonNegative(weightDecay, nameof(weightDecay));
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        DecoupledWeightDecay = decoupledWeightDecay;
    }

    /// <inheritdoc/>
    public float LearningRate { get; set; }

    /// <summary>The decay rate of the first-moment (mean) estimate.</summary>
    public float Beta1 { get; private set; }

    /// <summary>The decay rate of the second-moment (uncentered variance) estimate.</summary>
    public float Beta2 { get; private set; }

    /// <summary>The term added to the denominator for numerical stability.</summary>
    public float Epsilon { get; private set; }

    /// <summary>The weight-decay factor.</summary>
    public float WeightDecay { get; private set; }

    /// <summary>Whether weight decay shrinks θ directly (AdamW) instead of being added to the gradient.</summary>
    public bool DecoupledWeightDecay { get; }

    /// <summary>
    /// Threads a step is split over (consecutive ranges of the parameters; from 32,768 parameters on, below that one
    /// thread); default 1. Every parameter gets the same arithmetic on any thread, so results do not depend on it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not between 1 and 64.</exception>
    public int Threads
    {
        get => _threads;
        set => _threads = OptimizerChecks.Threads(value);
    }

    /// <summary>The number of steps taken since construction or <see cref="Reset"/>.</summary>
    public long StepCount => _step;

    /// <summary>The name written as the kind of the saved state.</summary>
    private string Kind => GetType().Name;

    /// <inheritdoc/>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        OptimizerChecks.SameLength(parameters, gradients);
        OptimizerChecks.State(ref _m, parameters.Length);
        OptimizerChecks.State(ref _v, parameters.Length);
        long t = ++_step;
        // PyTorch computes the bias corrections and the step size in double precision.
        double correction1 = 1 - Math.Pow(Beta1, t);
        double correction2Sqrt = Math.Sqrt(1 - Math.Pow(Beta2, t));
        float stepSize = (float)(LearningRate / correction1);
        float l2 = DecoupledWeightDecay ? 0f : WeightDecay;
        float shrink = DecoupledWeightDecay ? 1f - LearningRate * WeightDecay : 1f;
        _current = (stepSize, (float)correction2Sqrt, shrink, l2);
        ParallelUpdate.Step(this, ref _parallel, _threads, parameters, gradients);
    }

    void IRangeUpdate.UpdateRange(int start, Span<float> parameters, ReadOnlySpan<float> gradients) =>
        Update(parameters, gradients, _m.AsSpan(start, parameters.Length), _v.AsSpan(start, parameters.Length));

    private void Update(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> firstMoment, Span<float> secondMoment)
    {
        var (stepSize, correction2Sqrt, shrink, l2) = _current;
        float beta1 = Beta1, beta2 = Beta2, eps = Epsilon;
        float rest1 = 1 - beta1, rest2 = 1 - beta2;
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float m = ref MemoryMarshal.GetReference(firstMoment);
        ref float v = ref MemoryMarshal.GetReference(secondMoment);
        nuint n = (nuint)parameters.Length, i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var epsilon = new Vector<float>(eps);
            var correction = new Vector<float>(correction2Sqrt);
            for (; i + (nuint)Vector<float>.Count <= n; i += (nuint)Vector<float>.Count)
            {
                Vector<float> theta = Vector.LoadUnsafe(ref p, i);
                Vector<float> grad = Vector.LoadUnsafe(ref g, i) + l2 * theta;
                Vector<float> mean = Vector.LoadUnsafe(ref m, i);
                mean = VectorOps.FlushSubnormal(mean + rest1 * (grad - mean));
                Vector<float> square = VectorOps.FlushSubnormal(beta2 * Vector.LoadUnsafe(ref v, i) + rest2 * (grad * grad));
                Vector.StoreUnsafe(mean, ref m, i);
                Vector.StoreUnsafe(square, ref v, i);
                Vector<float> denominator = Vector.SquareRoot(square) / correction + epsilon;
                Vector.StoreUnsafe(theta * shrink - stepSize * (mean / denominator), ref p, i);
            }
        }
        for (; i < n; i++)
        {
            float theta = Unsafe.Add(ref p, i);
            float grad = Unsafe.Add(ref g, i) + l2 * theta;
            float mean = Unsafe.Add(ref m, i);
            mean = VectorOps.FlushSubnormal(mean + rest1 * (grad - mean));
            float square = VectorOps.FlushSubnormal(beta2 * Unsafe.Add(ref v, i) + rest2 * (grad * grad));
            Unsafe.Add(ref m, i) = mean;
            Unsafe.Add(ref v, i) = square;
            float denominator = MathF.Sqrt(square) / correction2Sqrt + eps;
            Unsafe.Add(ref p, i) = theta * shrink - stepSize * (mean / denominator);
        }
    }

    /// <inheritdoc/>
    public void WriteState(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Kind);
        writer.Write(LearningRate);
        writer.Write(Beta1);
        writer.Write(Beta2);
        writer.Write(Epsilon);
        writer.Write(WeightDecay);
        writer.Write(DecoupledWeightDecay);
        writer.Write(_step);
        OptimizerChecks.WriteBuffer(writer, _m);
        OptimizerChecks.WriteBuffer(writer, _v);
    }

    /// <inheritdoc/>
    public void ReadState(BinaryReader reader)
    {
        var s = OptimizerChecks.Read(reader, Kind, r =>
        (
            Lr: OptimizerChecks.ReadSetting(r, "learningRate", OptimizerChecks.NonNegative),
            Beta1: OptimizerChecks.ReadSetting(r, "beta1", OptimizerChecks.Beta),
            Beta2: OptimizerChecks.ReadSetting(r, "beta2", OptimizerChecks.Beta),
            Epsilon: OptimizerChecks.ReadSetting(r, "epsilon", OptimizerChecks.NonNegative),
            WeightDecay: OptimizerChecks.ReadSetting(r, "weightDecay", OptimizerChecks.NonNegative),
            Decoupled: r.ReadBoolean(),
            Step: r.ReadInt64(),
            M: OptimizerChecks.ReadBuffer(r),
            V: OptimizerChecks.ReadBuffer(r)
        ));
        if (s.Decoupled != DecoupledWeightDecay)
            throw new InvalidDataException($"The saved {Kind} state uses {(s.Decoupled ? "decoupled" : "L2")} weight decay but this optimizer uses {(DecoupledWeightDecay ? "decoupled" : "L2")} weight decay.");
        OptimizerChecks.SameLengths(Kind, s.M, s.V);
        if (s.Step < 0 || (s.M is null) != (s.V is null) || (s.Step == 0) != (s.M is null))
            throw new InvalidDataException($"The {Kind} state is inconsistent: step count {s.Step} does not match the stored moments.");
        (LearningRate, Beta1, Beta2, Epsilon, WeightDecay) = (s.Lr, s.Beta1, s.Beta2, s.Epsilon, s.WeightDecay);
        (_step, _m, _v) = (s.Step, s.M, s.V);
    }

    /// <inheritdoc/>
    public void Reset()
    {
        _m = null;
        _v = null;
        _step = 0;
    }
}
