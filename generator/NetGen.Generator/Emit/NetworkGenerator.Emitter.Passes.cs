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

        /// <summary>A workspace buffer: its field, element type, size per sample, and the local span the training pass names it by.</summary>
        private readonly record struct Buffer(string Field, string Type, int PerSample, string? Local = null, int Fixed = 0)
        {
            /// <summary>Its length for <paramref name="n"/> samples, as C#: n × PerSample, plus what it holds whatever the batch.</summary>
            public string Length(string n) => PerSample == 0 ? $"{Fixed}" : Fixed == 0 ? $"{n} * {PerSample}" : $"{n} * {PerSample} + {Fixed}";
        }

        /// <summary>
        /// The instance buffers ComputeGradients needs, each sized per sample: every layer's output, what each layer kind
        /// keeps for its backward pass, and two ping-pong gradient buffers.
        /// </summary>
        private static IEnumerable<Buffer> TrainingBuffers(NetworkSpec spec)
        {
            foreach (var layer in spec.Layers)
            {
                yield return new Buffer($"A{layer.Index}", "float", layer.Units);
                foreach (var buffer in LayerEmitter.For(layer.Kind).TrainingBuffers(layer))
                    yield return buffer;
            }
            int widest = spec.Layers.Max(l => l.Units);
            yield return new Buffer("D0", "float", widest);
            if (spec.Layers.Count > 1)
                yield return new Buffer("D1", "float", widest);
        }

        /// <summary>The intermediate values Forward keeps per sample, as each layer kind asks.</summary>
        private static List<(string Name, int Size)> InferenceBuffers(NetworkSpec spec) =>
            spec.Layers.SelectMany(layer => LayerEmitter.For(layer.Kind).InferenceBuffers(spec, layer)).ToList();

        private static int ScratchPerSample(NetworkSpec spec) => InferenceBuffers(spec).Sum(b => b.Size);

        /// <summary>Single-sample Forward keeps its intermediate values on the stack unless they exceed the budget.</summary>
        private static bool SingleNeedsThreadScratch(NetworkSpec spec) => ScratchPerSample(spec) > StackBudget;

        /// <summary>
        /// Batched Forward works in tiles whose size the runtime plan chooses; a tile's intermediate values go on the stack
        /// when that many samples fit the budget, else in the thread's buffer.
        /// </summary>
        private static bool BatchNeedsThreadScratch(NetworkSpec spec) => ScratchPerSample(spec) > 0;

        private static bool NeedsThreadScratch(NetworkSpec spec) => SingleNeedsThreadScratch(spec) || BatchNeedsThreadScratch(spec);

        /// <summary>The most values any layer reads per sample: what the plan sizes a tile of the batched Forward by.</summary>
        private static int WidestInput(NetworkSpec spec) => spec.Layers.Max(l => l.Inputs);

        /// <summary>The dense and maxout weights, which a live network's batched kernels may transpose once per tile.</summary>
        private static long DenseWeights(NetworkSpec spec) =>
            spec.Layers.Where(l => l.Kind is LayerKind.Dense or LayerKind.Maxout).Sum(l => (long)l.AffineOutputs * l.Inputs);

        /// <summary>The multiply-adds of one sample's forward pass: every dense product and every convolution.</summary>
        private static long MultiplyAdds(NetworkSpec spec) => spec.Layers.Sum(l => l.Kind switch
        {
            LayerKind.Dense or LayerKind.Maxout => (long)l.AffineOutputs * l.Inputs,
            LayerKind.Conv2D => (long)l.WeightCount * l.OutputShape.Height * l.OutputShape.Width,
            _ => 0L,
        });

        private static void EmitForwardSingle(SourceWriter w, NetworkSpec spec, SortedSet<int> dims)
        {
            w.WriteLine("/// <inheritdoc/>");
            w.WriteLine(GeneratedCode);
            using (w.Block($"public void Forward({ReadOnlySpanOfFloat} input, {SpanOfFloat} output)"))
            {
                EmitLengthCheck(w, spec, "input", "InputSize", "InputSize");
                EmitLengthCheck(w, spec, "output", "OutputSize", "OutputSize");
                w.WriteLine($"__Forward(global::System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref {ParameterReference(spec)}, {InferenceLength(spec)}), input, output);");
            }
            w.WriteLine();

            w.WriteLine("// One sample through every layer with the parameters in p: the instance's, a frozen copy's or the baked ones.");
            w.WriteLine(GeneratedCode);
            w.WriteLine("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
            using (w.Block($"private static void __Forward({ReadOnlySpanOfFloat} p, {ReadOnlySpanOfFloat} input, {SpanOfFloat} output)"))
            {
                EmitConstantLength(w, spec, "p");
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
                EmitConstantLength(w, spec, "p");
                var buffers = InferenceBuffers(spec);
                w.WriteLine("// Samples go through in tiles of the size the plan chooses for this machine (its L2 cache, and whether the weights");
                w.WriteLine("// are transposed already or each tile's kernels transpose them: the widest layer input, the dense weights, the");
                w.WriteLine("// multiply-adds per sample).");
                w.WriteLine($"int tile = {Kernels}ExecutionPlan.ForwardTile({WidestInput(spec)}, {DenseWeights(spec)}, {MultiplyAdds(spec)}, packed: !packed.IsEmpty);");
                if (BatchNeedsThreadScratch(spec))
                {
                    w.WriteLine("int rows = global::System.Math.Min(tile, batchSize);");
                    w.WriteLine($"{SpanOfFloat} scratch = rows * {ScratchPerSample(spec)} <= {StackBudget} ? stackalloc float[rows * {ScratchPerSample(spec)}] : __Scratch(rows * {ScratchPerSample(spec)});");
                    int offset = 0;
                    foreach (var (name, size) in buffers)
                    {
                        w.WriteLine($"{SpanOfFloat} {name}Tile = scratch.Slice(rows * {offset}, rows * {size});");
                        offset += size;
                    }
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
                    if (LayerEmitter.For(layer.Kind).TransposedRows(layer) is not int units) continue;
                    int inputs = layer.Inputs;
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
            EmitLengthCheck(w, spec, parameter, InferenceLength(spec), InferenceLength(spec));

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
                    w.WriteLine("// The plan splits large products over TrainingThreads; the results are the same for any count.");
                    w.WriteLine($"return __ComputeGradients(__workspace, inputs, targets, batchSize, {BufferSpan(spec, "__gradients")}, ref {rng});");
                }
            }
            w.WriteLine();
            EmitComputeGradientsBody(w, spec, dims);
        }

        /// <summary>
        /// Tiny networks (trained in lanes, no kernels to split) use TrainingThreads for data parallelism: the plan runs
        /// consecutive slices of the batch, each on its own workspace, combined in slice order.
        /// </summary>
        private static void EmitSlicedGradients(SourceWriter w, NetworkSpec spec, string rng)
        {
            w.WriteLine($"__slices ??= new {Kernels}SlicedGradients<__Workspace>(InputSize, OutputSize, ParameterCount, __ComputeGradients);");
            w.WriteLine($"return __plan.SlicedGradients(__slices, inputs, targets, batchSize, {BufferSpan(spec, "__gradients")}, ref {rng});");
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
        }

        /// <summary>The body of <c>__ComputeGradients</c> through the batched kernels, with the workspace's buffers.</summary>
        private static void EmitKernelGradients(SourceWriter w, NetworkSpec spec, SortedSet<int> dims)
        {
            w.WriteLine("ws.EnsureCapacity(n);");
            EmitParameterSpan(w, spec);
            if (spec.RunningStatisticsCount > 0)
                w.WriteLine($"{SpanOfFloat} stats = __parameters.Span.Slice(ParameterCount, RunningStatisticsCount); // updated by the BatchNorm layers");
            w.WriteLine();
            w.WriteLine("// Forward pass (dropout active), keeping every layer's output for the backward pass.");
            var last = spec.OutputLayer;
            foreach (var layer in spec.Layers)
            {
                foreach (var buffer in LayerEmitter.For(layer.Kind).TrainingBuffers(layer))
                    w.WriteLine(buffer.Type == "float"
                        ? $"{SpanOfFloat} {buffer.Local} = {WorkspaceSpan(spec, buffer.Field, buffer.Length("n"))};"
                        : $"global::System.Span<{buffer.Type}> {buffer.Local} = new global::System.Span<{buffer.Type}>(ws.{buffer.Field}, 0, {buffer.Length("n")});");
                w.WriteLine($"{SpanOfFloat} {TrainingOutput(spec, layer)} = {WorkspaceSpan(spec, $"A{layer.Index}", $"n * {layer.Units}")};");
            }
            EmitForwardLayers(w, spec, dims, Mode.Training, "inputs", TrainingOutput(spec, last), "n");
            w.WriteLine();

            string da = $"da{last.Index}";
            w.WriteLine($"{SpanOfFloat} {da} = {WorkspaceSpan(spec, "D0", "n * OutputSize")};");
            string output = TrainingOutput(spec, last);
            EmitLoss(w, spec, output, da);
            w.WriteLine();
            w.WriteLine("// Backward pass: each layer turns dL/d(its output) into its parameter gradients and dL/d(its input).");
            EmitBackwardLayers(w, spec, dims, spec.Layers.Count - 1, da, derivativeApplied: false);
            w.WriteLine("return loss;");
        }

        private static string TrainingOutput(NetworkSpec spec, LayerSpec layer) =>
            layer == spec.OutputLayer && spec.FusedLoss ? $"z{layer.Index}" : $"a{layer.Index}";

        /// <summary>
        /// Emits the forward pass layer by layer from <paramref name="input"/> into <paramref name="output"/>; each layer
        /// kind writes its own block (Emit/Layers/*Emitter.cs).
        /// </summary>
        private static void EmitForwardLayers(SourceWriter w, NetworkSpec spec, SortedSet<int> dims, Mode mode, string input, string output, string n, int? layerCount = null)
        {
            string x = input;
            bool xInLocals = false; // single-sample mode: the previous unrolled layer left its values in locals x_0, x_1, …
            var layers = spec.Layers.Take(layerCount ?? spec.Layers.Count).ToList();
            for (int i = 0; i < layers.Count; i++)
            {
                var layer = layers[i];
                var emitter = LayerEmitter.For(layer.Kind);
                if (i + 1 < layers.Count && emitter.ForwardWithNext(w, new ForwardStep(spec, layer, dims, mode, x, xInLocals, Output(layers[i + 1]), n), layers[i + 1]) is { } pair)
                {
                    (x, xInLocals) = pair;
                    i++;
                    continue;
                }
                (x, xInLocals) = emitter.Forward(w, new ForwardStep(spec, layer, dims, mode, x, xInLocals, Output(layer), n));
            }

            string Output(LayerSpec layer) => layer == spec.OutputLayer ? output : mode == Mode.Training ? TrainingOutput(spec, layer) : $"a{layer.Index}";
        }

        /// <summary>One layer's place in a forward pass: its input <paramref name="X"/> (in locals x_0… when <paramref name="XInLocals"/>), its output <paramref name="A"/>, the row count <paramref name="N"/>.</summary>
        private readonly record struct ForwardStep(NetworkSpec Spec, LayerSpec Layer, SortedSet<int> Dims, Mode Mode, string X, bool XInLocals, string A, string N);

        /// <summary>One layer's place in the backward pass: its input <paramref name="X"/>, the name <paramref name="Below"/> of dL/d(input), whether it <paramref name="Propagates"/> that gradient.</summary>
        private readonly record struct BackwardStep(NetworkSpec Spec, LayerSpec Layer, SortedSet<int> Dims, string X, string Below, bool Propagates);

        /// <summary>The comment that opens a layer's block: <c>// Layer 2 (Dense 128 → 64, ReLU): </c>.</summary>
        private static string LayerHeader(LayerSpec layer) => $"// Layer {layer.Index} ({ArchitectureDescriber.Title(layer)}): ";

        /// <summary>
        /// Emits the backward pass from layer <paramref name="top"/> down, given dL/d(its output) in
        /// <paramref name="current"/> (workspace buffer D0), already multiplied by its f′ when <paramref name="derivativeApplied"/>;
        /// each layer kind writes its own block (Emit/Layers/*Emitter.cs).
        /// </summary>
        private static void EmitBackwardLayers(SourceWriter w, NetworkSpec spec, SortedSet<int> dims, int top, string current, bool derivativeApplied)
        {
            var state = new BackwardState(current) { DerivativeApplied = derivativeApplied };
            for (int index = top; index >= 0; index--)
            {
                var layer = spec.Layers[index];
                var step = new BackwardStep(spec, layer, dims, index == 0 ? "inputs" : TrainingOutput(spec, spec.Layers[index - 1]), $"da{index - 1}", Propagates(spec, index));
                LayerEmitter.For(layer.Kind).Backward(w, step, state);
            }
        }

        private static string Weights(LayerSpec l) => $"p.Slice({l.WeightOffset}, {l.WeightCount})";
        private static string Biases(LayerSpec l) => $"p.Slice({l.BiasOffset}, {l.BiasCount})";
        private static string WeightGradients(LayerSpec l) => $"grad.Slice({l.WeightOffset}, {l.WeightCount})";
        private static string BiasGradients(LayerSpec l) => $"grad.Slice({l.BiasOffset}, {l.BiasCount})";

        /// <summary>Whether layer <paramref name="index"/> passes a gradient down: some layer below it has parameters.</summary>
        private static bool Propagates(NetworkSpec spec, int index) => spec.Layers.Take(index).Any(l => l.HasParameters);

        /// <summary>
        /// A dense product's forward call, <c>z = f(W·x + b)</c> over <paramref name="outputs"/> rows of W: in training through
        /// the plan (which may split it over the threads), at inference through the kernels with, in the batched Forward, a
        /// frozen network's transposed weights.
        /// </summary>
        private static string DenseForwardCall(ForwardStep step, int outputs, string z, (string Type, string Argument)? activation)
        {
            var (layer, dims, mode) = (step.Layer, step.Dims, step.Mode);
            string types = $"<{D(dims, layer.Inputs)}, {D(dims, outputs)}" + (activation is { } t ? $", {Kernels}{t.Type}>" : ">");
            string arguments = $"{Weights(layer)}, {Biases(layer)}, {step.X}, {z}, {step.N}";
            string fused = activation is { } f ? $", new {Kernels}{f.Type}({f.Argument})" : "";
            return mode switch
            {
                Mode.Training => $"__plan.DenseForward{types}({arguments}{fused});",
                Mode.Batch => $"{Kernels}DenseKernels.Forward{types}({arguments}, packed.IsEmpty ? default : packed.Slice({layer.WeightOffset}, {layer.WeightCount}){fused});",
                _ => activation is null ? $"{Kernels}DenseKernels.Forward{types}({arguments});" : $"{Kernels}DenseKernels.Forward{types}({arguments}, default{fused});",
            };
        }

        /// <summary>Re-declares a parameter span of ParameterCount values (checked by every caller) with that constant length, so the JIT drops bounds checks.</summary>
        private static void EmitConstantLength(SourceWriter w, NetworkSpec spec, string span)
        {
            w.WriteLine($"// {span} holds {InferenceLength(spec)} values (every caller checks or creates it so); a span of constant length lets the JIT drop bounds checks.");
            w.WriteLine($"{span} = global::System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference({span}), {InferenceLength(spec)});");
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
