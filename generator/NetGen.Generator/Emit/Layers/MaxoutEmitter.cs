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
        /// <summary>Maxout layers: one dense product of all pieces, then the max of each unit's pieces.</summary>
        private sealed class MaxoutLayerEmitter : LayerEmitter
        {
            public static readonly MaxoutLayerEmitter Instance = new();
            public override (string X, bool XInLocals) Forward(SourceWriter w, ForwardStep step) => EmitMaxoutForward(w, step);
            public override void Backward(SourceWriter w, BackwardStep step, BackwardState state) =>
                EmitMaxoutBackward(w, step, ref state.Current, ref state.PingPong, ref state.DerivativeApplied);

            public override IEnumerable<Buffer> TrainingBuffers(LayerSpec layer)
            {
                yield return new Buffer($"Z{layer.Index}", "float", layer.AffineOutputs, $"z{layer.Index}");
                yield return new Buffer($"K{layer.Index}", "int", layer.Units, $"k{layer.Index}");
            }

            public override IEnumerable<(string Name, int Size)> InferenceBuffers(NetworkSpec spec, LayerSpec layer)
            {
                yield return ($"z{layer.Index}", layer.AffineOutputs);
                if (layer != spec.OutputLayer) yield return ($"a{layer.Index}", layer.Units);
            }

            public override int? TransposedRows(LayerSpec layer) => layer.AffineOutputs;
        }

        // Maxout: every unit is the max of its affine pieces. Forward computes all pieces as one dense product and keeps
        // each unit's winner; backward routes the gradient to the winning piece, then runs the dense backward products.

        /// <summary>The layer's forward block; returns the input of the next layer.</summary>
        private static (string X, bool XInLocals) EmitMaxoutForward(SourceWriter w, ForwardStep step)
        {
            var (layer, dims) = (step.Layer, step.Dims);
            w.WriteLine(LayerHeader(layer) + ArchitectureDescriber.Formula(layer) + ";");
            w.WriteLine($"// all {layer.AffineOutputs} pieces as one dense product ({ArchitectureDescriber.VectorPlan(layer.Inputs)}), then the max of each unit's {layer.Pieces}.");
            w.WriteLine(DenseForwardCall(step, layer.AffineOutputs, $"z{layer.Index}", null));
            w.WriteLine($"{Kernels}MaxoutKernels.Forward(z{layer.Index}, {step.A}, {(step.Mode == Mode.Training ? "k" + layer.Index : "default")}, {layer.Units}, {layer.Pieces});");
            return (step.A, false);
        }

        /// <summary>The layer's backward block: the winners' gradients, then dW, db and (when it propagates) dL/d(input).</summary>
        private static void EmitMaxoutBackward(SourceWriter w, BackwardStep step, ref string current, ref int pingPong, ref bool derivativeApplied)
        {
            var (spec, layer, dims, below) = (step.Spec, step.Layer, step.Dims, step.Below);
            int index = layer.Index;
            w.WriteLine(LayerHeader(layer) + $"only each unit's winning piece receives its gradient, dz{index}[u, k*] = {current}[u];");
            w.WriteLine($"// then dW{index} = dz{index}ᵀ·x, db{index} = Σ_n dz{index}" + (step.Propagates ? $", {below} = dz{index}·W{index}." : "."));
            w.WriteLine($"{Kernels}MaxoutKernels.Backward({current}, k{index}, z{index}, {layer.Pieces});");
            w.WriteLine($"__plan.DenseWeightGradients<{D(dims, layer.Inputs)}, {D(dims, layer.AffineOutputs)}>(z{index}, {step.X}, {WeightGradients(layer)}, {BiasGradients(layer)}, n);");
            if (!step.Propagates) return;
            pingPong ^= 1;
            w.WriteLine($"{SpanOfFloat} {below} = {WorkspaceSpan(spec, $"D{pingPong}", $"n * {layer.Inputs}")};");
            derivativeApplied = EmitInputGradients(w, spec, dims, index, layer.AffineOutputs, $"z{index}", below);
            current = below;
        }
    }
}
