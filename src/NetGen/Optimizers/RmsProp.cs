using NetGen.CompilerServices;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Optimizers;

/// <summary>
/// RMSProp (Hinton, 2012), exactly as PyTorch's <c>torch.optim.RMSprop</c>:
/// <code>
/// g   = grad + weightDecay·θ   (the term is skipped when weightDecay = 0, as in PyTorch)
/// s   = α·s + (1 − α)·g²
/// a   = centered ? a + (1 − α)·(g − a) : 0        (running mean of g)
/// d   = √(s − a²) + ε
/// b   = momentum·b + g / d                           (only with momentum > 0)
/// θ   = θ − lr·(momentum > 0 ? b : g / d)
/// </code>
/// </summary>
/// <remarks>In the centered variant s − a² is mathematically ≥ 0; it is clamped at 0 so that rounding cannot take the
/// square root of a tiny negative number (PyTorch would produce NaN there).</remarks>
public sealed class RmsProp : IOptimizer, IRangeUpdate, IThreadedOptimizer
{
    private int _threads = 1;
    private ParallelUpdate? _parallel;
    private float[]? _squareAverage;
    private float[]? _gradientAverage;
    private float[]? _momentumBuffer;

    /// <summary>Creates the optimizer with PyTorch's defaults.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is negative or not finite, or <paramref name="alpha"/> is not in [0, 1).</exception>
    public RmsProp(float learningRate = 0.01f, float alpha = 0.99f, float epsilon = 1e-8f, float weightDecay = 0f,
        float momentum = 0f, bool centered = false)
    {
        OptimizerChecks.NonNegative(learningRate, nameof(learningRate));
        OptimizerChecks.Beta(alpha, nameof(alpha));
        OptimizerChecks.NonNegative(epsilon, nameof(epsilon));
        OptimizerChecks.NonNegative(weightDecay, nameof(weightDecay));
        OptimizerChecks.NonNegative(momentum, nameof(momentum));
        LearningRate = learningRate;
        Alpha = alpha;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        Momentum = momentum;
        Centered = centered;
    }

    /// <inheritdoc/>
    public float LearningRate { get; set; }

    /// <summary>The smoothing constant of the running average of squared gradients.</summary>
    public float Alpha { get; private set; }

    /// <summary>The term added to the denominator for numerical stability.</summary>
    public float Epsilon { get; private set; }

    /// <summary>The L2 penalty added to the gradient.</summary>
    public float WeightDecay { get; private set; }

    /// <summary>The momentum factor (0 disables momentum).</summary>
    public float Momentum { get; private set; }

    /// <summary>Whether the squared average is centered by the running mean of the gradient.</summary>
    public bool Centered { get; private set; }

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
        int length = parameters.Length;
        OptimizerChecks.State(ref _squareAverage, length);
        // Buffers a setting does not use are never created, and never read below.
        if (Centered) OptimizerChecks.State(ref _gradientAverage, length);
        if (Momentum > 0) OptimizerChecks.State(ref _momentumBuffer, length);
        ParallelUpdate.Step(this, ref _parallel, _threads, parameters, gradients);
    }

    void IRangeUpdate.UpdateRange(int start, Span<float> parameters, ReadOnlySpan<float> gradients) => Update(start, parameters, gradients);

    /// <summary>The update of the parameters from <paramref name="start"/> on (a range of them, or all).</summary>
    private void Update(int start, Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        int count = parameters.Length;
        float lr = LearningRate, alpha = Alpha, eps = Epsilon, wd = WeightDecay, mu = Momentum;
        bool centered = Centered, momentum = mu > 0;
        float rest = 1 - alpha;
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float s = ref MemoryMarshal.GetReference(_squareAverage.AsSpan(start, count));
        ref float a = ref MemoryMarshal.GetReference(centered ? _gradientAverage.AsSpan(start, count) : default);
        ref float b = ref MemoryMarshal.GetReference(momentum ? _momentumBuffer.AsSpan(start, count) : default);
        nuint n = (nuint)parameters.Length;
        var c = new Coefficients(lr, alpha, eps, wd, mu, centered, momentum);
        // The widest vectors the machine runs at full speed (a 512-bit square root or division costs the same time as
        // a 256-bit one here, and each update needs one of each).
        nuint i = Vector512.IsHardwareAccelerated ? UpdateVectors<Simd512, Vector512<float>>(ref p, ref g, ref s, ref a, ref b, n, c)
            : Vector256.IsHardwareAccelerated ? UpdateVectors<Simd256, Vector256<float>>(ref p, ref g, ref s, ref a, ref b, n, c)
            : Vector128.IsHardwareAccelerated ? UpdateVectors<Simd128, Vector128<float>>(ref p, ref g, ref s, ref a, ref b, n, c)
            : 0;
        for (; i < n; i++)
        {
            float theta = Unsafe.Add(ref p, i);
            float grad = Unsafe.Add(ref g, i);
            if (wd != 0f) grad += wd * theta; // skipped without decay, as PyTorch does: 0·θ would turn an infinite θ into NaN
            float sq = VectorOps.FlushSubnormal(alpha * Unsafe.Add(ref s, i) + rest * (grad * grad));
            Unsafe.Add(ref s, i) = sq;
            float variance = sq;
            if (centered)
            {
                float avg = Unsafe.Add(ref a, i);
                avg = VectorOps.FlushSubnormal(avg + rest * (grad - avg));
                Unsafe.Add(ref a, i) = avg;
                variance = MathF.Max(sq - avg * avg, 0f);
            }
            float step = grad / (MathF.Sqrt(variance) + eps);
            if (momentum)
            {
                step = VectorOps.FlushSubnormal(mu * Unsafe.Add(ref b, i) + step);
                Unsafe.Add(ref b, i) = step;
            }
            Unsafe.Add(ref p, i) = theta - lr * step;
        }
    }

    /// <summary>The update's constants for one step.</summary>
    private readonly record struct Coefficients(float LearningRate, float Alpha, float Epsilon, float WeightDecay, float Momentum, bool Centered, bool UsesMomentum);

    /// <summary>
    /// The scalar tail's update, a vector of <typeparamref name="TWidth"/> at a time, operation for operation (so every
    /// width gives the same bits); returns how many of the <paramref name="n"/> elements it updated.
    /// </summary>
    private static nuint UpdateVectors<TWidth, TVector>(ref float p, ref float g, ref float s, ref float a, ref float b, nuint n, Coefficients c)
        where TWidth : ISimdWidth<TVector> where TVector : struct
    {
        TVector lr = TWidth.Broadcast(c.LearningRate), alpha = TWidth.Broadcast(c.Alpha), rest = TWidth.Broadcast(1 - c.Alpha);
        TVector epsilon = TWidth.Broadcast(c.Epsilon), wd = TWidth.Broadcast(c.WeightDecay), mu = TWidth.Broadcast(c.Momentum), zero = TWidth.Broadcast(0f);
        bool decay = c.WeightDecay != 0f;
        nuint i = 0;
        for (; i + (nuint)TWidth.Count <= n; i += (nuint)TWidth.Count)
        {
            TVector theta = TWidth.Load(ref p, i);
            TVector grad = TWidth.Load(ref g, i);
            if (decay) grad = TWidth.Add(grad, TWidth.Multiply(wd, theta));
            TVector sq = TWidth.FlushSubnormal(TWidth.Add(TWidth.Multiply(alpha, TWidth.Load(ref s, i)), TWidth.Multiply(rest, TWidth.Multiply(grad, grad))));
            TWidth.Store(sq, ref s, i);
            TVector variance = sq;
            if (c.Centered)
            {
                TVector avg = TWidth.Load(ref a, i);
                avg = TWidth.FlushSubnormal(TWidth.Add(avg, TWidth.Multiply(rest, TWidth.Subtract(grad, avg))));
                TWidth.Store(avg, ref a, i);
                variance = TWidth.Max(TWidth.Subtract(sq, TWidth.Multiply(avg, avg)), zero);
            }
            TVector step = TWidth.Divide(grad, TWidth.Add(TWidth.Sqrt(variance), epsilon));
            if (c.UsesMomentum)
            {
                step = TWidth.FlushSubnormal(TWidth.Add(TWidth.Multiply(mu, TWidth.Load(ref b, i)), step));
                TWidth.Store(step, ref b, i);
            }
            TWidth.Store(TWidth.Subtract(theta, TWidth.Multiply(lr, step)), ref p, i);
        }
        return i;
    }

    /// <inheritdoc/>
    public void WriteState(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(nameof(RmsProp));
        writer.Write(LearningRate);
        writer.Write(Alpha);
        writer.Write(Epsilon);
        writer.Write(WeightDecay);
        writer.Write(Momentum);
        writer.Write(Centered);
        OptimizerChecks.WriteBuffer(writer, _squareAverage);
        OptimizerChecks.WriteBuffer(writer, _gradientAverage);
        OptimizerChecks.WriteBuffer(writer, _momentumBuffer);
    }

    /// <inheritdoc/>
    public void ReadState(BinaryReader reader)
    {
        var s = OptimizerChecks.Read(reader, nameof(RmsProp), r =>
        (
            Lr: OptimizerChecks.ReadSetting(r, "learningRate", OptimizerChecks.NonNegative),
            Alpha: OptimizerChecks.ReadSetting(r, "alpha", OptimizerChecks.Beta),
            Epsilon: OptimizerChecks.ReadSetting(r, "epsilon", OptimizerChecks.NonNegative),
            WeightDecay: OptimizerChecks.ReadSetting(r, "weightDecay", OptimizerChecks.NonNegative),
            Momentum: OptimizerChecks.ReadSetting(r, "momentum", OptimizerChecks.NonNegative),
            Centered: r.ReadBoolean(),
            Square: OptimizerChecks.ReadBuffer(r),
            Mean: OptimizerChecks.ReadBuffer(r),
            Buffer: OptimizerChecks.ReadBuffer(r)
        ));
        OptimizerChecks.SameLengths(nameof(RmsProp), s.Square, s.Mean, s.Buffer);
        bool started = s.Square is not null;
        if ((s.Mean is not null) != (started && s.Centered) || (s.Buffer is not null) != (started && s.Momentum > 0))
            throw new InvalidDataException("The RmsProp state is inconsistent: its stored buffers do not match its settings.");
        (LearningRate, Alpha, Epsilon, WeightDecay, Momentum, Centered) = (s.Lr, s.Alpha, s.Epsilon, s.WeightDecay, s.Momentum, s.Centered);
        (_squareAverage, _gradientAverage, _momentumBuffer) = (s.Square, s.Mean, s.Buffer);
    }

    /// <inheritdoc/>
    public void Reset()
    {
        _squareAverage = null;
        _gradientAverage = null;
        _momentumBuffer = null;
    }
}
