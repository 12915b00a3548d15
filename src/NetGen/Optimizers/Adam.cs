using NetGen.CompilerServices;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Optimizers;

/// <summary>
/// Adam (Kingma &amp; Ba, 2015), exactly as PyTorch's <c>torch.optim.Adam</c>:
/// <code>
/// t = t + 1
/// decoupled ? θ = θ·(1 − lr·weightDecay)  :  g = grad + weightDecay·θ   (skipped when weightDecay = 0, as in PyTorch)
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
    private Coefficients _current;

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
    /// Threads a step is split over (consecutive ranges of the parameters, once there are enough of them to pay for the
    /// hand-off; the threshold follows from the machine); default 1. Every parameter gets the same arithmetic on any thread, so results do not depend on it.
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
        _current = new Coefficients(stepSize, (float)correction2Sqrt, shrink, l2, Beta1, Beta2, Epsilon);
        ParallelUpdate.Step(this, ref _parallel, _threads, parameters, gradients);
    }

    void IRangeUpdate.UpdateRange(int start, Span<float> parameters, ReadOnlySpan<float> gradients) =>
        Update(parameters, gradients, _m.AsSpan(start, parameters.Length), _v.AsSpan(start, parameters.Length));

    private void Update(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> firstMoment, Span<float> secondMoment)
    {
        Coefficients c = _current;
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float m = ref MemoryMarshal.GetReference(firstMoment);
        ref float v = ref MemoryMarshal.GetReference(secondMoment);
        nuint n = (nuint)parameters.Length;
        // The widest vectors the machine runs at full speed: each update needs a square root and two divisions, and
        // a 512-bit division or square root costs the same time as a 256-bit one here, so Vector512 halves that part.
        nuint i = Vector512.IsHardwareAccelerated ? UpdateVectors<Simd512, Vector512<float>>(ref p, ref g, ref m, ref v, n, c)
            : Vector256.IsHardwareAccelerated ? UpdateVectors<Simd256, Vector256<float>>(ref p, ref g, ref m, ref v, n, c)
            : Vector128.IsHardwareAccelerated ? UpdateVectors<Simd128, Vector128<float>>(ref p, ref g, ref m, ref v, n, c)
            : 0;
        for (; i < n; i++)
        {
            float theta = Unsafe.Add(ref p, i);
            float grad = Unsafe.Add(ref g, i);
            if (c.L2 != 0f) grad += c.L2 * theta; // skipped without L2 decay, as PyTorch does: 0·θ would turn an infinite θ into NaN
            float mean = Unsafe.Add(ref m, i);
            mean = VectorOps.FlushSubnormal(mean + c.Rest1 * (grad - mean));
            float square = VectorOps.FlushSubnormal(c.Beta2 * Unsafe.Add(ref v, i) + c.Rest2 * (grad * grad));
            Unsafe.Add(ref m, i) = mean;
            Unsafe.Add(ref v, i) = square;
            float denominator = MathF.Sqrt(square) / c.Correction2Sqrt + c.Epsilon;
            Unsafe.Add(ref p, i) = theta * c.Shrink - c.StepSize * (mean / denominator);
        }
    }

    /// <summary>The update's constants for one step (set by <see cref="Step"/>, read by each range's update).</summary>
    private readonly record struct Coefficients(float StepSize, float Correction2Sqrt, float Shrink, float L2, float Beta1, float Beta2, float Epsilon)
    {
        public float Rest1 => 1 - Beta1;
        public float Rest2 => 1 - Beta2;
    }

    /// <summary>
    /// The scalar tail's update, a vector of <typeparamref name="TWidth"/> at a time, operation for operation (so every
    /// width gives the same bits); returns how many of the <paramref name="n"/> elements it updated.
    /// </summary>
    private static nuint UpdateVectors<TWidth, TVector>(ref float p, ref float g, ref float m, ref float v, nuint n, Coefficients c)
        where TWidth : ISimdWidth<TVector> where TVector : struct
    {
        TVector l2 = TWidth.Broadcast(c.L2), rest1 = TWidth.Broadcast(c.Rest1), rest2 = TWidth.Broadcast(c.Rest2), beta2 = TWidth.Broadcast(c.Beta2);
        TVector correction = TWidth.Broadcast(c.Correction2Sqrt), epsilon = TWidth.Broadcast(c.Epsilon);
        TVector shrink = TWidth.Broadcast(c.Shrink), stepSize = TWidth.Broadcast(c.StepSize);
        bool decay = c.L2 != 0f;
        nuint i = 0;
        for (; i + (nuint)TWidth.Count <= n; i += (nuint)TWidth.Count)
        {
            TVector theta = TWidth.Load(ref p, i);
            TVector grad = TWidth.Load(ref g, i);
            if (decay) grad = TWidth.Add(grad, TWidth.Multiply(l2, theta));
            TVector mean = TWidth.Load(ref m, i);
            mean = TWidth.FlushSubnormal(TWidth.Add(mean, TWidth.Multiply(rest1, TWidth.Subtract(grad, mean))));
            TVector square = TWidth.FlushSubnormal(TWidth.Add(TWidth.Multiply(beta2, TWidth.Load(ref v, i)), TWidth.Multiply(rest2, TWidth.Multiply(grad, grad))));
            TWidth.Store(mean, ref m, i);
            TWidth.Store(square, ref v, i);
            TVector denominator = TWidth.Add(TWidth.Divide(TWidth.Sqrt(square), correction), epsilon);
            TWidth.Store(TWidth.Subtract(TWidth.Multiply(theta, shrink), TWidth.Multiply(stepSize, TWidth.Divide(mean, denominator))), ref p, i);
        }
        return i;
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
