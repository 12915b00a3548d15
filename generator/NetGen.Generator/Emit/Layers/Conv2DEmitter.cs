using System.Collections.Generic;
using NetGen.Generator.Emit;
using NetGen.Generator.Helpers;
using NetGen.Generator.Model;

namespace NetGen.Generator;

public sealed partial class NetworkGenerator
{
    internal static partial class Emitter
    {
        /// <summary>
        /// Conv2D layers: a[f] = f(b[f] + Σ W[f]·patch), compiled for the layer's shape (a <c>__Conv{i} : IConv2DShape</c>
        /// struct); the plan runs the products and splits them over the training threads.
        /// </summary>
        private sealed class Conv2DLayerEmitter : LayerEmitter
        {
            public static readonly Conv2DLayerEmitter Instance = new();

            public override (string X, bool XInLocals) Forward(SourceWriter w, ForwardStep step)
            {
                var (spec, layer, mode) = (step.Spec, step.Layer, step.Mode);
                bool keepLogits = mode == Mode.Training && layer == spec.OutputLayer && spec.FusedLoss;
                w.WriteLine(LayerHeader(layer) + ArchitectureDescriber.Formula(layer) + (keepLogits ? " (the logits z are kept: the loss applies the activation)" : "") + ";");
                var activation = keepLogits ? null : ActivationOperator(layer);
                string types = $"<{ShapeType(layer)}" + (activation is { } t ? $", {Kernels}{t.Type}>" : ">");
                string fused = activation is { } f ? $", new {Kernels}{f.Type}({f.Argument})" : "";
                string plan = mode == Mode.Training ? "__plan" : $"{Kernels}ExecutionPlan.Inference";
                w.WriteLine($"{plan}.Conv2DForward{types}({Weights(layer)}, {Biases(layer)}, {step.X}, {step.A}, {step.N}{fused});");
                return (step.A, false);
            }

            /// <summary>In inference, a pooling layer right after the convolution runs inside it: the runtime pools the outputs as they are made instead of storing and reading them again.</summary>
            public override (string X, bool XInLocals)? ForwardWithNext(SourceWriter w, ForwardStep step, LayerSpec next)
            {
                if (step.Mode == Mode.Training || next.Kind is not (LayerKind.MaxPool2D or LayerKind.AvgPool2D)) return null;
                var layer = step.Layer;
                w.WriteLine(LayerHeader(layer) + ArchitectureDescriber.Formula(layer) + ";");
                w.WriteLine(LayerHeader(next) + ArchitectureDescriber.Formula(next) + " (in one pass with the convolution: its outputs are pooled as they are made);");
                var activation = ActivationOperator(layer);
                string types = $"<{ShapeType(layer)}, {Pool2DLayerEmitter.ShapeType(next)}" + (activation is { } t ? $", {Kernels}{t.Type}>" : ">");
                string fused = activation is { } f ? $", new {Kernels}{f.Type}({f.Argument})" : "";
                string pool = next.Kind == LayerKind.MaxPool2D ? "Max" : "Average";
                w.WriteLine($"{Kernels}ExecutionPlan.Inference.Conv2D{pool}PoolForward{types}({Weights(layer)}, {Biases(layer)}, {step.X}, {step.A}, {step.N}{fused});");
                return (step.A, false);
            }

            public override void Backward(SourceWriter w, BackwardStep step, BackwardState state)
            {
                var (spec, layer) = (step.Spec, step.Layer);
                int index = layer.Index;
                bool fused = layer == spec.OutputLayer && spec.FusedLoss;
                string? derivative = fused || state.DerivativeApplied ? null : ActivationBackwardCall(layer, $"a{index}", state.Current);
                string dz = fused ? "already dz (fused with the loss)"
                    : state.DerivativeApplied ? $"{state.Current} is already dz{index} = dL/da{index} ⊙ f′(a{index}) (applied by the input gradient above)"
                    : derivative is null ? $"dz{index} = {state.Current} (identity)" : $"dz{index} = {state.Current} ⊙ f′(a{index}), in place";
                w.WriteLine(LayerHeader(layer) + dz + ";");
                w.WriteLine($"// dW{index}[f] = Σ_n Σ_positions dz{index}[f]·patch, db{index}[f] = Σ_n Σ_positions dz{index}[f]" + (step.Propagates ? $", {step.Below} = the transposed convolution of dz{index} with W{index}." : "."));
                if (derivative is not null) w.WriteLine(derivative);
                if (!step.Propagates)
                {
                    w.WriteLine($"__plan.Conv2DWeightGradients<{ShapeType(layer)}>({state.Current}, {step.X}, {WeightGradients(layer)}, {BiasGradients(layer)}, n);");
                    return;
                }
                state.PingPong ^= 1;
                w.WriteLine($"{SpanOfFloat} {step.Below} = {WorkspaceSpan(spec, $"D{state.PingPong}", $"n * {layer.Inputs}")};");
                var below = spec.Layers[index - 1];
                if (FusesDerivativeOf(below) is { } g)
                {
                    w.WriteLine($"// The input gradient applies layer {below.Index}'s f′ as it stores each vector: {step.Below} = (W{index}ᵀ ⋆ dz{index}) ⊙ f′(a{below.Index}).");
                    w.WriteLine($"__plan.Conv2DGradients<{ShapeType(layer)}, {Kernels}{g.Type}>({state.Current}, {step.X}, {WeightGradients(layer)}, {BiasGradients(layer)}, {Weights(layer)}, {step.Below}, n, {TrainingOutput(spec, below)}, new {Kernels}{g.Type}({g.Argument}));");
                    state.DerivativeApplied = true;
                }
                else
                {
                    w.WriteLine($"__plan.Conv2DGradients<{ShapeType(layer)}>({state.Current}, {step.X}, {WeightGradients(layer)}, {BiasGradients(layer)}, {Weights(layer)}, {step.Below}, n);");
                    state.DerivativeApplied = false;
                }
                state.Current = step.Below;
            }

            /// <summary>He (ReLU family) or Glorot uniform over the receptive field: fan-in C·K·K, fan-out F·K·K, as PyTorch counts them.</summary>
            public override void EmitInitialize(SourceWriter w, LayerSpec layer)
            {
                int area = layer.KernelSize * layer.KernelSize;
                EmitWeightInitialization(w, layer, layer.InputShape.Channels * area, layer.OutputShape.Channels * area);
            }

            public override IEnumerable<string> ShapeTypes(LayerSpec layer)
            {
                var (input, output) = (layer.InputShape, layer.OutputShape);
                yield return $"file readonly struct {ShapeType(layer)} : {Kernels}IConv2DShape {{ "
                    + $"public static int Channels => {input.Channels}; public static int Height => {input.Height}; public static int Width => {input.Width}; "
                    + $"public static int Filters => {output.Channels}; public static int KernelSize => {layer.KernelSize}; "
                    + $"public static int Stride => {layer.Stride}; public static int Padding => {layer.Padding}; }}";
            }

            private static string ShapeType(LayerSpec layer) => $"__Conv{layer.Index}";
        }
    }
}
