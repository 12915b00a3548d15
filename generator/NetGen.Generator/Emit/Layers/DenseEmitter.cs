using System.Collections.Generic;
using System.Globalization;
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
        /// <summary>Dense layers: the kernels' products with the activation fused, and tiny layers unrolled.</summary>
        private sealed class DenseLayerEmitter : LayerEmitter
        {
            public static readonly DenseLayerEmitter Instance = new();
            public override (string X, bool XInLocals) Forward(SourceWriter w, ForwardStep step) => EmitDenseForward(w, step);
            public override void Backward(SourceWriter w, BackwardStep step, BackwardState state) =>
                EmitDenseBackward(w, step, ref state.Current, ref state.PingPong, ref state.DerivativeApplied);
            public override int? TransposedRows(LayerSpec layer) => layer.Units;
        }

        // Dense: a = f(W·x + b). Forward calls the dense kernel with the activation fused into its stores (or, for tiny
        // layers in the one-sample Forward, straight-line code); backward applies f′, then computes dW = dzᵀ·x, db = Σ dz
        // and dL/d(input) = dz·W, fusing the f′ of the layer below into that last product where it can.

        /// <summary>The layer's forward block; returns the input of the next layer.</summary>
        private static (string X, bool XInLocals) EmitDenseForward(SourceWriter w, ForwardStep step)
        {
            var (spec, layer, dims, mode, x, a, n) = (step.Spec, step.Layer, step.Dims, step.Mode, step.X, step.A, step.N);
            string header = LayerHeader(layer);
            if (mode == Mode.Single && IsUnrolled(layer))
            {
                bool toLocals = OutputsLocals(spec, layer);
                w.WriteLine(header + ArchitectureDescriber.Formula(layer) + ", unrolled" + (toLocals ? $" into locals {a}_0…{a}_{layer.Units - 1}." : "."));
                EmitUnrolledDense(w, layer, x, step.XInLocals, a, toLocals);
                return (a, toLocals);
            }
            bool keepLogits = mode == Mode.Training && layer == spec.OutputLayer && spec.FusedLoss;
            w.WriteLine(header + ArchitectureDescriber.Formula(layer) + (keepLogits ? " (the logits z are kept: the loss applies the activation)" : "") + ";");
            (string Type, string Argument)? fusedActivation = keepLogits ? null : ActivationOperator(layer);
            w.WriteLine($"// {ArchitectureDescriber.VectorPlan(layer.Inputs)}" + (fusedActivation is null ? "." : "; the activation is applied by the kernel as it stores each block."));
            w.WriteLine(DenseForwardCall(step, layer.Units, a, fusedActivation));
            // Element-wise activations are fused; what is left is the identity, or softmax over each row.
            if (fusedActivation is null && !keepLogits && layer.Activation == ActivationKind.Softmax)
                w.WriteLine($"{Kernels}ActivationKernels.Softmax({a}, {layer.Units});");
            return (a, false);
        }

        /// <summary>The layer's backward block: dz = dL/da ⊙ f′ (unless fused or already applied), dW, db and dL/d(input).</summary>
        private static void EmitDenseBackward(SourceWriter w, BackwardStep step, ref string current, ref int pingPong, ref bool derivativeApplied)
        {
            var (spec, layer, dims, x, below, propagate) = (step.Spec, step.Layer, step.Dims, step.X, step.Below, step.Propagates);
            int index = layer.Index;
            bool fused = layer == spec.OutputLayer && spec.FusedLoss;
            string? derivative = fused || derivativeApplied ? null : ActivationBackwardCall(layer, $"a{index}", current);
            string dz = fused ? "already dz (fused with the loss)"
                : derivativeApplied ? $"{current} is already dz{index} = dL/da{index} ⊙ f′(a{index}) (applied by the input gradient above)"
                : derivative is null ? $"dz{index} = {current} (identity)" : $"dz{index} = {current} ⊙ f′(a{index}), in place";
            w.WriteLine(LayerHeader(layer) + dz + ";");
            w.WriteLine($"// dW{index} = dz{index}ᵀ·x, db{index} = Σ_n dz{index}" + (propagate ? $", {below} = dz{index}·W{index}." : "."));
            if (derivative is not null) w.WriteLine(derivative);
            if (!propagate)
            {
                w.WriteLine($"__plan.DenseWeightGradients<{D(dims, layer.Inputs)}, {D(dims, layer.Units)}>({current}, {x}, {WeightGradients(layer)}, {BiasGradients(layer)}, n);");
                return;
            }
            pingPong ^= 1;
            w.WriteLine($"{SpanOfFloat} {below} = {WorkspaceSpan(spec, $"D{pingPong}", $"n * {layer.Inputs}")};");
            derivativeApplied = EmitInputGradients(w, spec, dims, index, layer.Units, current, below, x);
            current = below;
        }

        /// <summary>
        /// Emits dx = dz·W for layer <paramref name="index"/> (<paramref name="outputs"/> affine outputs), or, given the
        /// layer's input <paramref name="x"/>, the weight gradient and dx in one call (<c>DenseGradients</c>). When
        /// the layer directly below is dense with an element-wise activation, the kernel applies that activation's backward
        /// step as it stores each block, so dx comes out as the layer below's dz; returns whether it did.
        /// </summary>
        private static bool EmitInputGradients(SourceWriter w, NetworkSpec spec, SortedSet<int> dims, int index, int outputs, string dz, string dx, string? x = null)
        {
            var layer = spec.Layers[index];
            var below = spec.Layers[index - 1];
            string kernel = x is null
                ? $"__plan.DenseInputGradients<{D(dims, layer.Inputs)}, {D(dims, outputs)}"
                : $"__plan.DenseGradients<{D(dims, layer.Inputs)}, {D(dims, outputs)}";
            string arguments = x is null
                ? $"{dz}, {Weights(layer)}, {dx}, n"
                : $"{dz}, {x}, {WeightGradients(layer)}, {BiasGradients(layer)}, {Weights(layer)}, {dx}, n";
            if (FusesDerivativeOf(below) is not { } g)
            {
                w.WriteLine($"{kernel}>({arguments});");
                return false;
            }
            w.WriteLine($"// The input gradient applies layer {below.Index}'s f′ as it stores each block: {dx} = ({dz}·W{index}) ⊙ f′(a{below.Index}).");
            w.WriteLine($"{kernel}, {Kernels}{g.Type}>({arguments}, {TrainingOutput(spec, below)}, new {Kernels}{g.Type}({g.Argument}));");
            return true;
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
    }
}
