using NetGen.Optimizers;

namespace NetGen.Tests.Training;

/// <summary>
/// Each optimizer against its documented PyTorch update rule, evaluated independently in double precision for several
/// steps on 37 parameters (so both the vector loop and the scalar tail run).
/// </summary>
public class OptimizerTests
{
    private const int Length = 37, Steps = 6;

    private static float[] StartParameters() => [.. Enumerable.Range(0, Length).Select(i => MathF.Sin(i + 1) * 1.5f)];

    /// <summary>A deterministic gradient that differs per step and per element and includes zeros.</summary>
    private static float[] Gradient(int step) =>
        [.. Enumerable.Range(0, Length).Select(i => i % 11 == 0 ? 0f : MathF.Cos(3 * i + step) * (1 + step % 3))];

    /// <summary>Runs <paramref name="optimizer"/> and the double-precision <paramref name="reference"/> side by side.</summary>
    private static void AssertMatches(IOptimizer optimizer, Action<double[], double[]> reference, int steps = Steps)
    {
        float[] p = StartParameters();
        double[] expected = [.. p.Select(v => (double)v)];
        for (int t = 0; t < steps; t++)
        {
            float[] g = Gradient(t);
            optimizer.Step(p, g);
            reference(expected, [.. g.Select(v => (double)v)]);
            for (int i = 0; i < Length; i++)
                Assert.True(Math.Abs(p[i] - expected[i]) <= 1e-6, $"step {t + 1}, element {i}: {p[i]} vs expected {expected[i]}");
        }
    }

    [Theory]
    [InlineData(0.1f, 0f, false, 0f)]
    [InlineData(0.1f, 0f, false, 0.01f)]
    [InlineData(0.05f, 0.9f, false, 0f)]
    [InlineData(0.05f, 0.9f, true, 0f)]
    [InlineData(0.05f, 0.8f, true, 0.1f)]
    public void SgdFollowsTorchRule(float lr, float momentum, bool nesterov, float wd)
    {
        double[] b = new double[Length];
        bool first = true;
        AssertMatches(new Sgd(lr, momentum, nesterov, wd), (p, g) =>
        {
            for (int i = 0; i < Length; i++)
            {
                double d = g[i] + wd * p[i];
                if (momentum != 0)
                {
                    b[i] = first ? d : momentum * b[i] + d;
                    d = nesterov ? d + momentum * b[i] : b[i];
                }
                p[i] -= lr * d;
            }
            first = false;
        });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SgdMomentumIsTheFloatRuleBitForBitIncludingFlushesAndSpecialValues(bool nesterov)
    {
        // Parameters and gradients chosen so that μ·b + g is subnormal (flushed to 0), ±0, NaN or ∞ in some elements,
        // over enough elements that every vector width's loop and the scalar tail see each case. The reference is the
        // documented rule in float, operation for operation.
        float[] thetas = [-0f, 0f, 1.5f, -2.25f, float.NaN, float.PositiveInfinity, 1e-30f, -3e-39f, float.NegativeInfinity];
        float[] grads = [1e-39f, -1e-39f, 0f, -0f, 0.75f, float.NaN, -4e-38f, 2e-38f, 1e-20f, -5e-39f, 1.25f];
        const int n = 71;
        float[] p = [.. Enumerable.Range(0, n).Select(i => thetas[i % thetas.Length])], expected = [.. p];
        float[] b = new float[n];
        const float lr = 0.5f, mu = 0.9f;
        var sgd = new Sgd(lr, mu, nesterov);
        for (int step = 0; step < 3; step++)
        {
            float[] g = [.. Enumerable.Range(0, n).Select(i => grads[(i * 7 + step) % grads.Length])];
            sgd.Step(p, g);
            for (int i = 0; i < n; i++)
            {
                float grad = g[i]; // weightDecay 0: the documented rule skips the weightDecay·θ term
                float raw = (step == 0 ? 0f : mu) * b[i] + grad;
                b[i] = MathF.Abs(raw) < 1.17549435e-38f ? 0f : raw;
                expected[i] -= lr * (nesterov ? grad + mu * b[i] : b[i]);
            }
            for (int i = 0; i < n; i++)
                Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(p[i]),
                    $"step {step + 1}, element {i}: {p[i]:R} vs {expected[i]:R}");
        }
    }

    [Theory]
    [InlineData(0.01f, 0f, 0f, 0f, 1e-10f)]
    [InlineData(0.05f, 0.1f, 0.01f, 0.5f, 1e-10f)]
    [InlineData(0.1f, 0f, 0f, 0f, 0.5f)]
    public void AdagradFollowsTorchRule(float lr, float lrDecay, float wd, float initial, float eps)
    {
        double[] sum = [.. Enumerable.Repeat((double)initial, Length)];
        int t = 0;
        AssertMatches(new Adagrad(lr, lrDecay, wd, initial, eps), (p, g) =>
        {
            t++;
            double clr = lr / (1 + (t - 1) * lrDecay);
            for (int i = 0; i < Length; i++)
            {
                double d = g[i] + wd * p[i];
                sum[i] += d * d;
                p[i] -= clr * d / (Math.Sqrt(sum[i]) + eps);
            }
        });
    }

    [Theory]
    [InlineData(0f, 0f, false, 1e-8f)]
    [InlineData(0.01f, 0f, false, 1e-8f)]
    [InlineData(0f, 0.9f, false, 1e-8f)]
    [InlineData(0f, 0f, true, 1e-8f)]
    [InlineData(0.01f, 0.5f, true, 1e-8f)]
    [InlineData(0f, 0f, false, 0.5f)] // a large ε makes its placement (outside the square root) visible
    [InlineData(0f, 0.5f, true, 0.5f)]
    public void RmsPropFollowsTorchRule(float wd, float momentum, bool centered, float eps)
    {
        const float lr = 0.01f, alpha = 0.9f;
        double[] s = new double[Length], a = new double[Length], b = new double[Length];
        AssertMatches(new RmsProp(lr, alpha, eps, wd, momentum, centered), (p, g) =>
        {
            for (int i = 0; i < Length; i++)
            {
                double d = g[i] + wd * p[i];
                s[i] = alpha * s[i] + (1 - alpha) * d * d;
                double variance = s[i];
                if (centered)
                {
                    a[i] = alpha * a[i] + (1 - alpha) * d;
                    variance -= a[i] * a[i];
                }
                double step = d / (Math.Sqrt(variance) + eps);
                if (momentum > 0) step = b[i] = momentum * b[i] + step;
                p[i] -= lr * step;
            }
        });
    }

    [Theory]
    [InlineData(1e-3f, 0f, false, 1e-8f)]
    [InlineData(0.01f, 0.1f, false, 1e-8f)]
    [InlineData(0.01f, 0.1f, true, 1e-8f)]
    [InlineData(0.01f, 0f, false, 0.5f)] // a large ε makes its placement (after the bias-corrected square root) visible
    public void AdamFollowsTorchRule(float lr, float wd, bool decoupled, float eps)
    {
        const double beta1 = 0.9, beta2 = 0.999;
        double[] m = new double[Length], v = new double[Length];
        int t = 0;
        AssertMatches(new Adam(lr, epsilon: eps, weightDecay: wd, decoupledWeightDecay: decoupled), (p, g) =>
        {
            t++;
            for (int i = 0; i < Length; i++)
            {
                double d = g[i];
                if (decoupled) p[i] *= 1 - lr * wd; else d += wd * p[i];
                m[i] = beta1 * m[i] + (1 - beta1) * d;
                v[i] = beta2 * v[i] + (1 - beta2) * d * d;
                double mHat = m[i] / (1 - Math.Pow(beta1, t));
                double vHat = v[i] / (1 - Math.Pow(beta2, t));
                p[i] -= lr * mHat / (Math.Sqrt(vHat) + eps);
            }
        }, steps: 10);
    }

    [Fact]
    public void AdamWIsAdamWithDecoupledDecayAndTorchDefaults()
    {
        var adamW = new AdamW();
        Assert.Equal((1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, true),
            (adamW.LearningRate, adamW.Beta1, adamW.Beta2, adamW.Epsilon, adamW.WeightDecay, adamW.DecoupledWeightDecay));
        float[] a = StartParameters(), b = StartParameters();
        var adam = new Adam(weightDecay: 0.01f, decoupledWeightDecay: true);
        for (int t = 0; t < Steps; t++) { adamW.Step(a, Gradient(t)); adam.Step(b, Gradient(t)); }
        Assert.Equal(b, a);
    }

    [Fact]
    public void AdamFirstStepMovesEachParameterByLearningRate()
    {
        // m̂ = g and v̂ = g² after one step, so θ moves by lr·g/(|g| + ε) ≈ lr·sign(g).
        float[] p = [1f, 1f, 1f];
        new Adam(learningRate: 0.1f).Step(p, [0.5f, -2f, 0f]);
        Assert.Equal(0.9f, p[0], 1e-6f);
        Assert.Equal(1.1f, p[1], 1e-6f);
        Assert.Equal(1f, p[2]);
    }

    [Fact]
    public void DefaultsAreTorchDefaults()
    {
        var sgd = new Sgd();
        Assert.Equal((0.01f, 0f, false, 0f), (sgd.LearningRate, sgd.Momentum, sgd.Nesterov, sgd.WeightDecay));
        var adam = new Adam();
        Assert.Equal((1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false), (adam.LearningRate, adam.Beta1, adam.Beta2, adam.Epsilon, adam.WeightDecay, adam.DecoupledWeightDecay));
        var adagrad = new Adagrad();
        Assert.Equal((0.01f, 0f, 0f, 0f, 1e-10f), (adagrad.LearningRate, adagrad.LearningRateDecay, adagrad.WeightDecay, adagrad.InitialAccumulator, adagrad.Epsilon));
        var rms = new RmsProp();
        Assert.Equal((0.01f, 0.99f, 1e-8f, 0f, 0f, false), (rms.LearningRate, rms.Alpha, rms.Epsilon, rms.WeightDecay, rms.Momentum, rms.Centered));
    }

    public static TheoryData<string> Kinds => ["sgd", "adagrad", "rmsprop", "adam", "adamw"];

    private static IOptimizer Create(string kind) => kind switch
    {
        "sgd" => new Sgd(0.05f, momentum: 0.9f, nesterov: true, weightDecay: 0.01f),
        "adagrad" => new Adagrad(0.05f, learningRateDecay: 0.01f, initialAccumulator: 0.1f),
        "rmsprop" => new RmsProp(0.01f, momentum: 0.5f, centered: true),
        "adam" => new Adam(0.01f, weightDecay: 0.01f),
        _ => new AdamW(0.01f),
    };

    [Theory, MemberData(nameof(Kinds))]
    public void SavedStateResumesToIdenticalResults(string kind)
    {
        IOptimizer original = Create(kind);
        float[] p = StartParameters();
        for (int t = 0; t < 3; t++) original.Step(p, Gradient(t));
        var saved = new MemoryStream();
        original.WriteState(new BinaryWriter(saved));
        float[] resumedParameters = (float[])p.Clone();
        for (int t = 3; t < 6; t++) original.Step(p, Gradient(t));

        IOptimizer resumed = kind == "sgd" ? new Sgd() : kind == "adagrad" ? new Adagrad() : kind == "rmsprop" ? new RmsProp() : kind == "adam" ? new Adam() : new AdamW();
        saved.Position = 0;
        resumed.ReadState(new BinaryReader(saved));
        Assert.Equal(original.LearningRate, resumed.LearningRate);
        for (int t = 3; t < 6; t++) resumed.Step(resumedParameters, Gradient(t));
        Assert.Equal(p, resumedParameters);
    }

    [Theory, MemberData(nameof(Kinds))]
    public void ReadStateRejectsCorruptDataAndChangesNothing(string kind)
    {
        IOptimizer optimizer = Create(kind), twin = Create(kind);
        float[] p = StartParameters(), q = StartParameters();
        optimizer.Step(p, Gradient(0));
        twin.Step(q, Gradient(0));
        var saved = new MemoryStream();
        optimizer.WriteState(new BinaryWriter(saved));
        byte[] bytes = saved.ToArray();

        // Truncated data, another optimizer's data, and an out-of-range learning rate (the float after the kind tag).
        Assert.Throws<InvalidDataException>(() => optimizer.ReadState(new BinaryReader(new MemoryStream(bytes[..^5]))));
        var other = new MemoryStream();
        (kind == "adam" ? (IOptimizer)new AdamW() : new Adam()).WriteState(new BinaryWriter(other));
        var e = Assert.Throws<InvalidDataException>(() => optimizer.ReadState(new BinaryReader(new MemoryStream(other.ToArray()))));
        Assert.Contains("not", e.Message);
        byte[] corrupt = (byte[])bytes.Clone();
        BitConverter.GetBytes(-1f).CopyTo(corrupt, 1 + bytes[0]);
        Assert.Throws<InvalidDataException>(() => optimizer.ReadState(new BinaryReader(new MemoryStream(corrupt))));

        // Nothing changed: both optimizers still produce identical steps.
        for (int t = 1; t < 4; t++) { optimizer.Step(p, Gradient(t)); twin.Step(q, Gradient(t)); }
        Assert.Equal(q, p);
    }

    [Theory, MemberData(nameof(Kinds))]
    public void WithoutWeightDecayInfiniteParametersStayInfiniteAsInPyTorch(string kind)
    {
        // PyTorch adds weightDecay·θ only when weightDecay ≠ 0; adding 0·θ anyway would make every infinite θ NaN.
        // 37 elements, so each vector width's loop and the scalar tail both hold infinities.
        IOptimizer optimizer = kind switch
        {
            "sgd" => new Sgd(0.05f, momentum: 0.9f),
            "adagrad" => new Adagrad(0.05f),
            "rmsprop" => new RmsProp(0.01f, momentum: 0.5f, centered: true),
            "adam" => new Adam(0.01f),
            _ => new AdamW(0.01f, weightDecay: 0f),
        };
        float[] p = StartParameters();
        for (int i = 0; i < Length; i += 3) p[i] = i % 2 == 0 ? float.PositiveInfinity : float.NegativeInfinity;
        float[] start = (float[])p.Clone();
        for (int t = 0; t < 3; t++) optimizer.Step(p, Gradient(t));
        for (int i = 0; i < Length; i++)
        {
            if (float.IsInfinity(start[i])) Assert.True(p[i] == start[i], $"element {i}: {start[i]} became {p[i]}");
            else Assert.True(float.IsFinite(p[i]), $"element {i}: {p[i]}");
        }
    }

    [Theory, MemberData(nameof(Kinds))]
    public void StepAllocatesNothingAfterTheFirstCall(string kind)
    {
        IOptimizer optimizer = Create(kind);
        float[] p = StartParameters(), g = Gradient(1);
        optimizer.Step(p, g);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int t = 0; t < 100; t++) optimizer.Step(p, g);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory, MemberData(nameof(Kinds))]
    public void StepRejectsMismatchedLengthsUntilReset(string kind)
    {
        IOptimizer optimizer = Create(kind);
        optimizer.Step(new float[4], new float[4]);
        var mismatch = Assert.Throws<ArgumentException>("gradients", () => optimizer.Step(new float[4], new float[3]));
        Assert.Contains("The gradient has 3 elements but there are 4 parameters", mismatch.Message);
        var e = Assert.Throws<ArgumentException>("parameters", () => optimizer.Step(new float[5], new float[5]));
        Assert.Contains("holds state for 4 parameters but was given 5", e.Message);
        Assert.Contains("Reset()", e.Message);
        optimizer.Reset();
        optimizer.Step(new float[5], new float[5]);
    }

    [Fact]
    public void ConstructorsRejectBadArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>("learningRate", () => new Adam(learningRate: -1f));
        Assert.Throws<ArgumentOutOfRangeException>("beta1", () => new Adam(beta1: 1f));
        Assert.Throws<ArgumentOutOfRangeException>("beta2", () => new AdamW(beta2: float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>("epsilon", () => new Adagrad(epsilon: -1e-10f));
        Assert.Throws<ArgumentOutOfRangeException>("initialAccumulator", () => new Adagrad(initialAccumulator: -1f));
        Assert.Throws<ArgumentOutOfRangeException>("alpha", () => new RmsProp(alpha: 1.5f));
        Assert.Throws<ArgumentOutOfRangeException>("momentum", () => new RmsProp(momentum: float.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>("nesterov", () => new Sgd(nesterov: true));
        Assert.Throws<ArgumentOutOfRangeException>("weightDecay", () => new Sgd(weightDecay: -0.1f));
    }
}
