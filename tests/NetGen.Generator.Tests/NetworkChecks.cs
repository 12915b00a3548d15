using NetGen.Reference;

namespace NetGen.Generator.Tests;

/// <summary>Checks one generated network against its reference: outputs, loss, gradients and finite differences.</summary>
internal static class NetworkChecks
{
    private const int Batch = 7; // a 6-sample block of the packed kernel and a 4-sample block of the blocked ones, plus leftovers

    /// <summary>The parameters and the batch a check runs on, drawn from its seed.</summary>
    private sealed record Case(double[] Theta, float[] X, float[] Y, double[] Xd, double[] Yd);

    /// <summary>
    /// Relative tolerances of the gradient checks. The defaults suit small fixed networks; randomly drawn deep ones need
    /// more, because the generated backward pass takes sigmoid′, tanh′ and ELU′ from the saved float output (a(1 − a),
    /// 1 − a², a + α), which loses relative precision where the unit saturates: ELU′ = a + α is off by ~ε/eᶻ (1% at
    /// z = −12), tanh′ = 1 − a² by ~ε/(1 − a²). <paramref name="Floor"/> is the fraction of the largest |gradient|
    /// below which elements are compared in absolute terms. <paramref name="Batched"/> bounds batched Forward over 520
    /// samples against the reference: the packed outer-product kernel adds k in sequence (the dot-product kernel in
    /// interleaved vector lanes), and a float sum of n terms is only good to about n·ε·Σ|terms|/|sum|; a ReLU output of
    /// 0.0024 made of 64 terms near 0.5 came out 1.6·10⁻⁴ off in relative terms, which is rounding, not a fault. The
    /// kernels' scalar and vector paths may also round differently (ELU's eˣ − 1 near 0, see
    /// tests/NetGen.Tests/Reliability/KernelPrecisionTests.cs).
    /// </summary>
    public sealed record Tolerances(double Gradients = 1e-4, double FiniteDifferences = 1e-3, double Floor = 0.01, double Batched = 5e-4);

    public static void AgainstReference(INetwork net, ReferenceNetwork reference, int seed, string name, Tolerances? tolerances = null)
    {
        var c = Prepare(net, reference, seed);
        CheckForward(net, reference, c, (tolerances ?? new()).Batched, name);

        // Loss and gradients against the reference, then against finite differences of the reference's loss.
        float loss = net.ComputeGradients(c.X, c.Y, Batch);
        CheckGradients(loss, net.Gradients, reference, c.Theta, c.Xd, c.Yd, Batch, dropoutMask: null, tolerances ?? new(), name);

        // A batch of fewer samples than one group of lanes: tiny networks take a path without the loop for it, with the
        // fourth lane masked out.
        const int small = 3;
        int inputs = small * net.InputSize, outputs = small * net.OutputSize;
        loss = net.ComputeGradients(c.X.AsSpan(0, inputs), c.Y.AsSpan(0, outputs), small);
        CheckGradients(loss, net.Gradients, reference, c.Theta, c.Xd[..inputs], c.Yd[..outputs], small, dropoutMask: null, tolerances ?? new(),
            $"{name} (batch of {small})");
    }

    /// <summary>
    /// The same checks for a network with dropout layers (<paramref name="layers"/> are the reference's layers).
    /// Forward runs at inference, where dropout is the identity, so it is compared as it is. ComputeGradients draws
    /// masks the reference cannot know, so each sample is trained alone and the masks it drew are read back from its
    /// gradients: for the layer after a dropout, the weight gradient is dz_j·a_i·m_i and the bias gradient is dz_j, so
    /// their ratio over the unmasked activation a_i gives m_i, which must be 0 or 1 / (1 − rate). The reference then
    /// runs with those masks, and loss, every gradient and finite differences are compared as without dropout.
    /// A sample whose gradient does not reach some dropout layer (a Step activation or dead units above it) gives
    /// no mask to read; it is checked at inference only. Returns the number of samples whose gradients were checked.
    /// </summary>
    public static int AgainstReferenceWithDropout(INetwork net, ReferenceNetwork reference, IReadOnlyList<ReferenceLayer> layers, int seed, string name,
        Tolerances? tolerances = null)
    {
        var c = Prepare(net, reference, seed);
        CheckForward(net, reference, c, (tolerances ?? new()).Batched, name);

        int inputSize = net.InputSize, outputSize = net.OutputSize, checkedSamples = 0;
        for (int s = 0; s < Batch; s++)
        {
            float[] x = c.X.AsSpan(s * inputSize, inputSize).ToArray(), y = c.Y.AsSpan(s * outputSize, outputSize).ToArray();
            double[] xd = c.Xd.AsSpan(s * inputSize, inputSize).ToArray(), yd = c.Yd.AsSpan(s * outputSize, outputSize).ToArray();
            float loss = net.ComputeGradients(x, y, 1);
            double[][]? masks = RecoverMasks(net.Gradients, inputSize, layers, c.Theta, xd, $"{name}: sample {s}");
            if (masks is null) continue;
            CheckGradients(loss, net.Gradients, reference, c.Theta, xd, yd, 1, (layer, _, i) => masks[layer][i], tolerances ?? new(),
                $"{name}: sample {s} (with its dropout masks)");
            checkedSamples++;
        }
        return checkedSamples;
    }

    private static Case Prepare(INetwork net, ReferenceNetwork reference, int seed)
    {
        Assert.Equal(reference.InputSize, net.InputSize);
        Assert.Equal(reference.OutputSize, net.OutputSize);
        Assert.Equal(reference.ParameterCount, net.ParameterCount);
        Assert.Equal(reference.ParameterCount, net.Parameters.Length);

        // Non-zero biases and a spread of weights, so every path matters.
        var random = new Random(seed);
        var parameters = net.Parameters;
        for (int i = 0; i < parameters.Length; i++) parameters[i] += (float)(random.NextDouble() - 0.5) * 0.2f;
        double[] theta = parameters.ToArray().Select(v => (double)v).ToArray();

        float[] x = Enumerable.Range(0, Batch * net.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] y = Targets(reference.Loss, Batch, net.OutputSize, random);
        return new Case(theta, x, y, x.Select(v => (double)v).ToArray(), y.Select(v => (double)v).ToArray());
    }

    private static void CheckForward(INetwork net, ReferenceNetwork reference, Case c, double batchedTolerance, string name)
    {
        int inputSize = net.InputSize, outputSize = net.OutputSize;

        // Forward, one sample at a time, against the reference.
        var outputs = new float[Batch * outputSize];
        for (int s = 0; s < Batch; s++)
        {
            net.Forward(c.X.AsSpan(s * inputSize, inputSize), outputs.AsSpan(s * outputSize, outputSize));
            double[] expected = reference.Forward(c.Theta, c.Xd.AsSpan(s * inputSize, inputSize));
            AssertClose(expected, outputs.AsSpan(s * outputSize, outputSize), 1e-4, $"{name}: Forward of sample {s}");
        }

        // Batched Forward against the reference across a tile boundary (tiles hold at most 512 samples; the first tile
        // takes the packed kernel, the 8 left over the blocked one). The kernels sum in different orders, so where a
        // sum cancels (a ReLU output of 0.002 from terms near 1) their rounding differs by more than 10⁻⁴ of the value:
        // the bound is relative to the largest output of the whole batch, not of the sample.
        const int bigBatch = 520;
        float[] bigX = Enumerable.Range(0, bigBatch * inputSize).Select(i => c.X[i % c.X.Length] * (1 + i / c.X.Length * 0.01f)).ToArray();
        var batched = new float[bigBatch * outputSize];
        net.Forward(bigX, batched, bigBatch);
        var references = Enumerable.Range(0, bigBatch)
            .Select(s => reference.Forward(c.Theta, bigX.AsSpan(s * inputSize, inputSize).ToArray().Select(v => (double)v).ToArray()))
            .ToList();
        double batchScale = references.SelectMany(r => r).Select(Math.Abs).DefaultIfEmpty(0).Max();
        for (int s = 0; s < bigBatch; s++)
        {
            double sampleScale = references[s].Select(Math.Abs).DefaultIfEmpty(0).Max();
            double floor = sampleScale > 0 ? Math.Min(1, 0.01 * batchScale / sampleScale) : 1;
            AssertClose(references[s], batched.AsSpan(s * outputSize, outputSize), batchedTolerance, $"{name}: batched Forward of sample {s}", floor);
        }
        CheckFrozen(net, c, outputs, bigX, references, batchScale, batchedTolerance, name);
    }

    /// <summary>
    /// The network's frozen snapshot: one sample gives exactly the live network's output (the same pass over a copy of
    /// the parameters); batches (520 samples, in tiles, and sizes around the packed kernel's six-sample block) match
    /// the reference; later changes to the network do not reach the snapshot, and freezing again picks them up.
    /// </summary>
    private static void CheckFrozen(INetwork net, Case c, float[] liveOutputs, float[] bigX, List<double[]> references,
        double batchScale, double tolerance, string name)
    {
        int inputSize = net.InputSize, outputSize = net.OutputSize;
        FrozenNetwork frozen = net.Freeze();
        Assert.Equal(net.Architecture, frozen.Architecture);
        Assert.True(frozen.Parameters.SequenceEqual(net.Parameters), $"{name}: the frozen parameters are not a copy of the network's");
        var one = new float[outputSize];
        for (int s = 0; s < Batch; s++)
        {
            frozen.Forward(c.X.AsSpan(s * inputSize, inputSize), one);
            Assert.True(one.AsSpan().SequenceEqual(liveOutputs.AsSpan(s * outputSize, outputSize)), $"{name}: frozen Forward of sample {s} differs from the live network's");
        }
        foreach (int n in new[] { references.Count, 1, 5, 6, 7, 13, 48, 200 })
        {
            var batched = new float[n * outputSize];
            frozen.Forward(bigX.AsSpan(0, n * inputSize), batched, n);
            for (int s = 0; s < n; s++)
            {
                double sampleScale = references[s].Select(Math.Abs).DefaultIfEmpty(0).Max();
                double floor = sampleScale > 0 ? Math.Min(1, 0.01 * batchScale / sampleScale) : 1;
                AssertClose(references[s], batched.AsSpan(s * outputSize, outputSize), tolerance, $"{name}: frozen batched Forward ({n} samples) of sample {s}", floor);
            }
        }

        float[] saved = net.Parameters.ToArray();
        foreach (ref float v in net.Parameters) v = v * 0.5f + 0.01f;
        frozen.Forward(c.X.AsSpan(0, inputSize), one);
        Assert.True(one.AsSpan().SequenceEqual(liveOutputs.AsSpan(0, outputSize)), $"{name}: a change to the network reached its frozen snapshot");
        var live = new float[outputSize];
        net.Forward(c.X.AsSpan(0, inputSize), live);
        net.Freeze().Forward(c.X.AsSpan(0, inputSize), one);
        Assert.True(one.AsSpan().SequenceEqual(live), $"{name}: freezing again did not pick up the changed parameters");
        saved.CopyTo(net.Parameters);
    }

    /// <summary>
    /// The generated loss and gradients against the reference's, then central finite differences of the reference's loss
    /// (in double, at the same parameters) against the generated gradients, on up to 48 parameters spread over the buffer.
    /// </summary>
    private static void CheckGradients(float loss, ReadOnlySpan<float> generated, ReferenceNetwork reference, double[] theta,
        double[] xd, double[] yd, int batch, Func<int, int, int, double>? dropoutMask, Tolerances tolerances, string name)
    {
        var expectedGradients = new double[theta.Length];
        double expectedLoss = reference.ComputeGradients(theta, xd, yd, batch, expectedGradients, dropoutMask);
        AssertClose(new[] { expectedLoss }, new[] { loss }, 1e-4, $"{name}: loss");
        AssertClose(expectedGradients, generated, tolerances.Gradients, $"{name}: gradients", tolerances.Floor);

        var gradients = generated.ToArray();
        int step = Math.Max(1, theta.Length / 48);
        var scratch = new double[theta.Length];
        double scale = gradients.Max(v => Math.Abs((double)v)) + 1e-6;
        for (int i = 0; i < theta.Length; i += step)
        {
            const double epsilon = 1e-6;
            double saved = theta[i];
            theta[i] = saved + epsilon;
            double plus = reference.ComputeGradients(theta, xd, yd, batch, scratch, dropoutMask);
            theta[i] = saved - epsilon;
            double minus = reference.ComputeGradients(theta, xd, yd, batch, scratch, dropoutMask);
            theta[i] = saved;
            double numeric = (plus - minus) / (2 * epsilon);
            Assert.True(Math.Abs(numeric - gradients[i]) <= tolerances.FiniteDifferences * Math.Max(Math.Abs(numeric), tolerances.Floor * scale) + 1e-6,
                $"{name}: parameter {i}: finite difference {numeric:G9}, generated gradient {gradients[i]:G9}");
        }
    }

    /// <summary>
    /// Reads back the dropout masks a one-sample ComputeGradients drew (see <see cref="AgainstReferenceWithDropout"/>):
    /// masks[layer][i] for every dropout layer, or null when some dropout layer received no gradient at all.
    /// </summary>
    internal static double[][]? RecoverMasks(ReadOnlySpan<float> g, int inputSize, IReadOnlyList<ReferenceLayer> layers, double[] theta, double[] x, string name)
    {
        var masks = new double[layers.Count][];
        for (int l = 0, offset = 0, width = inputSize; l < layers.Count; offset += layers[l].ParameterCount(width), width = layers[l].Units, l++)
        {
            if (layers[l].Kind != ReferenceLayerKind.Dropout) continue;
            var next = layers[l + 1];
            Assert.True(next.Kind != ReferenceLayerKind.Dropout, $"{name}: two dropout layers in a row cannot be told apart");

            // The unmasked input of this dropout layer, with the masks of the dropout layers below already applied.
            double[] a = l == 0 ? x
                : new ReferenceNetwork(inputSize, layers.Take(l).ToArray(), LossFunction.MeanSquaredError)
                    .Forward(theta.AsSpan(0, offset), x, (layer, _, i) => masks[layer][i]);

            // The row of the next layer with the largest bias gradient dz_j.
            int rows = next.Units * next.Pieces, biases = offset + rows * width, j = 0;
            for (int r = 1; r < rows; r++)
                if (Math.Abs(g[biases + r]) > Math.Abs(g[biases + j])) j = r;
            double dz = g[biases + j];
            if (dz == 0) return null;

            double keep = 1 / (1 - (double)(float)layers[l].Rate), largest = a.Max(Math.Abs);
            masks[l] = new double[width];
            for (int i = 0; i < width; i++)
            {
                if (a[i] == 0) { masks[l][i] = 1; continue; } // a dropped zero is still zero, and nothing flows back through it
                double m = g[offset + j * width + i] / dz / a[i];
                masks[l][i] = Math.Abs(m) < Math.Abs(m - keep) ? 0 : keep;
                if (Math.Abs(a[i]) >= 1e-3 * largest)
                    Assert.True(Math.Abs(m - masks[l][i]) <= 1e-2 * keep,
                        $"{name}: dropout layer {l} multiplied value {i} by {m:G6}; it must be 0 or 1 / (1 − rate) = {keep:G6}");
            }
        }
        return masks;
    }

    public static float[] Targets(LossFunction loss, int batch, int outputs, Random random)
    {
        var y = new float[batch * outputs];
        for (int s = 0; s < batch; s++)
        {
            if (loss == LossFunction.CrossEntropy)
                y[s * outputs + random.Next(outputs)] = 1f;
            else
                for (int k = 0; k < outputs; k++)
                    y[s * outputs + k] = loss == LossFunction.BinaryCrossEntropy ? (float)random.NextDouble() : (float)(random.NextDouble() * 2 - 1);
        }
        return y;
    }

    /// <summary>|actual − expected| ≤ tolerance·max(|expected|, <paramref name="floor"/> × the largest |expected|) + 10⁻⁷, per element.</summary>
    public static void AssertClose(IReadOnlyList<double> expected, ReadOnlySpan<float> actual, double tolerance, string what, double floor = 0.01)
    {
        Assert.Equal(expected.Count, actual.Length);
        double scale = expected.Select(Math.Abs).DefaultIfEmpty(0).Max();
        for (int i = 0; i < actual.Length; i++)
        {
            double bound = tolerance * Math.Max(Math.Abs(expected[i]), floor * scale) + 1e-7;
            if (!(Math.Abs(actual[i] - expected[i]) <= bound))
                Assert.Fail($"{what}: element {i} is {actual[i]:G9}, expected {expected[i]:G9} (allowed ±{bound:G3})");
        }
    }
}
