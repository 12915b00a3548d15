using System.Globalization;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using NetGen.Generator.Emit;
using NetGen.Generator.Helpers;
using NetGen.Generator.Model;

namespace NetGen.Generator;

public sealed partial class NetworkGenerator
{
    internal static partial class Emitter
    {
        private enum Mode
        {
            /// <summary>Forward for one sample: intermediate values on the stack, tiny layers unrolled.</summary>
            Single,
            /// <summary>Forward for a batch, in tiles of samples whose intermediate values fit on the stack.</summary>
            Batch,
            /// <summary>ComputeGradients: every layer's output kept in instance buffers for the backward pass.</summary>
            Training,
        }

        private readonly record struct Buffer(string Field, string Type, int PerSample);

        /// <summary>The instance buffers ComputeGradients needs, each sized per sample.</summary>
        private static IEnumerable<Buffer> TrainingBuffers(NetworkSpec spec)
        {
            foreach (var layer in spec.Layers)
            {
                yield return new Buffer($"A{layer.Index}", "float", layer.Units);
                if (layer.Kind == LayerKind.Maxout)
                {
                    yield return new Buffer($"Z{layer.Index}", "float", layer.AffineOutputs);
                    yield return new Buffer($"K{layer.Index}", "int", layer.Units);
                }
                if (layer.Kind == LayerKind.Dropout)
                    yield return new Buffer($"M{layer.Index}", "float", layer.Units);
            }
            int widest = spec.Layers.Max(l => l.Units);
            yield return new Buffer("D0", "float", widest);
            if (spec.Layers.Count > 1)
                yield return new Buffer("D1", "float", widest);
            foreach (var buffer in RowSegmentBuffers(spec))
                yield return buffer;
        }

        /// <summary>The intermediate values Forward keeps per sample: hidden outputs and maxout pieces.</summary>
        private static List<(string Name, int Size)> InferenceBuffers(NetworkSpec spec)
        {
            var buffers = new List<(string, int)>();
            foreach (var layer in spec.Layers)
            {
                if (layer.Kind == LayerKind.Maxout) buffers.Add(($"z{layer.Index}", layer.AffineOutputs));
                if (layer != spec.OutputLayer && layer.Kind != LayerKind.Dropout) buffers.Add(($"a{layer.Index}", layer.Units));
            }
            return buffers;
        }

        private static int ScratchPerSample(NetworkSpec spec) => InferenceBuffers(spec).Sum(b => b.Size);

        /// <summary>Single-sample Forward keeps its intermediate values on the stack unless they exceed the budget.</summary>
        private static bool SingleNeedsThreadScratch(NetworkSpec spec) => ScratchPerSample(spec) > StackBudget;

        /// <summary>
        /// Batched Forward always works in tiles of <see cref="MaxTile"/> samples, enough for the batched kernels to pay
        /// for packing their weights; a tile's intermediate values go on the stack when they fit the budget.
        /// </summary>
        private static bool BatchNeedsThreadScratch(NetworkSpec spec) => (long)MaxTile * ScratchPerSample(spec) > StackBudget;

        private static bool NeedsThreadScratch(NetworkSpec spec) => SingleNeedsThreadScratch(spec) || BatchNeedsThreadScratch(spec);

        private static void EmitForwardSingle(SourceWriter w, NetworkSpec spec, SortedSet<int> dims)
        {
            w.WriteLine("/// <inheritdoc/>");
            w.WriteLine(GeneratedCode);
            using (w.Block($"public void Forward({ReadOnlySpanOfFloat} input, {SpanOfFloat} output)"))
            {
                EmitLengthCheck(w, spec, "input", "InputSize", "InputSize");
                EmitLengthCheck(w, spec, "output", "OutputSize", "OutputSize");
                w.WriteLine($"__Forward(global::System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref {ParameterReference(spec)}, ParameterCount), input, output);");
            }
            w.WriteLine();

            w.WriteLine("// One sample through every layer with the parameters in p: the instance's, a frozen copy's or the baked ones.");
            w.WriteLine(GeneratedCode);
            w.WriteLine("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
            using (w.Block($"private static void __Forward({ReadOnlySpanOfFloat} p, {ReadOnlySpanOfFloat} input, {SpanOfFloat} output)"))
            {
                EmitConstantLength(w, "p");
                EmitSingleSampleForward(w, spec, dims);
            }
            w.WriteLine();
        }

        /// <summary>
        /// The body of <c>__Forward</c>, the one-sample pass over the parameters in <c>p</c> (the instance's, a frozen copy's
        /// or the baked ones): the intermediate buffers, then every layer from <c>input</c> into <c>output</c>.
        /// </summary>
        private static void EmitSingleSampleForward(SourceWriter w, NetworkSpec spec, SortedSet<int> dims)
        {
            var buffers = InferenceBuffers(spec);
            if (SingleNeedsThreadScratch(spec))
            {
                w.WriteLine($"{SpanOfFloat} scratch = __Scratch({ScratchPerSample(spec)}); // too large for the stack");
                int offset = 0;
                foreach (var (name, size) in buffers)
                {
                    w.WriteLine($"{SpanOfFloat} {name} = scratch.Slice({offset}, {size});");
                    offset += size;
                }
            }
            else
            {
                // Layers that hand their values to an unrolled layer keep them in locals, not in a buffer.
                foreach (var (name, size) in buffers)
                    if (!spec.Layers.Any(l => OutputsLocals(spec, l) && name == $"a{l.Index}"))
                        w.WriteLine($"{SpanOfFloat} {name} = stackalloc float[{size}];");
            }
            EmitForwardLayers(w, spec, dims, Mode.Single, "input", "output", "1");
        }

        private static void EmitForwardBatch(SourceWriter w, NetworkSpec spec, SortedSet<int> dims)
        {
            w.WriteLine("/// <inheritdoc/>");
            w.WriteLine(GeneratedCode);
            using (w.Block($"public void Forward({ReadOnlySpanOfFloat} inputs, {SpanOfFloat} outputs, int batchSize)"))
            {
                EmitBatchChecks(w, spec, "inputs", "outputs", "OutputSize");
                w.WriteLine($"__ForwardBatch({BufferSpan(spec, "__parameters")}, default, inputs, outputs, batchSize);");
            }
            w.WriteLine();

            w.WriteLine("// A batch through every layer with the parameters in p. packed holds every dense layer's weights transposed (a");
            w.WriteLine("// frozen network's, made by __Pack) or is empty (a live network's, whose kernels then transpose them per tile).");
            w.WriteLine(GeneratedCode);
            using (w.Block($"private static void __ForwardBatch({ReadOnlySpanOfFloat} p, {ReadOnlySpanOfFloat} packed, {ReadOnlySpanOfFloat} inputs, {SpanOfFloat} outputs, int batchSize)"))
            {
                EmitConstantLength(w, "p");
                var buffers = InferenceBuffers(spec);
                w.WriteLine($"// Samples go through in tiles. Kernels that transpose their weights per tile need large tiles ({MaxTile}) to");
                w.WriteLine($"// amortize it; with the weights transposed beforehand, tiles of {FrozenTile} keep a tile's inputs in L2.");
                w.WriteLine($"const int MaxTile = {MaxTile};");
                w.WriteLine($"int tile = packed.IsEmpty ? MaxTile : {FrozenTile};");
                if (BatchNeedsThreadScratch(spec))
                {
                    w.WriteLine("int rows = global::System.Math.Min(tile, batchSize); // the thread's buffer grows only as far as batches need");
                    w.WriteLine($"{SpanOfFloat} scratch = __Scratch(rows * {ScratchPerSample(spec)}); // too large for the stack");
                    int offset = 0;
                    foreach (var (name, size) in buffers)
                    {
                        w.WriteLine($"{SpanOfFloat} {name}Tile = scratch.Slice(rows * {offset}, rows * {size});");
                        offset += size;
                    }
                }
                else
                {
                    foreach (var (name, size) in buffers)
                        w.WriteLine($"{SpanOfFloat} {name}Tile = stackalloc float[MaxTile * {size}];");
                }
                using (w.Block("for (int start = 0; start < batchSize; start += tile)"))
                {
                    w.WriteLine("int n = global::System.Math.Min(tile, batchSize - start);");
                    w.WriteLine($"{ReadOnlySpanOfFloat} x = inputs.Slice(start * InputSize, n * InputSize);");
                    w.WriteLine($"{SpanOfFloat} y = outputs.Slice(start * OutputSize, n * OutputSize);");
                    foreach (var (name, size) in buffers)
                        w.WriteLine($"{SpanOfFloat} {name} = {name}Tile.Slice(0, n * {size});");
                    EmitForwardLayers(w, spec, dims, Mode.Batch, "x", "y", "n");
                }
            }
            w.WriteLine();
        }

        /// <summary>
        /// <c>__Pack</c> (every dense layer's weights transposed into the same positions of <c>packed</c>, for
        /// <c>__ForwardBatch</c>), <c>Freeze</c>, and the <c>__Frozen</c> passes a <c>FrozenNetwork</c> calls.
        /// </summary>
        private static void EmitFreeze(SourceWriter w, NetworkSpec spec, SortedSet<int> dims)
        {
            w.WriteLine("/// <inheritdoc/>");
            w.WriteLine(GeneratedCode);
            w.WriteLine("public global::NetGen.FrozenNetwork Freeze() => new global::NetGen.FrozenNetwork(this, __Frozen.Instance);");
            w.WriteLine();

            w.WriteLine("// Every dense layer's weights transposed, [inputs × units], into the positions of its [units × inputs] block.");
            w.WriteLine(GeneratedCode);
            using (w.Block($"private static void __Pack({ReadOnlySpanOfFloat} p, {SpanOfFloat} packed)"))
            {
                foreach (var layer in spec.Layers)
                {
                    if (layer.Kind is not (LayerKind.Dense or LayerKind.Maxout)) continue;
                    int inputs = layer.Inputs, units = layer.Kind == LayerKind.Maxout ? layer.AffineOutputs : layer.Units;
                    w.WriteLine($"{Kernels}DenseKernels.PackWeights<{D(dims, inputs)}, {D(dims, units)}>({Weights(layer)}, packed.Slice({layer.WeightOffset}, {layer.WeightCount}));");
                }
            }
            w.WriteLine();

            w.WriteLine("// The passes of this network over a FrozenNetwork's parameters.");
            w.WriteLine(GeneratedCode);
            using (w.Block($"private sealed class __Frozen : {Kernels}IInferencePasses"))
            {
                w.WriteLine("public static readonly __Frozen Instance = new __Frozen();");
                w.WriteLine();
                using (w.Block($"public void Pack({ReadOnlySpanOfFloat} parameters, {SpanOfFloat} packed)"))
                {
                    EmitPassesCheck(w, spec, "parameters");
                    EmitPassesCheck(w, spec, "packed");
                    w.WriteLine("__Pack(parameters, packed);");
                }
                w.WriteLine();
                using (w.Block($"public void Forward({ReadOnlySpanOfFloat} parameters, {ReadOnlySpanOfFloat} input, {SpanOfFloat} output)"))
                {
                    EmitPassesCheck(w, spec, "parameters");
                    EmitLengthCheck(w, spec, "input", "InputSize", "InputSize");
                    EmitLengthCheck(w, spec, "output", "OutputSize", "OutputSize");
                    w.WriteLine("__Forward(parameters, input, output);");
                }
                w.WriteLine();
                using (w.Block($"public void Forward({ReadOnlySpanOfFloat} parameters, {ReadOnlySpanOfFloat} packed, {ReadOnlySpanOfFloat} inputs, {SpanOfFloat} outputs, int batchSize)"))
                {
                    EmitPassesCheck(w, spec, "parameters");
                    EmitPassesCheck(w, spec, "packed");
                    EmitBatchChecks(w, spec, "inputs", "outputs", "OutputSize");
                    w.WriteLine("__ForwardBatch(parameters, packed, inputs, outputs, batchSize);");
                }
            }
            w.WriteLine();
        }

        private static void EmitPassesCheck(SourceWriter w, NetworkSpec spec, string parameter) =>
            EmitLengthCheck(w, spec, parameter, "ParameterCount", "ParameterCount");

        private static void EmitComputeGradients(SourceWriter w, NetworkSpec spec, SortedSet<int> dims)
        {
            string rng = spec.HasDropout ? "__dropoutRng" : "unused";
            w.WriteLine("/// <inheritdoc/>");
            w.WriteLine(GeneratedCode);
            using (w.Block($"public float ComputeGradients({ReadOnlySpanOfFloat} inputs, {ReadOnlySpanOfFloat} targets, int batchSize)"))
            {
                EmitBatchChecks(w, spec, "inputs", "targets", "OutputSize");
                if (!spec.HasDropout) w.WriteLine("var unused = default(global::NetGen.Rng); // no dropout: nothing draws from it");
                if (TrainsInLanes(spec))
                    EmitSlicedGradients(w, spec, rng);
                else
                {
                    w.WriteLine("// With TrainingThreads > 1 each layer's products are split over the threads; the results are the same for any count.");
                    w.WriteLine($"return __ComputeGradients(__workspace, inputs, targets, batchSize, {BufferSpan(spec, "__gradients")}, ref {rng});");
                }
            }
            w.WriteLine();
            EmitComputeGradientsBody(w, spec, dims);
        }

        /// <summary>
        /// Tiny networks (trained in lanes, no kernels to split) use TrainingThreads for data parallelism: consecutive
        /// slices of the batch, each on its own workspace, combined in slice order.
        /// </summary>
        private static void EmitSlicedGradients(SourceWriter w, NetworkSpec spec, string rng)
        {
            w.WriteLine($"int slices = {Kernels}ParallelGradients.SliceCount(__trainingThreads, batchSize);");
            w.WriteLine("if (slices == 1)");
            w.WriteLine($"    return __ComputeGradients(__workspaces[0], inputs, targets, batchSize, {BufferSpan(spec, "__gradients")}, ref {rng});");
            w.WriteLine("// Several threads: consecutive slices of the batch, each on its own workspace, combined in slice order.");
            w.WriteLine("if (__parallel is null || __parallel.Slices != slices)");
            using (w.Block(""))
            {
                w.WriteLine("if (__workspaces.Length < slices)");
                using (w.Block(""))
                {
                    w.WriteLine("var grown = new __Workspace[slices];");
                    w.WriteLine("for (int k = 0; k < slices; k++) grown[k] = k < __workspaces.Length ? __workspaces[k] : new __Workspace();");
                    w.WriteLine("__workspaces = grown;");
                }
                w.WriteLine($"__parallel = new {Kernels}ParallelGradients(slices, InputSize, OutputSize, ParameterCount,");
                w.WriteLine("    (int k, global::System.ReadOnlySpan<float> x, global::System.ReadOnlySpan<float> y, int n, global::System.Span<float> g, ref global::NetGen.Rng r) => __ComputeGradients(__workspaces[k], x, y, n, g, ref r));");
            }
            w.WriteLine($"return __parallel.Run(inputs, targets, batchSize, {BufferSpan(spec, "__gradients")}, ref {rng});");
        }

        private static void EmitComputeGradientsBody(SourceWriter w, NetworkSpec spec, SortedSet<int> dims)
        {
            w.WriteLine("// Forward and backward over n samples using one workspace's buffers; writes the gradient of the mean loss to grad.");
            w.WriteLine(GeneratedCode);
            using (w.Block($"private float __ComputeGradients(__Workspace ws, {ReadOnlySpanOfFloat} inputs, {ReadOnlySpanOfFloat} targets, int n, {SpanOfFloat} grad, ref global::NetGen.Rng rng)"))
            {
                if (TrainsInLanes(spec))
                    EmitLaneGradients(w, spec);
                else
                    EmitKernelGradients(w, spec, dims);
            }
            w.WriteLine();
            if (RowSegmentStart(spec) is var start and >= 0)
                EmitRowsMethod(w, spec, dims, start);
            if (MergedWeightGradientLayer(spec) is var merged and >= 0)
                EmitWeightGradientsMethod(w, spec, dims, merged);
        }

        /// <summary>The body of <c>__ComputeGradients</c> through the batched kernels, with the workspace's buffers.</summary>
        private static void EmitKernelGradients(SourceWriter w, NetworkSpec spec, SortedSet<int> dims)
        {
            w.WriteLine("ws.EnsureCapacity(n);");
            EmitParameterSpan(w, spec);
            w.WriteLine();
            w.WriteLine("// Forward pass (dropout active), keeping every layer's output for the backward pass.");
            var last = spec.OutputLayer;
            foreach (var layer in spec.Layers)
            {
                if (layer.Kind == LayerKind.Maxout)
                {
                    w.WriteLine($"{SpanOfFloat} z{layer.Index} = {WorkspaceSpan(spec, $"Z{layer.Index}", $"n * {layer.AffineOutputs}")};");
                    w.WriteLine($"global::System.Span<int> k{layer.Index} = new global::System.Span<int>(ws.K{layer.Index}, 0, n * {layer.Units});");
                }
                if (layer.Kind == LayerKind.Dropout)
                    w.WriteLine($"{SpanOfFloat} m{layer.Index} = {WorkspaceSpan(spec, $"M{layer.Index}", $"n * {layer.Units}")};");
                w.WriteLine($"{SpanOfFloat} {TrainingOutput(spec, layer)} = {WorkspaceSpan(spec, $"A{layer.Index}", $"n * {layer.Units}")};");
            }
            int segment = RowSegmentStart(spec);
            EmitForwardLayers(w, spec, dims, Mode.Training, "inputs", TrainingOutput(spec, last), "n", segment < 0 ? spec.Layers.Count : segment);
            w.WriteLine();
            if (segment >= 0)
            {
                bool derivativeApplied = EmitRowSegmentCall(w, spec, dims, segment);
                if (Propagates(spec, segment))
                {
                    w.WriteLine($"{SpanOfFloat} da{segment - 1} = {WorkspaceSpan(spec, "D0", $"n * {spec.Layers[segment - 1].Units}")};");
                    EmitBackwardLayers(w, spec, dims, segment - 1, $"da{segment - 1}", derivativeApplied);
                }
                w.WriteLine("return loss;");
                return;
            }

            string da = $"da{last.Index}";
            w.WriteLine($"{SpanOfFloat} {da} = {WorkspaceSpan(spec, "D0", "n * OutputSize")};");
            string output = TrainingOutput(spec, last);
            switch (spec.Loss)
            {
                case LossKind.MeanSquaredError:
                    w.WriteLine($"// Loss: mean squared error over n × {spec.OutputSize} outputs; {da} = 2(a − y) / (n·{spec.OutputSize}).");
                    w.WriteLine($"float loss = {Kernels}LossKernels.MeanSquaredError({output}, targets, {da});");
                    break;
                case LossKind.BinaryCrossEntropy:
                    w.WriteLine($"// Loss: binary cross-entropy from the logits (finite for any logit) over n × {spec.OutputSize} outputs;");
                    w.WriteLine($"// fused with the sigmoid, the gradient with respect to the logits is dz{last.Index} = (σ(z) − y) / (n·{spec.OutputSize}).");
                    w.WriteLine($"float loss = {Kernels}LossKernels.BinaryCrossEntropyWithLogits({output}, targets, {da});");
                    break;
                default:
                    w.WriteLine($"// Loss: cross-entropy of softmax(z) summed over {spec.OutputSize} classes and averaged over n samples, computed");
                    w.WriteLine($"// with log-sum-exp; fused with the softmax, the gradient with respect to the logits is dz{last.Index} = (p − y) / n.");
                    w.WriteLine($"float loss = {Kernels}LossKernels.CrossEntropyWithLogits({output}, targets, {da}, OutputSize);");
                    break;
            }
            w.WriteLine();
            w.WriteLine("// Backward pass: each layer turns dL/d(its output) into its parameter gradients and dL/d(its input).");
            EmitBackwardLayers(w, spec, dims, spec.Layers.Count - 1, da, derivativeApplied: false);
            w.WriteLine("return loss;");
        }

        private static string TrainingOutput(NetworkSpec spec, LayerSpec layer) =>
            layer == spec.OutputLayer && spec.FusedLoss ? $"z{layer.Index}" : $"a{layer.Index}";

        /// <summary>Emits the forward pass layer by layer from <paramref name="input"/> into <paramref name="output"/>.</summary>
        private static void EmitForwardLayers(SourceWriter w, NetworkSpec spec, SortedSet<int> dims, Mode mode, string input, string output, string n, int? layerCount = null)
        {
            string x = input;
            bool xInLocals = false; // single-sample mode: the previous unrolled layer left its values in locals x_0, x_1, …
            foreach (var layer in spec.Layers.Take(layerCount ?? spec.Layers.Count))
            {
                bool isLast = layer == spec.OutputLayer;
                string a = isLast ? output : mode == Mode.Training ? TrainingOutput(spec, layer) : $"a{layer.Index}";
                string header = $"// Layer {layer.Index} ({ArchitectureDescriber.Title(layer)}): ";
                switch (layer.Kind)
                {
                    case LayerKind.Dropout when mode != Mode.Training:
                        w.WriteLine(header + "the identity at inference.");
                        continue; // the next layer reads x directly
                    case LayerKind.Dropout:
                        w.WriteLine(header + ArchitectureDescriber.Formula(layer) + ", drawn afresh for every batch.");
                        w.WriteLine($"{Kernels}DropoutKernels.Forward({x}, {a}, m{layer.Index}, {F(layer.Rate)}, ref rng);");
                        break;
                    case LayerKind.Maxout:
                        w.WriteLine(header + ArchitectureDescriber.Formula(layer) + ";");
                        w.WriteLine($"// all {layer.AffineOutputs} pieces as one dense product ({ArchitectureDescriber.VectorPlan(layer.Inputs)}), then the max of each unit's {layer.Pieces}.");
                        w.WriteLine($"{Kernels}DenseKernels.Forward<{D(dims, layer.Inputs)}, {D(dims, layer.AffineOutputs)}>({Weights(layer)}, {Biases(layer)}, {x}, z{layer.Index}, {n}{PackedWeights(mode, layer)});");
                        w.WriteLine($"{Kernels}MaxoutKernels.Forward(z{layer.Index}, {a}, {(mode == Mode.Training ? "k" + layer.Index : "default")}, {layer.Units}, {layer.Pieces});");
                        break;
                    case LayerKind.Dense when mode == Mode.Single && IsUnrolled(layer):
                        bool toLocals = OutputsLocals(spec, layer);
                        w.WriteLine(header + ArchitectureDescriber.Formula(layer) + ", unrolled" + (toLocals ? $" into locals {a}_0…{a}_{layer.Units - 1}." : "."));
                        EmitUnrolledDense(w, layer, x, xInLocals, a, toLocals);
                        x = a;
                        xInLocals = toLocals;
                        continue;
                    default:
                        bool keepLogits = mode == Mode.Training && isLast && spec.FusedLoss;
                        w.WriteLine(header + ArchitectureDescriber.Formula(layer) + (keepLogits ? " (the logits z are kept: the loss applies the activation)" : "") + ";");
                        (string Type, string Argument)? fusedActivation = keepLogits ? null : ActivationOperator(layer);
                        w.WriteLine($"// {ArchitectureDescriber.VectorPlan(layer.Inputs)}" + (fusedActivation is null ? "." : "; the activation is applied by the kernel as it stores each block."));
                        if (fusedActivation is null)
                        {
                            w.WriteLine($"{Kernels}DenseKernels.Forward<{D(dims, layer.Inputs)}, {D(dims, layer.Units)}>({Weights(layer)}, {Biases(layer)}, {x}, {a}, {n}{PackedWeights(mode, layer)});");
                            // Element-wise activations are fused; what is left is the identity, or softmax over each row.
                            if (!keepLogits && layer.Activation == ActivationKind.Softmax)
                                w.WriteLine($"{Kernels}ActivationKernels.Softmax({a}, {layer.Units});");
                        }
                        else
                        {
                            var (transposed, threads) = ForwardOptions(mode, layer);
                            w.WriteLine($"{Kernels}DenseKernels.Forward<{D(dims, layer.Inputs)}, {D(dims, layer.Units)}, {Kernels}{fusedActivation.Value.Type}>({Weights(layer)}, {Biases(layer)}, {x}, {a}, {n}, {transposed}, {threads}, new {Kernels}{fusedActivation.Value.Type}({fusedActivation.Value.Argument}));");
                        }
                        break;
                }
                x = a;
                xInLocals = false;
            }
        }

        /// <summary>Dense layers this small (both sides at most <see cref="UnrollLimit"/>) become straight-line code in the single-sample Forward.</summary>
        private static bool IsUnrolled(LayerSpec layer) =>
            layer.Kind == LayerKind.Dense && layer.Inputs <= UnrollLimit && layer.Units <= UnrollLimit;

        /// <summary>
        /// Whether an unrolled layer's outputs stay in locals: when the next layer that computes anything (dropout is the
        /// identity at inference) is unrolled too. Softmax and the output layer write to a span.
        /// </summary>
        private static bool OutputsLocals(NetworkSpec spec, LayerSpec layer)
        {
            if (!IsUnrolled(layer) || layer == spec.OutputLayer || layer.Activation == ActivationKind.Softmax) return false;
            var next = spec.Layers.Skip(layer.Index + 1).FirstOrDefault(l => l.Kind != LayerKind.Dropout);
            return next is not null && IsUnrolled(next);
        }

        /// <summary>Activations that cost enough per value to be applied four units at a time in a Vector128.</summary>
        private static bool VectorizedInUnrolledCode(LayerSpec layer) => layer.Units > 1 &&
            layer.Activation is ActivationKind.Tanh or ActivationKind.Sigmoid or ActivationKind.ELU;

        /// <summary>
        /// Straight-line code for a tiny dense layer: one expression per unit with a constant for every index, reading the
        /// previous layer's locals or span. Cheap activations are applied inline; tanh, sigmoid and ELU go four units at a
        /// time through one Vector128 call (measured on XOR 2-4-1: 16 ns for the forward instead of 38 ns with four
        /// scalar calls). Softmax runs once over the layer's outputs.
        /// </summary>
        private static void EmitUnrolledDense(SourceWriter w, LayerSpec layer, string x, bool xInLocals, string a, bool toLocals)
        {
            string Target(int j) => toLocals ? $"float {a}_{j}" : $"{a}[{j}]";
            string PreActivation(int j)
            {
                var z = new StringBuilder($"p[{layer.BiasOffset + j}]");
                for (int i = 0; i < layer.Inputs; i++)
                    z.Append($" + p[{layer.WeightOffset + j * layer.Inputs + i}] * " + (xInLocals ? $"{x}_{i}" : $"{x}[{i}]"));
                return z.ToString();
            }

            if (!VectorizedInUnrolledCode(layer))
            {
                for (int j = 0; j < layer.Units; j++)
                    w.WriteLine($"{Target(j)} = {ScalarActivation(layer, PreActivation(j))};");
                if (layer.Activation == ActivationKind.Softmax)
                    w.WriteLine($"{Kernels}ActivationKernels.Softmax({a}, {layer.Units});");
                return;
            }

            string z = $"z{layer.Index}";
            for (int j = 0; j < layer.Units; j++)
                w.WriteLine($"float {z}_{j} = {PreActivation(j)};");
            string alpha = AlphaArgument(layer), function = layer.Facets.Kernel!;
            for (int first = 0; first < layer.Units; first += 4)
            {
                int count = System.Math.Min(4, layer.Units - first);
                string lanes = string.Join(", ", Enumerable.Range(first, 4).Select(j => j < layer.Units ? $"{z}_{j}" : "0f"));
                string v = $"v{layer.Index}_{first / 4}";
                w.WriteLine($"global::System.Runtime.Intrinsics.Vector128<float> {v} = {Kernels}ActivationKernels.{function}(global::System.Runtime.Intrinsics.Vector128.Create({lanes}){alpha}); // units {first}…{first + count - 1}");
                for (int k = 0; k < count; k++)
                    w.WriteLine($"{Target(first + k)} = {v}[{k}];");
            }
        }

        /// <summary>
        /// Emits the backward pass from layer <paramref name="top"/> down, given dL/d(its output) in
        /// <paramref name="current"/> (workspace buffer D0), already multiplied by its f′ when <paramref name="derivativeApplied"/>.
        /// </summary>
        private static void EmitBackwardLayers(SourceWriter w, NetworkSpec spec, SortedSet<int> dims, int top, string current, bool derivativeApplied)
        {
            int pingPong = 0; // which of D0/D1 holds `current`
            for (int index = top; index >= 0; index--)
            {
                var layer = spec.Layers[index];
                bool propagate = Propagates(spec, index);
                string x = index == 0 ? "inputs" : TrainingOutput(spec, spec.Layers[index - 1]);
                string below = $"da{index - 1}";
                string header = $"// Layer {index} ({ArchitectureDescriber.Title(layer)}): ";
                switch (layer.Kind)
                {
                    case LayerKind.Dropout:
                        if (!propagate) continue;
                        w.WriteLine(header + "the gradient flows through the kept values only, with the same scaling.");
                        w.WriteLine($"{Kernels}DropoutKernels.Backward(m{index}, {current});");
                        w.WriteLine($"{SpanOfFloat} {below} = {current};");
                        current = below;
                        continue;
                    case LayerKind.Maxout:
                        w.WriteLine(header + $"only each unit's winning piece receives its gradient, dz{index}[u, k*] = {current}[u];");
                        w.WriteLine($"// then dW{index} = dz{index}ᵀ·x, db{index} = Σ_n dz{index}" + (propagate ? $", {below} = dz{index}·W{index}." : "."));
                        w.WriteLine($"{Kernels}MaxoutKernels.Backward({current}, k{index}, z{index}, {layer.Pieces});");
                        w.WriteLine($"{Kernels}DenseKernels.WeightGradients<{D(dims, layer.Inputs)}, {D(dims, layer.AffineOutputs)}>(z{index}, {x}, {WeightGradients(layer)}, {BiasGradients(layer)}, n, __trainingThreads);");
                        if (propagate)
                        {
                            pingPong ^= 1;
                            w.WriteLine($"{SpanOfFloat} {below} = {WorkspaceSpan(spec, $"D{pingPong}", $"n * {layer.Inputs}")};");
                            derivativeApplied = EmitInputGradients(w, spec, dims, index, layer.AffineOutputs, $"z{index}", below);
                            current = below;
                        }
                        break;
                    default:
                        bool fused = layer == spec.OutputLayer && spec.FusedLoss;
                        string? derivative = fused || derivativeApplied ? null : ActivationBackwardCall(layer, $"a{index}", current);
                        string dz = fused ? "already dz (fused with the loss)"
                            : derivativeApplied ? $"{current} is already dz{index} = dL/da{index} ⊙ f′(a{index}) (applied by the input gradient above)"
                            : derivative is null ? $"dz{index} = {current} (identity)" : $"dz{index} = {current} ⊙ f′(a{index}), in place";
                        w.WriteLine(header + dz + ";");
                        w.WriteLine($"// dW{index} = dz{index}ᵀ·x, db{index} = Σ_n dz{index}" + (propagate ? $", {below} = dz{index}·W{index}." : "."));
                        if (derivative is not null) w.WriteLine(derivative);
                        if (!propagate)
                        {
                            if (index == MergedWeightGradientLayer(spec))
                                EmitMergedWeightGradientsCall(w, spec, index);
                            else
                                w.WriteLine($"{Kernels}DenseKernels.WeightGradients<{D(dims, layer.Inputs)}, {D(dims, layer.Units)}>({current}, {x}, {WeightGradients(layer)}, {BiasGradients(layer)}, n, __trainingThreads);");
                            break;
                        }
                        pingPong ^= 1;
                        w.WriteLine($"{SpanOfFloat} {below} = {WorkspaceSpan(spec, $"D{pingPong}", $"n * {layer.Inputs}")};");
                        w.WriteLine("// Both products in one call: with several threads, products of middling size run side by side (one per thread),");
                        w.WriteLine("// larger ones are each split over the threads.");
                        derivativeApplied = EmitInputGradients(w, spec, dims, index, layer.Units, current, below, x);
                        current = below;
                        break;
                }
            }
        }

        /// <summary>
        /// Emits dx = dz·W for layer <paramref name="index"/> (<paramref name="outputs"/> affine outputs), or, given the
        /// layer's input <paramref name="x"/>, the weight gradient and dx in one call (<c>DenseKernels.Gradients</c>). When
        /// the layer directly below is dense with an element-wise activation, the kernel applies that activation's backward
        /// step as it stores each block, so dx comes out as the layer below's dz; returns whether it did.
        /// </summary>
        private static bool EmitInputGradients(SourceWriter w, NetworkSpec spec, SortedSet<int> dims, int index, int outputs, string dz, string dx, string? x = null)
        {
            var layer = spec.Layers[index];
            var below = spec.Layers[index - 1];
            string kernel = x is null
                ? $"{Kernels}DenseKernels.InputGradients<{D(dims, layer.Inputs)}, {D(dims, outputs)}"
                : $"{Kernels}DenseKernels.Gradients<{D(dims, layer.Inputs)}, {D(dims, outputs)}";
            string arguments = x is null
                ? $"{dz}, {Weights(layer)}, {dx}, n, __trainingThreads"
                : $"{dz}, {x}, {WeightGradients(layer)}, {BiasGradients(layer)}, {Weights(layer)}, {dx}, n, __trainingThreads";
            if (below.Kind != LayerKind.Dense || GradientOperator(below) is not { } g)
            {
                w.WriteLine($"{kernel}>({arguments});");
                return false;
            }
            w.WriteLine($"// The input gradient applies layer {below.Index}'s f′ as it stores each block: {dx} = ({dz}·W{index}) ⊙ f′(a{below.Index}).");
            w.WriteLine($"{kernel}, {Kernels}{g.Type}>({arguments}, {TrainingOutput(spec, below)}, new {Kernels}{g.Type}({g.Argument}));");
            return true;
        }

        /// <summary>The operator struct (and its constructor argument) a dense kernel applies for an element-wise activation; null for the identity and softmax.</summary>
        private static (string Type, string Argument)? ActivationOperator(LayerSpec layer) =>
            layer.Facets.Operator is string type ? (type, layer.Facets.TakesAlpha ? F(layer.Alpha) : "") : null;

        /// <summary>The backward step of an element-wise activation as an operator struct, matching <see cref="ActivationBackwardCall"/>; null for the identity and softmax.</summary>
        private static (string Type, string Argument)? GradientOperator(LayerSpec layer) =>
            layer.Facets.Gradient is string type ? (type, layer.Facets.FixedGradientArgument ?? (layer.Facets.TakesAlpha ? F(layer.Alpha) : "")) : null;

        /// <summary>dz = da ⊙ f′ in place over a span (Step's gradient is zero whatever a is; softmax's needs the layer width).</summary>
        private static string? ActivationBackwardCall(LayerSpec layer, string a, string g) => layer.Activation switch
        {
            ActivationKind.Identity => null,
            ActivationKind.Step => $"{Kernels}ActivationKernels.StepBackward({g});",
            ActivationKind.Softmax => $"{Kernels}ActivationKernels.SoftmaxBackward({a}, {g}, {layer.Units});",
            _ => $"{Kernels}ActivationKernels.{layer.Facets.Kernel}Backward({a}, {g}{AlphaArgument(layer)});",
        };

        /// <summary>An activation applied to one value in unrolled code (softmax is applied over the layer afterwards).</summary>
        private static string ScalarActivation(LayerSpec layer, string z) => layer.Facets.ScalarForm is string form
            ? string.Format(CultureInfo.InvariantCulture, form, z)
            : $"{Kernels}ActivationKernels.{layer.Facets.Kernel}({z}{AlphaArgument(layer)})";

        /// <summary>", α" after the other arguments of a kernel call for activations that take α, else nothing.</summary>
        private static string AlphaArgument(LayerSpec layer) => layer.Facets.TakesAlpha ? ", " + F(layer.Alpha) : "";

        private static string Weights(LayerSpec l) => $"p.Slice({l.WeightOffset}, {l.WeightCount})";
        private static string Biases(LayerSpec l) => $"p.Slice({l.BiasOffset}, {l.BiasCount})";
        private static string WeightGradients(LayerSpec l) => $"grad.Slice({l.WeightOffset}, {l.WeightCount})";
        private static string BiasGradients(LayerSpec l) => $"grad.Slice({l.BiasOffset}, {l.BiasCount})";

        /// <summary>
        /// The extra arguments of a dense product: in the batched Forward the layer's transposed weights from <c>packed</c>
        /// (when there are any), in training the thread count.
        /// </summary>
        private static string PackedWeights(Mode mode, LayerSpec l) => mode switch
        {
            Mode.Batch => $", {ForwardOptions(mode, l).Transposed}",
            Mode.Training => $", default, {ForwardOptions(mode, l).Threads}", // split over the training threads
            _ => "",
        };

        /// <summary>A forward kernel call's transposed weights (a frozen network's, in batched mode) and thread count.</summary>
        private static (string Transposed, string Threads) ForwardOptions(Mode mode, LayerSpec l) =>
            (mode == Mode.Batch ? $"packed.IsEmpty ? default : packed.Slice({l.WeightOffset}, {l.WeightCount})" : "default",
             mode == Mode.Training ? "__trainingThreads" : "1");

        /// <summary>Re-declares a parameter span of ParameterCount values (checked by every caller) with that constant length, so the JIT drops bounds checks.</summary>
        private static void EmitConstantLength(SourceWriter w, string span)
        {
            w.WriteLine($"// {span} holds ParameterCount values (every caller checks or creates it so); a span of constant length lets the JIT drop bounds checks.");
            w.WriteLine($"{span} = global::System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference({span}), ParameterCount);");
        }

        private static void EmitParameterSpan(SourceWriter w, NetworkSpec spec)
        {
            w.WriteLine("// The buffer always holds ParameterCount values; a span of constant length lets the JIT drop bounds checks.");
            w.WriteLine($"{ReadOnlySpanOfFloat} p = global::System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref {ParameterReference(spec)}, ParameterCount);");
        }

        private static void EmitLengthCheck(SourceWriter w, NetworkSpec spec, string parameter, string expected, string what) =>
            w.WriteLine($"if ({parameter}.Length != {expected}) {Kernels}ThrowHelper.ThrowLength(\"{spec.Type.Name}\", nameof({parameter}), {expected}, {parameter}.Length, \"{what}\");");

        private static void EmitBatchChecks(SourceWriter w, NetworkSpec spec, string inputs, string second, string secondSize)
        {
            w.WriteLine($"if (batchSize < 1) {Kernels}ThrowHelper.ThrowBatchSize(\"{spec.Type.Name}\", batchSize);");
            EmitLengthCheck(w, spec, inputs, "(long)batchSize * InputSize", "batchSize × InputSize");
            EmitLengthCheck(w, spec, second, $"(long)batchSize * {secondSize}", $"batchSize × {secondSize}");
        }
    }
}
