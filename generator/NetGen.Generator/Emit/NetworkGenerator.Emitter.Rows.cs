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
        /// <summary>
        /// Dense layers with at most this many weights (a product of about 1 M multiply-adds at batch 64, 4-5 µs on one
        /// core) are too small to split one product at a time: each split pays a hand-off to the other threads. Trailing
        /// layers this small form the per-sample segment (see <see cref="RowSegmentStart"/>).
        /// </summary>
        private const int RowSegmentMaxWeights = 16384;

        /// <summary>
        /// The first layer of the per-sample segment of a network trained through the kernels, or −1 when it has none: the
        /// longest run of small dense layers that ends at the output layer. Their forward products, the loss and their input
        /// gradients depend on each sample alone, so <c>__Rows</c> computes them for a range of rows and RowSplit runs the
        /// ranges on all training threads at once, in one hand-off; their weight gradients (sums over the batch) follow.
        /// Measured on 784-128-64-10 (Adam, batch 64, two threads): the step takes 2-3 µs less than with each small
        /// product split or run on its own.
        /// </summary>
        private static int RowSegmentStart(NetworkSpec spec)
        {
            if (TrainsInLanes(spec)) return -1;
            int start = spec.Layers.Count;
            while (start > 0 && spec.Layers[start - 1] is { Kind: LayerKind.Dense } layer && (long)layer.Inputs * layer.Units <= RowSegmentMaxWeights)
                start--;
            return start == spec.Layers.Count ? -1 : start;
        }

        /// <summary>
        /// The dense layer whose weight gradient runs together with the per-sample segment's (<c>__WeightGradients</c>, one
        /// hand-off for all of them), or −1: the first layer with parameters, when only dropout lies between it and the
        /// segment. Its backward pass is then the weight gradient alone, a product large enough to split by units; the
        /// segment's weight gradients are too small to split on their own (each split would pay a hand-off, and
        /// 784-128-64-10's 128 → 64 split in two measures 3.4-3.6 µs against 4.3 µs on one thread), so each goes whole
        /// to one part and the large layer's units are dealt out around them.
        /// </summary>
        private static int MergedWeightGradientLayer(NetworkSpec spec)
        {
            int start = RowSegmentStart(spec), index = start - 1;
            while (index >= 0 && spec.Layers[index].Kind == LayerKind.Dropout) index--;
            return start > 0 && index >= 0 && spec.Layers[index].Kind == LayerKind.Dense && !Propagates(spec, index) ? index : -1;
        }

        /// <summary>The segment's layers, largest weight gradient first: the order of the tails of <c>__WeightGradients</c>.</summary>
        private static List<LayerSpec> SegmentTails(NetworkSpec spec) =>
            spec.Layers.Skip(RowSegmentStart(spec)).OrderByDescending(l => (long)l.Inputs * l.Units).ThenBy(l => l.Index).ToList();

        /// <summary>Whether layer <paramref name="index"/> passes a gradient to its input (some layer below it has parameters).</summary>
        private static bool Propagates(NetworkSpec spec, int index) => spec.Layers.Take(index).Any(l => l.HasParameters);

        /// <summary>The buffers the per-sample segment adds to the workspace: each layer's dz (its weight gradient reads it after the segment) and each row's loss.</summary>
        private static IEnumerable<Buffer> RowSegmentBuffers(NetworkSpec spec)
        {
            int start = RowSegmentStart(spec);
            if (start < 0) yield break;
            foreach (var layer in spec.Layers.Skip(start))
                yield return new Buffer($"G{layer.Index}", "float", layer.Units);
            yield return new Buffer("L", "double", 1);
        }

        /// <summary>What the mean loss divides the row losses' sum by: the rows for cross-entropy, every output otherwise.</summary>
        private static string LossDivisor(NetworkSpec spec) => spec.Loss == LossKind.CrossEntropy ? "n" : "(long)n * OutputSize";

        /// <summary>
        /// In <c>__ComputeGradients</c>: the per-sample segment through RowSplit, the mean loss, and the segment's weight
        /// gradients. Returns whether the input gradient of the segment's first layer already applied the activation
        /// derivative of the layer below it.
        /// </summary>
        private static bool EmitRowSegmentCall(SourceWriter w, NetworkSpec spec, SortedSet<int> dims, int start)
        {
            var last = spec.OutputLayer;
            string layers = start == last.Index ? $"Layer {start}" : $"Layers {start}…{last.Index}";
            string down = Propagates(spec, start) ? $" down to da{start - 1}" : "";
            w.WriteLine($"// {layers}, the loss and the input gradients{down} depend on each sample alone: __Rows computes them for a");
            w.WriteLine("// range of rows, once, or with several training threads once per thread on consecutive rows (one hand-off for all");
            w.WriteLine("// of them instead of one per product); the results are the same for any thread count.");
            w.WriteLine($"{Kernels}RowSplit.Run(__rowWork ??= __Rows, n, __trainingThreads, {RowMultiplyAdds(spec, start)}, inputs, targets);");
            w.WriteLine($"float loss = {Kernels}LossKernels.MeanOfRows(new global::System.ReadOnlySpan<double>(ws.L, 0, n), {LossDivisor(spec)});");
            w.WriteLine();
            w.WriteLine("// Backward pass: each layer turns dL/d(its output) into its parameter gradients and dL/d(its input).");
            if (MergedWeightGradientLayer(spec) is var merged and >= 0)
            {
                w.WriteLine($"// {layers}: dz from __Rows; their weight gradients run with layer {merged}'s, below (__WeightGradients).");
                return DerivativeBelowSegmentApplied(spec, start);
            }
            for (int index = last.Index; index >= start; index--)
            {
                var layer = spec.Layers[index];
                string x = index == 0 ? "inputs" : TrainingOutput(spec, spec.Layers[index - 1]);
                w.WriteLine($"// Layer {index} ({ArchitectureDescriber.Title(layer)}): dz{index} from __Rows; dW{index} = dz{index}ᵀ·x, db{index} = Σ_n dz{index}.");
                w.WriteLine($"{SpanOfFloat} dz{index} = {WorkspaceSpan(spec, $"G{index}", $"n * {layer.Units}")};");
                w.WriteLine($"{Kernels}DenseKernels.WeightGradients<{D(dims, layer.Inputs)}, {D(dims, layer.Units)}>(dz{index}, {x}, {WeightGradients(layer)}, {BiasGradients(layer)}, n, __trainingThreads);");
            }
            return DerivativeBelowSegmentApplied(spec, start);
        }

        /// <summary>Whether the input gradient of the segment's first layer applies the activation derivative of the layer below it.</summary>
        private static bool DerivativeBelowSegmentApplied(NetworkSpec spec, int start) =>
            start > 0 && Propagates(spec, start) && spec.Layers[start - 1].Kind == LayerKind.Dense && GradientOperator(spec.Layers[start - 1]) is not null;

        /// <summary>In the backward pass, at the merged layer (see <see cref="MergedWeightGradientLayer"/>): its weight gradient and the segment's, in one call.</summary>
        private static void EmitMergedWeightGradientsCall(SourceWriter w, NetworkSpec spec, int merged)
        {
            long multiplyAdds = (long)spec.Layers[merged].Inputs * spec.Layers[merged].Units + SegmentTails(spec).Sum(l => (long)l.Inputs * l.Units);
            w.WriteLine("// With the segment's weight gradients, split over the training threads in one hand-off (see __WeightGradients).");
            w.WriteLine($"{Kernels}RowSplit.RunParts(__weightGradientWork ??= __WeightGradients, n, __trainingThreads, {multiplyAdds}, inputs, targets);");
        }

        /// <summary>The method RowSplit.RunParts calls: part k of the merged layer's weight gradient and the segment's.</summary>
        private static void EmitWeightGradientsMethod(SourceWriter w, NetworkSpec spec, SortedSet<int> dims, int merged)
        {
            int start = RowSegmentStart(spec);
            var layer = spec.Layers[merged];
            var last = spec.OutputLayer;
            var tails = SegmentTails(spec);
            string segment = start == last.Index ? $"layer {start}" : $"layers {start}…{last.Index}";
            string sizes = string.Join(", ", tails.Select(l => ((double)l.Inputs * l.Units / layer.Inputs).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)));
            w.WriteLine($"// Part `part` of `parts` of the weight gradients of layer {merged} and of the per-sample segment ({segment}), one hand-off for");
            w.WriteLine($"// all of them. Each of the segment's layers goes whole to one part, from the last part backward (largest first); layer");
            w.WriteLine($"// {merged}'s {layer.Units} rows of dW are dealt out in consecutive ranges of units so that, counting the segment's layers as");
            w.WriteLine($"// {sizes} of its units (their multiply-adds over its {layer.Inputs} per unit), each part has about the same work.");
            w.WriteLine("// Every element is summed over the batch in the same order whichever part computes it.");
            w.WriteLine(GeneratedCode);
            using (w.Block($"private void __WeightGradients(int part, int parts, {ReadOnlySpanOfFloat} inputs, {ReadOnlySpanOfFloat} targets)"))
            {
                w.WriteLine("__Workspace ws = __workspace;");
                w.WriteLine("int n = targets.Length / OutputSize;");
                w.WriteLine($"{SpanOfFloat} grad = {BufferSpan(spec, "__gradients")};");
                string X(LayerSpec l) => l.Index == 0 ? "inputs" : TrainingOutput(spec, spec.Layers[l.Index - 1]);
                foreach (var input in new[] { layer }.Concat(tails).Where(l => l.Index > 0).Select(l => spec.Layers[l.Index - 1]).Distinct().OrderBy(l => l.Index))
                    w.WriteLine($"{SpanOfFloat} {TrainingOutput(spec, input)} = {WorkspaceSpan(spec, $"A{input.Index}", $"n * {input.Units}")};");
                w.WriteLine($"{SpanOfFloat} dz{merged} = {WorkspaceSpan(spec, "D0", $"n * {layer.Units}")};");
                foreach (var l in tails.OrderBy(l => l.Index))
                    w.WriteLine($"{SpanOfFloat} dz{l.Index} = {WorkspaceSpan(spec, $"G{l.Index}", $"n * {l.Units}")};");
                w.WriteLine();
                string tailSizes = string.Join(", ", tails.Select(l => $"{l.Inputs * l.Units}.0 / {layer.Inputs}"));
                w.WriteLine($"var (first, end) = {Kernels}DenseKernels.WeightGradientShare(part, parts, {layer.Units}, stackalloc double[] {{ {tailSizes} }});");
                w.WriteLine($"// Layer {merged} ({ArchitectureDescriber.Title(layer)}): rows first … end − 1 of dW{merged} = dz{merged}ᵀ·x and the same elements of db{merged} = Σ_n dz{merged}.");
                w.WriteLine($"{Kernels}DenseKernels.WeightGradientsRange<{D(dims, layer.Inputs)}, {D(dims, layer.Units)}>(dz{merged}, {X(layer)}, {WeightGradients(layer)}, {BiasGradients(layer)}, n, first, end);");
                for (int t = 0; t < tails.Count; t++)
                {
                    var l = tails[t];
                    w.WriteLine($"// Layer {l.Index} ({ArchitectureDescriber.Title(l)}), tail {t}: dW{l.Index} = dz{l.Index}ᵀ·x, db{l.Index} = Σ_n dz{l.Index}.");
                    w.WriteLine($"if (part == {Kernels}DenseKernels.WeightGradientTailPart({t}, parts))");
                    w.WriteLine($"    {Kernels}DenseKernels.WeightGradients<{D(dims, l.Inputs)}, {D(dims, l.Units)}>(dz{l.Index}, {X(l)}, {WeightGradients(l)}, {BiasGradients(l)}, n);");
                }
            }
            w.WriteLine();
        }

        /// <summary>The multiply-adds of one row of the segment: each layer's forward product and input gradient.</summary>
        private static long RowMultiplyAdds(NetworkSpec spec, int start) =>
            spec.Layers.Skip(start).Sum(l => (long)l.Inputs * l.Units * (Propagates(spec, l.Index) ? 2 : 1));

        /// <summary>The method RowSplit calls: the per-sample segment for rows [start, end) of the batch.</summary>
        private static void EmitRowsMethod(SourceWriter w, NetworkSpec spec, SortedSet<int> dims, int start)
        {
            var last = spec.OutputLayer;
            w.WriteLine($"// The per-sample part of a training step for rows [start, end) of the batch (inputs and targets are the whole");
            w.WriteLine("// batch's): the forward pass from layer " + start + ", the loss of each row and its gradient, and the input gradients back");
            w.WriteLine("// through the same layers. Each row-range kernel picks the kernel a call over the whole batch would, so every row comes");
            w.WriteLine("// out the same whichever range computes it.");
            w.WriteLine(GeneratedCode);
            using (w.Block($"private void __Rows(int start, int end, {ReadOnlySpanOfFloat} inputs, {ReadOnlySpanOfFloat} targets)"))
            {
                w.WriteLine("__Workspace ws = __workspace;");
                w.WriteLine("int n = targets.Length / OutputSize, rows = end - start;");
                EmitParameterSpan(w, spec);
                foreach (var layer in spec.Layers.Skip(System.Math.Max(start - 1, 0)))
                    w.WriteLine($"{SpanOfFloat} {TrainingOutput(spec, layer)} = {WorkspaceSpan(spec, $"A{layer.Index}", $"n * {layer.Units}")};");
                foreach (var layer in spec.Layers.Skip(start))
                    w.WriteLine($"{SpanOfFloat} dz{layer.Index} = {WorkspaceSpan(spec, $"G{layer.Index}", $"n * {layer.Units}")};");
                bool propagates = Propagates(spec, start);
                if (propagates)
                    w.WriteLine($"{SpanOfFloat} da{start - 1} = {WorkspaceSpan(spec, "D0", $"n * {spec.Layers[start - 1].Units}")};");
                w.WriteLine();

                foreach (var layer in spec.Layers.Skip(start))
                {
                    bool keepLogits = layer == last && spec.FusedLoss;
                    string x = layer.Index == 0 ? "inputs" : TrainingOutput(spec, spec.Layers[layer.Index - 1]);
                    string a = TrainingOutput(spec, layer);
                    var fused = keepLogits ? null : ActivationOperator(layer);
                    w.WriteLine($"// Layer {layer.Index} ({ArchitectureDescriber.Title(layer)}): {ArchitectureDescriber.Formula(layer)}"
                                + (keepLogits ? " (the logits z are kept: the loss applies the activation)." : "."));
                    string dense = $"{Kernels}DenseKernels.ForwardRows<{D(dims, layer.Inputs)}, {D(dims, layer.Units)}";
                    if (fused is { } op)
                        w.WriteLine($"{dense}, {Kernels}{op.Type}>({Weights(layer)}, {Biases(layer)}, {x}, {a}, n, start, end, new {Kernels}{op.Type}({op.Argument}));");
                    else
                    {
                        w.WriteLine($"{dense}>({Weights(layer)}, {Biases(layer)}, {x}, {a}, n, start, end);");
                        if (!keepLogits && layer.Activation == ActivationKind.Softmax)
                            w.WriteLine($"{Kernels}ActivationKernels.Softmax({Rows(a, layer.Units)}, {layer.Units});");
                    }
                }
                w.WriteLine();

                string output = TrainingOutput(spec, last), g = $"dz{last.Index}";
                string kernel = spec.Loss switch
                {
                    LossKind.MeanSquaredError => "MeanSquaredErrorRows",
                    LossKind.BinaryCrossEntropy => "BinaryCrossEntropyWithLogitsRows",
                    _ => "CrossEntropyWithLogitsRows",
                };
                w.WriteLine(spec.Loss switch
                {
                    LossKind.MeanSquaredError => $"// Loss: each row's Σ (a − y)² into ws.L; its gradient 2(a − y) / (n·{spec.OutputSize}).",
                    LossKind.BinaryCrossEntropy => $"// Loss: each row's binary cross-entropy from the logits into ws.L; fused with the sigmoid, its gradient (σ(z) − y) / (n·{spec.OutputSize}).",
                    _ => $"// Loss: each row's cross-entropy of softmax(z) into ws.L (log-sum-exp); fused with the softmax, its gradient (p − y) / n.",
                });
                w.WriteLine($"{Kernels}LossKernels.{kernel}({output}, targets, {g}, OutputSize, n, start, end, ws.L);");

                bool derivativeApplied = spec.FusedLoss;
                for (int index = last.Index; index >= start; index--)
                {
                    var layer = spec.Layers[index];
                    string dz = $"dz{index}";
                    if (!derivativeApplied && ActivationBackwardCall(layer, Rows($"a{index}", layer.Units), Rows(dz, layer.Units)) is { } backward)
                    {
                        w.WriteLine($"// dz{index} = dL/da{index} ⊙ f′(a{index}), in place.");
                        w.WriteLine(backward);
                    }
                    if (!Propagates(spec, index)) break;
                    var below = spec.Layers[index - 1];
                    string dx = index > start ? $"dz{index - 1}" : $"da{index - 1}";
                    string gradient = $"{Kernels}DenseKernels.InputGradientsRows<{D(dims, layer.Inputs)}, {D(dims, layer.Units)}";
                    if (below.Kind == LayerKind.Dense && GradientOperator(below) is { } op)
                    {
                        w.WriteLine($"// {dx} = ({dz}·W{index}) ⊙ f′(a{below.Index}): the input gradient applies layer {below.Index}'s f′ as it stores each block.");
                        w.WriteLine($"{gradient}, {Kernels}{op.Type}>({dz}, {Weights(layer)}, {dx}, n, start, end, {TrainingOutput(spec, below)}, new {Kernels}{op.Type}({op.Argument}));");
                        derivativeApplied = true;
                    }
                    else
                    {
                        w.WriteLine($"// {dx} = {dz}·W{index}.");
                        w.WriteLine($"{gradient}>({dz}, {Weights(layer)}, {dx}, n, start, end);");
                        derivativeApplied = false;
                    }
                }
            }
            w.WriteLine();
        }

        /// <summary>The rows [start, end) of a whole-batch span of <paramref name="width"/> values per row.</summary>
        private static string Rows(string span, int width) => $"{span}.Slice(start * {width}, rows * {width})";
    }
}
