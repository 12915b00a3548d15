using NetGen.CompilerServices;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Optimizers;

/// <summary>
/// Adagrad (Duchi et al., 2011), exactly as PyTorch's <c>torch.optim.Adagrad</c>:
/// <code>
/// t  = t + 1
/// g  = grad + weightDecay·θ   (the term is skipped when weightDecay = 0, as in PyTorch)
/// η  = lr / (1 + (t − 1)·learningRateDecay)
/// s  = s + g²                 (s starts at initialAccumulator)
/// θ  = θ − η·g / (√s + ε)
/// </code>
/// </summary>
public sealed class Adagrad : IOptimizer, IRangeUpdate, IThreadedOptimizer
{
    private float[]? _sum;
    private long _step;
    private float _clr; // the current step's decayed learning rate
    private int _threads = 1;
    private ParallelUpdate? _parallel;

    /// <summary>Creates the optimizer with PyTorch's defaults.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is negative or not finite.</exception>
    public Adagrad(float learningRate = 0.01f, float learningRateDecay = 0f, float weightDecay = 0f,
        float initialAccumulator = 0f, float epsilon = 1e-10f)
    {
        OptimizerChecks.NonNegative(learningRate, nameof(learningRate));
        OptimizerChecks.NonNegative(learningRateDecay, nameof(learningRateDecay));
        OptimizerChecks.NonNegative(weightDecay, nameof(weightDecay));
        OptimizerChecks.NonNegative(initialAccumulator, nameof(initialAccumulator));
        OptimizerChecks.NonNegative(epsilon, nameof(epsilon));
        LearningRate = learningRate;
        LearningRateDecay = learningRateDecay;
        WeightDecay = weightDecay;
        InitialAccumulator = initialAccumulator;
        Epsilon = epsilon;
    }

    /// <inheritdoc/>
    public float LearningRate { get; set; }

    /// <summary>The per-step decay of the learning rate: step t uses lr / (1 + (t − 1)·decay).</summary>
    public float LearningRateDecay { get; private set; }

    /// <summary>The L2 penalty added to the gradient.</summary>
    public float WeightDecay { get; private set; }

    /// <summary>The value the sum of squared gradients starts from.</summary>
    public float InitialAccumulator { get; private set; }

    /// <summary>The term added to the denominator for numerical stability.</summary>
    public float Epsilon { get; private set; }

    /// <summary>The number of steps taken since construction or <see cref="Reset"/>.</summary>
    public long StepCount => _step;

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
        OptimizerChecks.State(ref _sum, parameters.Length, InitialAccumulator);
        long t = ++_step;
        _clr = (float)(LearningRate / (1 + (t - 1) * (double)LearningRateDecay));
        ParallelUpdate.Step(this, ref _parallel, _threads, parameters, gradients);
    }

    void IRangeUpdate.UpdateRange(int start, Span<float> parameters, ReadOnlySpan<float> gradients) => Update(start, parameters, gradients);

    /// <summary>The update of the parameters from <paramref name="start"/> on (a range of them, or all).</summary>
    private void Update(int start, Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        float clr = _clr, wd = WeightDecay, eps = Epsilon;
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float s = ref MemoryMarshal.GetReference(_sum.AsSpan(start, parameters.Length));
        nuint n = (nuint)parameters.Length;
        // The widest vectors the machine runs at full speed (a 512-bit square root or division costs the same time as
        // a 256-bit one here, and each update needs one of each).
        nuint i = Vector512.IsHardwareAccelerated ? UpdateVectors<Simd512, Vector512<float>>(ref p, ref g, ref s, n, clr, wd, eps)
            : Vector256.IsHardwareAccelerated ? UpdateVectors<Simd256, Vector256<float>>(ref p, ref g, ref s, n, clr, wd, eps)
            : Vector128.IsHardwareAccelerated ? UpdateVectors<Simd128, Vector128<float>>(ref p, ref g, ref s, n, clr, wd, eps)
            : 0;
        for (; i < n; i++)
        {
            float theta = Unsafe.Add(ref p, i);
            float grad = Unsafe.Add(ref g, i);
            if (wd != 0f) grad += wd * theta; // skipped without decay, as PyTorch does: 0·θ would turn an infinite θ into NaN
            float acc = Unsafe.Add(ref s, i) + grad * grad;
            Unsafe.Add(ref s, i) = acc;
            Unsafe.Add(ref p, i) = theta - clr * (grad / (MathF.Sqrt(acc) + eps));
        }
    }

    /// <summary>
    /// The scalar tail's update, a vector of <typeparamref name="TWidth"/> at a time, operation for operation (so every
    /// width gives the same bits); returns how many of the <paramref name="n"/> elements it updated.
    /// </summary>
    private static nuint UpdateVectors<TWidth, TVector>(ref float p, ref float g, ref float s, nuint n, float learningRate, float weightDecay, float epsilon)
        where TWidth : ISimdWidth<TVector> where TVector : struct
    {
        TVector clr = TWidth.Broadcast(learningRate), wd = TWidth.Broadcast(weightDecay), eps = TWidth.Broadcast(epsilon);
        bool decay = weightDecay != 0f;
        nuint i = 0;
        for (; i + (nuint)TWidth.Count <= n; i += (nuint)TWidth.Count)
        {
            TVector theta = TWidth.Load(ref p, i);
            TVector grad = TWidth.Load(ref g, i);
            if (decay) grad = TWidth.Add(grad, TWidth.Multiply(wd, theta));
            TVector acc = TWidth.Add(TWidth.Load(ref s, i), TWidth.Multiply(grad, grad));
            TWidth.Store(acc, ref s, i);
            TWidth.Store(TWidth.Subtract(theta, TWidth.Multiply(clr, TWidth.Divide(grad, TWidth.Add(TWidth.Sqrt(acc), eps)))), ref p, i);
        }
        return i;
    }

    /// <inheritdoc/>
    public void WriteState(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(nameof(Adagrad));
        writer.Write(LearningRate);
        writer.Write(LearningRateDecay);
        writer.Write(WeightDecay);
        writer.Write(InitialAccumulator);
        writer.Write(Epsilon);
        writer.Write(_step);
        OptimizerChecks.WriteBuffer(writer, _sum);
    }

    /// <inheritdoc/>
    public void ReadState(BinaryReader reader)
    {
        var s = OptimizerChecks.Read(reader, nameof(Adagrad), r =>
        (
            Lr: OptimizerChecks.ReadSetting(r, "learningRate", OptimizerChecks.NonNegative),
            LrDecay: OptimizerChecks.ReadSetting(r, "learningRateDecay", OptimizerChecks.NonNegative),
            WeightDecay: OptimizerChecks.ReadSetting(r, "weightDecay", OptimizerChecks.NonNegative),
            Initial: OptimizerChecks.ReadSetting(r, "initialAccumulator", OptimizerChecks.NonNegative),
            Epsilon: OptimizerChecks.ReadSetting(r, "epsilon", OptimizerChecks.NonNegative),
            Step: r.ReadInt64(),
            Sum: OptimizerChecks.ReadBuffer(r)
        ));
        if (s.Step < 0 || (s.Step == 0) != (s.Sum is null))
            throw new InvalidDataException($"The Adagrad state is inconsistent: step count {s.Step} does not match the stored accumulator.");
        (LearningRate, LearningRateDecay, WeightDecay, InitialAccumulator, Epsilon) = (s.Lr, s.LrDecay, s.WeightDecay, s.Initial, s.Epsilon);
        (_step, _sum) = (s.Step, s.Sum);
    }

    /// <inheritdoc/>
    public void Reset()
    {
        _sum = null;
        _step = 0;
    }
}
