using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using NetGen.CompilerServices;
using NetGen.Optimizers;

namespace NetGen.Benchmarks;

/// <summary>XOR 2-4-1 (tanh, sigmoid): single-sample forward, one SGD step on the four rows, training to BCE &lt; 0.01.</summary>
[MemoryDiagnoser]
public class TinyBenchmarks
{
    private readonly XorNet _xor = new(1);
    private readonly Sgd _sgd = new(0.5f, momentum: 0.9f);
    private readonly float[] _input = [1f, 0f];
    private readonly float[] _output = new float[1];
    private readonly float[] _inputs = [0, 0, 0, 1, 1, 0, 1, 1];
    private readonly float[] _targets = [0, 1, 1, 0];
    private OnnxRunner _onnx = null!;
    private const int ChainSteps = 32;
    private readonly float[] _xorInitial = new XorNet(1).Parameters.ToArray();
    private readonly float[] _chainParameters = new float[XorNet.ParameterCount];
    private const int IndependentNetworks = 4;
    private readonly XorNet[] _independent = Enumerable.Range(1, IndependentNetworks).Select(seed => new XorNet(seed)).ToArray();
    private readonly Sgd[] _independentSgd = Enumerable.Range(0, IndependentNetworks).Select(_ => new Sgd(0.5f, momentum: 0.9f)).ToArray();

    [GlobalSetup]
    public void Setup()
    {
        _onnx = new OnnxRunner(_xor, _input, _output, 1);
        SgdStep();
        SgdStepFourNetworks();
    }

    [GlobalCleanup]
    public void Cleanup() => _onnx.Dispose();

    [Benchmark(Description = "XOR 2-4-1 forward: NetGen")]
    public float Forward()
    {
        _xor.Forward(_input, _output);
        return _output[0];
    }

    [Benchmark(Description = "XOR 2-4-1 forward: ONNX Runtime")]
    public void ForwardOnnx() => _onnx.Run();

    [Benchmark(Description = "XOR 2-4-1 SGD step (4 rows): NetGen")]
    public float SgdStep()
    {
        float loss = _xor.ComputeGradients(_inputs, _targets, 4);
        _sgd.Step(_xor.Parameters, _xor.Gradients);
        return loss;
    }

    /// <summary>
    /// The longest chain of dependent operations inside <see cref="SgdStep"/>, alone, with the same kernels: from the
    /// weights through one hidden unit (two multiply-adds and tanh), the logit (one multiply-add), the loss gradient
    /// σ(z) − y, that unit's gradient back through tanh′, the lane sum of one weight's gradient, and the momentum update
    /// of that weight. Each invocation runs <see cref="ChainSteps"/> such steps from XorNet(1)'s weights, each step
    /// depending on the one before through the updated weight; starting afresh keeps the values in the normal range,
    /// and the subnormal flush is a select, not a branch (the CPU would speculate past a branch and overlap the steps).
    /// A real step does more on this chain (four units added into the logit, the gradients and weights going through
    /// memory), so per step this row is a lower bound for the SGD-step row on the same machine.
    /// </summary>
    [Benchmark(Description = "XOR 2-4-1 SGD step: its dependency chain alone (floor)", OperationsPerInvoke = ChainSteps)]
    public float SgdStepChain()
    {
        float[] p = _chainParameters;
        _xorInitial.CopyTo(p);
        float velocity = 0f;
        Vector128<float> x0 = Vector128.Create(0f, 0f, 1f, 1f), x1 = Vector128.Create(0f, 1f, 0f, 1f), y = Vector128.Create(0f, 1f, 1f, 0f);
        for (int step = 0; step < ChainSteps; step++)
        {
            Vector128<float> a = new TanhOperator().Invoke(LaneKernels.MulAdd(x1, p[1], LaneKernels.MulAdd(x0, p[0], Vector128.Create(p[8]))));
            LaneKernels.BinaryCrossEntropyWithLogits(LaneKernels.MulAdd(a, p[12], Vector128.Create(p[16])), y, out Vector128<float> dz);
            Vector128<float> dz0 = new TanhGradient().Invoke(a, dz * 0.25f * p[12]);
            // Sgd.Step's update of one weight: b = μ·b + g, flushed to 0 below the smallest normal float; θ −= lr·b.
            Vector128<float> b = Vector128.CreateScalar(0.9f * velocity) + Vector128.CreateScalar(Vector128.Sum(dz0 * x0));
            b = Vector128.ConditionalSelect(Vector128.LessThan(Vector128.Abs(b), Vector128.Create(1.17549435e-38f)), Vector128<float>.Zero, b);
            velocity = b.ToScalar();
            p[0] -= 0.5f * velocity;
        }
        return p[0];
    }

    /// <summary>
    /// The other bound on <see cref="SgdStep"/>: four networks that do not depend on each other, each stepped in turn, so
    /// the core can run one network's step while another's waits on its chain. Per step, this row is what the step's
    /// work costs with its latency overlapped, the most a faster dependency chain could bring <see cref="SgdStep"/> down to.
    /// </summary>
    [Benchmark(Description = "XOR 2-4-1 SGD step: four independent networks in turn (per step, chain overlapped)", OperationsPerInvoke = IndependentNetworks)]
    public float SgdStepFourNetworks()
    {
        float loss = 0f;
        for (int k = 0; k < _independent.Length; k++)
        {
            XorNet net = _independent[k];
            loss += net.ComputeGradients(_inputs, _targets, 4);
            _independentSgd[k].Step(net.Parameters, net.Gradients);
        }
        return loss;
    }

    [Benchmark(Description = "XOR 2-4-1 training from seed 1 to BCE < 0.01: NetGen")]
    public int TrainToConvergence()
    {
        var net = new XorNet(1);
        var sgd = new Sgd(0.5f, momentum: 0.9f);
        for (int step = 1; step <= 10_000; step++)
        {
            float loss = net.ComputeGradients(_inputs, _targets, 4);
            if (loss < 0.01f) return step;
            sgd.Step(net.Parameters, net.Gradients);
        }
        return -1;
    }
}
