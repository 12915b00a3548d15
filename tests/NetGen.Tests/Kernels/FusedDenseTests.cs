using System.Numerics.Tensors;
using NetGen.CompilerServices;
using static NetGen.Tests.Kernels.KernelTestData;

namespace NetGen.Tests.Kernels;

/// <summary>
/// The dense kernels with the activation fused into the forward product and the activation's backward step fused into
/// the input gradient, against the unfused kernels followed by the separate activation pass: the same values bit for
/// bit, for every element-wise activation, on every kernel path (outer-product blocks of 6 and 4 and single samples,
/// dot-product blocks of 4, single rows streamed or in blocks of 8, rows shorter than a vector, vector tails), with the
/// weights given transposed or not, and split over two threads.
/// </summary>
public class FusedDenseTests
{
    public static TheoryData<string, int, int> Cases()
    {
        var data = new TheoryData<string, int, int>();
        foreach (string activation in new[] { "ReLU", "LeakyReLU", "ELU", "Tanh", "Sigmoid", "Step" })
            foreach (int batch in new[] { 1, 3, 5, 48, 64, 70 })
                foreach (int threads in new[] { 1, 2 })
                    if (threads == 1 || batch >= 48)
                        data.Add(activation, batch, threads);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FusedForwardEqualsForwardThenActivation(string activation, int batch, int threads)
    {
        CheckForward<D784, D128>(activation, batch, threads); // outer-product kernel from 48 samples; rows streamed for one
        CheckForward<D128, D64>(activation, batch, threads); // outer-product kernel; single rows in blocks of 8
        CheckForward<D784, D100>(activation, batch, threads); // dot-product kernel (100 units is not whole blocks), split by samples
        CheckForward<D20, D7>(activation, batch, threads); // vector tails and leftover units
        CheckForward<D3, D5>(activation, batch, threads); // rows shorter than a vector
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FusedInputGradientEqualsInputGradientThenBackwardStep(string activation, int batch, int threads)
    {
        CheckInputGradients<D128, D64>(activation, batch, threads);
        CheckInputGradients<D784, D128>(activation, batch, threads);
        CheckInputGradients<D100, D784>(activation, batch, threads); // 100 inputs: a vector tail in every row
        CheckInputGradients<D20, D7>(activation, batch, threads);
        CheckInputGradients<D3, D5>(activation, batch, threads);
    }

    [Fact]
    public void FusedReLUTreatsSpecialValuesLikeTensorPrimitivesMax()
    {
        // One unit whose bias is the special value and whose weights are zero, so the product is exactly the bias.
        float[] specials = [float.NaN, -0f, 0f, float.NegativeInfinity, float.PositiveInfinity, -1e-45f, 1e-45f, -3f, 3f];
        foreach (float bias in specials)
        {
            var z = new float[3 * 5];
            DenseKernels.Forward<D3, D5, ReLUOperator>(new float[15], [bias, bias, bias, bias, bias], new float[9], z, 3, default, new ReLUOperator());
            var reference = new float[1];
            TensorPrimitives.Max([bias], 0f, reference); // what the separate pass (ActivationKernels.Relu) computes
            foreach (float value in z)
                Assert.Equal(BitConverter.SingleToInt32Bits(reference[0]), BitConverter.SingleToInt32Bits(value));
            // And the operator itself at every width.
            var row = new float[37];
            row.AsSpan().Fill(bias);
            ActivationKernels.Map(row, new ReLUOperator());
            foreach (float value in row)
                Assert.Equal(BitConverter.SingleToInt32Bits(reference[0]), BitConverter.SingleToInt32Bits(value));
        }
    }

    [Fact]
    public void FusedInputGradientRejectsShortActivations()
    {
        var e = Assert.Throws<ArgumentException>(() => DenseKernels.InputGradients<D20, D7, TanhGradient>(
            new float[4 * 7], new float[20 * 7], new float[4 * 20], 4, new float[4 * 20 - 1], new TanhGradient()));
        Assert.Contains("do not match the layer shape", e.Message);
    }

    private static void CheckForward<TIn, TOut>(string activation, int batch, int threads) where TIn : IDimension where TOut : IDimension
    {
        int inputs = TIn.Value, units = TOut.Value;
        var random = new Random(inputs * 31 + units * 7 + batch);
        float[] w = Values(random, inputs * units, 1f / MathF.Sqrt(inputs)), bias = Values(random, units, 0.5f), x = Values(random, batch * inputs, 2f);
        var transposed = new float[inputs * units];
        DenseKernels.PackWeights<TIn, TOut>(w, transposed);

        foreach (float[]? wt in new[] { null, transposed })
        {
            var expected = new float[batch * units];
            DenseKernels.Forward<TIn, TOut>(w, bias, x, expected, batch, wt);
            Apply(activation, expected);

            var actual = new float[batch * units];
            switch (activation)
            {
                case "ReLU": Forward<TIn, TOut, ReLUOperator>(w, bias, x, actual, batch, wt, threads, new ReLUOperator()); break;
                case "LeakyReLU": Forward<TIn, TOut, LeakyReLUOperator>(w, bias, x, actual, batch, wt, threads, new LeakyReLUOperator(0.1f)); break;
                case "ELU": Forward<TIn, TOut, ELUOperator>(w, bias, x, actual, batch, wt, threads, new ELUOperator(0.7f)); break;
                case "Tanh": Forward<TIn, TOut, TanhOperator>(w, bias, x, actual, batch, wt, threads, new TanhOperator()); break;
                case "Sigmoid": Forward<TIn, TOut, SigmoidOperator>(w, bias, x, actual, batch, wt, threads, new SigmoidOperator()); break;
                default: Forward<TIn, TOut, StepOperator>(w, bias, x, actual, batch, wt, threads, new StepOperator()); break;
            }
            AssertBitEqual(expected, actual, $"{inputs} → {units}, {activation}, batch {batch}, {threads} thread(s), weights {(wt is null ? "as stored" : "transposed")}");
        }
    }

    /// <summary>The fused forward product: through the plan's split over <paramref name="threads"/> threads for live weights, the kernel for transposed ones.</summary>
    private static void Forward<TIn, TOut, TAct>(float[] w, float[] bias, float[] x, float[] z, int batch, float[]? wt, int threads, TAct activation)
        where TIn : IDimension where TOut : IDimension where TAct : struct, IUnaryOperator
    {
        if (wt is null) new ExecutionPlan { Threads = threads }.DenseForward<TIn, TOut, TAct>(w, bias, x, z, batch, activation);
        else DenseKernels.Forward<TIn, TOut, TAct>(w, bias, x, z, batch, wt, activation);
    }

    private static void CheckInputGradients<TIn, TOut>(string activation, int batch, int threads) where TIn : IDimension where TOut : IDimension
    {
        int inputs = TIn.Value, units = TOut.Value;
        var random = new Random(inputs * 17 + units * 5 + batch);
        float[] w = Values(random, inputs * units, 1f / MathF.Sqrt(inputs)), dz = Values(random, batch * units, 0.1f);
        // The layer below's outputs, in that activation's range (ReLU's zeros included).
        var a = Values(random, batch * inputs, 2f);
        Apply(activation == "Step" ? "Tanh" : activation, a);

        var expected = new float[batch * inputs];
        DenseKernels.InputGradients<TIn, TOut>(dz, w, expected, batch);
        switch (activation)
        {
            case "ReLU": ActivationKernels.ReLUBackward(a, expected); break;
            case "LeakyReLU": ActivationKernels.LeakyReLUBackward(a, expected, 0.1f); break;
            case "ELU": ActivationKernels.ELUBackward(a, expected, 0.7f); break;
            case "Tanh": ActivationKernels.TanhBackward(a, expected); break;
            case "Sigmoid": ActivationKernels.SigmoidBackward(a, expected); break;
            default: ActivationKernels.StepBackward(expected); break;
        }

        var actual = new float[batch * inputs];
        actual.AsSpan().Fill(float.NaN); // every element must be written
        switch (activation)
        {
            case "ReLU": new ExecutionPlan { Threads = threads }.DenseInputGradients<TIn, TOut, LeakyReLUGradient>(dz, w, actual, batch, a, new LeakyReLUGradient(0f)); break;
            case "LeakyReLU": new ExecutionPlan { Threads = threads }.DenseInputGradients<TIn, TOut, LeakyReLUGradient>(dz, w, actual, batch, a, new LeakyReLUGradient(0.1f)); break;
            case "ELU": new ExecutionPlan { Threads = threads }.DenseInputGradients<TIn, TOut, ELUGradient>(dz, w, actual, batch, a, new ELUGradient(0.7f)); break;
            case "Tanh": new ExecutionPlan { Threads = threads }.DenseInputGradients<TIn, TOut, TanhGradient>(dz, w, actual, batch, a, new TanhGradient()); break;
            case "Sigmoid": new ExecutionPlan { Threads = threads }.DenseInputGradients<TIn, TOut, SigmoidGradient>(dz, w, actual, batch, a, new SigmoidGradient()); break;
            default: new ExecutionPlan { Threads = threads }.DenseInputGradients<TIn, TOut, StepGradient>(dz, w, actual, batch, a, new StepGradient()); break;
        }
        AssertBitEqual(expected, actual, $"{inputs} ← {units}, {activation}, batch {batch}, {threads} thread(s)");
    }

    private static void Apply(string activation, Span<float> values)
    {
        switch (activation)
        {
            case "ReLU": ActivationKernels.ReLU(values); break;
            case "LeakyReLU": ActivationKernels.LeakyReLU(values, 0.1f); break;
            case "ELU": ActivationKernels.ELU(values, 0.7f); break;
            case "Tanh": ActivationKernels.Tanh(values); break;
            case "Sigmoid": ActivationKernels.Sigmoid(values); break;
            default: ActivationKernels.Step(values); break;
        }
    }
}
