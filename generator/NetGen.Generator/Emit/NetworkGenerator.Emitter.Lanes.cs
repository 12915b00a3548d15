using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Emit;
using NetGen.Generator.Helpers;
using NetGen.Generator.Model;

namespace NetGen.Generator;

public sealed partial class NetworkGenerator
{
    internal static partial class Emitter
    {
        private const string V128 = "global::System.Runtime.Intrinsics.Vector128";
        private const string Lanes = Kernels + "LaneKernels.";
        private const string Act = Kernels + "ActivationKernels.";

        /// <summary>
        /// Networks whose every layer is a dense layer small enough to unroll train without kernels: samples go four at a
        /// time through the lanes of Vector128 values, one value per unit, and nothing goes through memory but the
        /// inputs, targets and gradients. Dropout and maxout keep the kernel path.
        /// </summary>
        private static bool TrainsInLanes(NetworkSpec spec) => spec.Layers.All(IsUnrolled);

        /// <summary>The body of <c>__ComputeGradients</c> for a network that <see cref="TrainsInLanes"/>.</summary>
        private static void EmitLaneGradients(SourceWriter w, NetworkSpec spec)
        {
            string perElement = spec.Loss == LossKind.CrossEntropy ? "n" : $"n * {spec.OutputSize}";
            w.WriteLine("// Every layer is tiny, so nothing goes through memory: samples go four at a time through the lanes of Vector128");
            w.WriteLine("// values (one per unit), each parameter is broadcast into the lanes, and each gradient's lanes are added up at the end.");
            EmitParameterSpan(w, spec);
            using (w.Block($"if (n <= {Lanes}Lanes)"))
            {
                w.WriteLine("// One group of at most four samples (XOR's four rows, a single sample): no loop, so no gradient accumulator");
                w.WriteLine("// lives across iterations and the JIT keeps every value in a register. A tiny network's step is one chain of");
                w.WriteLine("// dependent operations, which spilled values would lengthen. The loop below gives the same values (each");
                w.WriteLine("// product here is its multiply-add into a zero accumulator).");
                w.WriteLine("double loss = 0;");
                EmitLaneGroup(w, spec, perElement, single: true);
                w.WriteLine();
                EmitLaneGradientStores(w, spec, perElement);
            }
            using (w.Block("else"))
            {
                w.WriteLine("// More samples: each gradient has an accumulator whose lane k sums samples k, k + 4, k + 8, ….");
                foreach (var layer in spec.Layers)
                    w.WriteLine($"{V128}<float> {string.Join(", ", Accumulators(layer).Select(n => n + " = default"))};");
                w.WriteLine("double loss = 0;");
                using (w.Block($"for (int s = 0; s < n; s += {Lanes}Lanes)"))
                    EmitLaneGroup(w, spec, perElement, single: false);
                w.WriteLine();
                EmitLaneGradientStores(w, spec, perElement);
            }
        }

        /// <summary>
        /// One group of up to four samples: its columns, the forward pass, the loss and the backward pass. The gradients are
        /// added to the accumulators, or, for a <paramref name="single"/> group (samples 0 … n − 1), declared as its products.
        /// </summary>
        private static void EmitLaneGroup(SourceWriter w, NetworkSpec spec, string perElement, bool single)
        {
            var last = spec.OutputLayer;
            string sample = single ? "0" : "s";
            w.WriteLine(single ? "int valid = n;" : $"int valid = global::System.Math.Min({Lanes}Lanes, n - s);");
            w.WriteLine("// The group's inputs and targets, one vector per column; lanes past the end of the batch hold zeros and are masked out.");
            for (int i = 0; i < spec.InputSize; i++)
                w.WriteLine($"{V128}<float> x_{i} = {Lanes}Column(inputs, InputSize, {sample}, valid, {i});");
            for (int j = 0; j < spec.OutputSize; j++)
                w.WriteLine($"{V128}<float> y_{j} = {Lanes}Column(targets, OutputSize, {sample}, valid, {j});");
            w.WriteLine($"{V128}<float> mask = {Lanes}Mask(valid);");
            w.WriteLine($"{V128}<float> scale = mask * (1f / ({perElement})); // the mean's weight of each sample in the group");

            w.WriteLine();
            w.WriteLine("// Forward pass.");
            string Input(LayerSpec layer, int i) => layer.Index == 0 ? $"x_{i}" : $"a{layer.Index - 1}_{i}";
            foreach (var layer in spec.Layers)
            {
                bool logits = layer == last && spec.FusedLoss;
                bool softmax = layer.Activation == ActivationKind.Softmax;
                w.WriteLine($"// Layer {layer.Index} ({ArchitectureDescriber.Title(layer)}): " + ArchitectureDescriber.Formula(layer)
                    + (logits ? " (the logits z are kept: the loss applies the activation)." : "."));
                for (int j = 0; j < layer.Units; j++)
                {
                    string z = LaneSum($"{V128}.Create(p[{layer.BiasOffset + j}])",
                        Enumerable.Range(0, layer.Inputs).Select(i => (Input(layer, i), $"p[{layer.WeightOffset + j * layer.Inputs + i}]")).ToList());
                    string target = logits || softmax ? $"z{layer.Index}_{j}" : $"a{layer.Index}_{j}";
                    w.WriteLine($"{V128}<float> {target} = {(logits || softmax ? z : LaneActivation(layer, z))};");
                }
                if (softmax && !logits)
                    EmitLaneSoftmax(w, layer, $"z{layer.Index}", $"a{layer.Index}", declareOutputs: true);
            }

            w.WriteLine();
            EmitLaneLoss(w, spec);

            w.WriteLine();
            w.WriteLine(single
                ? "// Backward pass: dz = dL/d(pre-activation) per unit, dW = dz·x, db = dz, and dL/d(input) = Σ_j dz_j·W[j, i]."
                : "// Backward pass: dz = dL/d(pre-activation) per unit, dW += dz·x, db += dz, and dL/d(input) = Σ_j dz_j·W[j, i].");
            for (int index = spec.Layers.Count - 1; index >= 0; index--)
            {
                var layer = spec.Layers[index];
                w.WriteLine($"// Layer {index} ({ArchitectureDescriber.Title(layer)}).");
                if (!(layer == last && spec.FusedLoss))
                    EmitLaneActivationBackward(w, layer);
                for (int j = 0; j < layer.Units; j++)
                {
                    for (int i = 0; i < layer.Inputs; i++)
                        w.WriteLine(single
                            ? $"{V128}<float> {GradW(layer, j, i)} = dz{index}_{j} * {Input(layer, i)};"
                            : $"{GradW(layer, j, i)} = {Lanes}MulAdd(dz{index}_{j}, {Input(layer, i)}, {GradW(layer, j, i)});");
                    w.WriteLine(single ? $"{V128}<float> {GradB(layer, j)} = dz{index}_{j};" : $"{GradB(layer, j)} += dz{index}_{j};");
                }
                if (index == 0) continue;
                for (int i = 0; i < layer.Inputs; i++)
                    w.WriteLine($"{V128}<float> da{index - 1}_{i} = " + LaneSum(null,
                        Enumerable.Range(0, layer.Units).Select(j => ($"dz{index}_{j}", $"p[{layer.WeightOffset + j * layer.Inputs + i}]")).ToList()) + ";");
            }
        }

        /// <summary>Each gradient's lanes added up and stored, then the mean loss returned.</summary>
        private static void EmitLaneGradientStores(SourceWriter w, NetworkSpec spec, string perElement)
        {
            w.WriteLine("// The gradient of the mean loss: each gradient's lanes added up, eight (or four) consecutive gradients at a time,");
            w.WriteLine("// stored in the widths the optimizer reads them in.");
            var accumulators = spec.Layers.SelectMany(Accumulators).ToList(); // in parameter order: index k is grad[k]
            int whole = accumulators.Count / 4 * 4, octets = accumulators.Count / 8 * 8;
            for (int k = accumulators.Count - 1; k >= whole; k--) // the last index first: one bounds check covers the rest
                w.WriteLine($"grad[{k}] = {V128}.Sum({accumulators[k]});");
            for (int k = 0, size; k < whole; k += size)
            {
                size = k < octets ? 8 : 4;
                w.WriteLine($"{Lanes}StoreSums(grad, {k}, {string.Join(", ", accumulators.Skip(k).Take(size))});");
            }
            w.WriteLine($"return (float)(loss / ({perElement}));");
        }

        /// <summary>
        /// start + Σ vector·weight as fused multiply-adds; from four terms on, as two interleaved chains added at the end,
        /// which halves the dependency chain (a tiny network's step is bound by latency, not throughput).
        /// </summary>
        private static string LaneSum(string? start, List<(string Vector, string Weight)> terms)
        {
            string Chain(string? acc, IEnumerable<(string Vector, string Weight)> chain) =>
                chain.Aggregate(acc, (sum, t) => sum is null ? $"{t.Vector} * {t.Weight}" : $"{Lanes}MulAdd({t.Vector}, {t.Weight}, {sum})")!;
            if (terms.Count < 4) return Chain(start, terms);
            return $"{Chain(start, terms.Where((_, k) => k % 2 == 0))} + {Chain(null, terms.Where((_, k) => k % 2 == 1))}";
        }

        /// <summary>A layer's gradient accumulators in the order of its parameters: the weights row by row, then the biases.</summary>
        private static IEnumerable<string> Accumulators(LayerSpec layer)
        {
            for (int j = 0; j < layer.Units; j++)
                for (int i = 0; i < layer.Inputs; i++)
                    yield return GradW(layer, j, i);
            for (int j = 0; j < layer.Units; j++)
                yield return GradB(layer, j);
        }

        private static string GradW(LayerSpec layer, int j, int i) => $"gW{layer.Index}_{j}_{i}";

        private static string GradB(LayerSpec layer, int j) => $"gb{layer.Index}_{j}";

        /// <summary>The loss of the group (added to <c>loss</c>) and dz of the output layer, already scaled by <c>scale</c>.</summary>
        private static void EmitLaneLoss(SourceWriter w, NetworkSpec spec)
        {
            var last = spec.OutputLayer;
            int l = last.Index, units = last.Units;
            var range = Enumerable.Range(0, units).ToList();
            switch (spec.Loss)
            {
                case LossKind.BinaryCrossEntropy:
                    w.WriteLine("// Loss: binary cross-entropy from the logits, max(z, 0) − z·y + ln(1 + e^−|z|) per output; dz = (σ(z) − y) / (n·outputs).");
                    foreach (int j in range)
                    {
                        w.WriteLine($"loss += {Lanes}Sum(mask * {Lanes}BinaryCrossEntropyWithLogits(z{l}_{j}, y_{j}, out {V128}<float> dz{l}_{j}));");
                        w.WriteLine($"dz{l}_{j} *= scale;");
                    }
                    break;
                case LossKind.CrossEntropy:
                    w.WriteLine("// Loss: cross-entropy of softmax(z), Σ_k y_k·(logΣexp(z) − z_k) with the max subtracted;");
                    w.WriteLine("// fused with the softmax, dz_k = (softmax(z)_k·Σ_k y_k − y_k) / n.");
                    w.WriteLine($"{V128}<float> max = {Chain("Max", range.Select(j => $"z{l}_{j}"))};");
                    foreach (int j in range)
                        w.WriteLine($"{V128}<float> e_{j} = {Lanes}Exp(z{l}_{j} - max);");
                    w.WriteLine($"{V128}<float> sum = {string.Join(" + ", range.Select(j => $"e_{j}"))};");
                    w.WriteLine($"{V128}<float> logSumExp = max + {Lanes}Log(sum);");
                    w.WriteLine($"loss += {Lanes}Sum(mask * ({string.Join(" + ", range.Select(j => $"y_{j} * (logSumExp - z{l}_{j})"))}));");
                    w.WriteLine($"{V128}<float> weight = ({string.Join(" + ", range.Select(j => $"y_{j}"))}) / sum;");
                    foreach (int j in range)
                        w.WriteLine($"{V128}<float> dz{l}_{j} = (e_{j} * weight - y_{j}) * scale;");
                    break;
                default:
                    w.WriteLine("// Loss: mean squared error, Σ (a − y)² / (n·outputs); dL/da = 2(a − y) / (n·outputs).");
                    foreach (int j in range)
                        w.WriteLine($"{V128}<float> d_{j} = a{l}_{j} - y_{j};");
                    w.WriteLine($"loss += {Lanes}Sum(mask * ({string.Join(" + ", range.Select(j => $"d_{j} * d_{j}"))}));");
                    foreach (int j in range)
                        w.WriteLine($"{V128}<float> da{l}_{j} = d_{j} * (scale + scale);");
                    break;
            }
        }

        /// <summary>dz = da ⊙ f′(a) for every unit of the layer, written in terms of the saved outputs a.</summary>
        private static void EmitLaneActivationBackward(SourceWriter w, LayerSpec layer)
        {
            int l = layer.Index;
            if (layer.Activation == ActivationKind.Softmax)
            {
                // Softmax's Jacobian-vector product: dz_i = a_i·(da_i − Σ_k da_k·a_k).
                w.WriteLine($"{V128}<float> dot{l} = {string.Join(" + ", Enumerable.Range(0, layer.Units).Select(k => $"da{l}_{k} * a{l}_{k}"))};");
                for (int j = 0; j < layer.Units; j++)
                    w.WriteLine($"{V128}<float> dz{l}_{j} = a{l}_{j} * (da{l}_{j} - dot{l});");
                return;
            }
            for (int j = 0; j < layer.Units; j++)
            {
                string a = $"a{l}_{j}", g = $"da{l}_{j}";
                string dz = layer.Activation switch
                {
                    ActivationKind.Identity => g,
                    ActivationKind.Step => $"{V128}<float>.Zero",
                    _ => $"{Act}{layer.Facets.Kernel}Backward({a}, {g}{AlphaArgument(layer)})",
                };
                w.WriteLine($"{V128}<float> dz{l}_{j} = {dz};");
            }
        }

        /// <summary>softmax over the units, lane by lane (each lane is a sample): max-subtracted exponentials, normalized.</summary>
        private static void EmitLaneSoftmax(SourceWriter w, LayerSpec layer, string z, string a, bool declareOutputs)
        {
            int l = layer.Index;
            var range = Enumerable.Range(0, layer.Units).ToList();
            w.WriteLine($"{V128}<float> max{l} = {Chain("Max", range.Select(j => $"{z}_{j}"))};");
            foreach (int j in range)
                w.WriteLine($"{V128}<float> e{l}_{j} = {Lanes}Exp({z}_{j} - max{l});");
            w.WriteLine($"{V128}<float> inverse{l} = {V128}<float>.One / ({string.Join(" + ", range.Select(j => $"e{l}_{j}"))});");
            foreach (int j in range)
                w.WriteLine($"{(declareOutputs ? $"{V128}<float> " : "")}{a}_{j} = e{l}_{j} * inverse{l};");
        }

        private static string Chain(string function, IEnumerable<string> values) =>
            values.Aggregate((acc, v) => $"{V128}.{function}({acc}, {v})");

        /// <summary>An activation applied to a Vector128 of pre-activations (softmax is handled over the layer).</summary>
        private static string LaneActivation(LayerSpec layer, string z) => layer.Activation == ActivationKind.Identity
            ? z
            : $"{Act}{layer.Facets.Kernel}({z}{AlphaArgument(layer)})";
    }
}
