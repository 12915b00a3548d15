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
        /// BatchNorm layers: per channel (a feature after a dense layer), training normalizes with the batch's statistics,
        /// keeps their mean and 1/σ for the backward pass and updates the running statistics; inference normalizes with the running
        /// statistics, which follow the parameters in p. The optional activation is applied as the values are stored.
        /// </summary>
        private sealed class BatchNormLayerEmitter : LayerEmitter
        {
            public static readonly BatchNormLayerEmitter Instance = new();

            public override (string X, bool XInLocals) Forward(SourceWriter w, ForwardStep step)
            {
                var (spec, layer) = (step.Spec, step.Layer);
                int channels = layer.InputShape.Channels;
                bool keepLogits = step.Mode == Mode.Training && layer == spec.OutputLayer && spec.FusedLoss;
                var op = keepLogits ? null : ActivationOperator(layer);
                string activationType = op is { } t ? $"{Kernels}{t.Type}" : $"{Kernels}IdentityOperator";
                string activation = op is { } f ? $"new {Kernels}{f.Type}({f.Argument})" : "default";
                w.WriteLine(LayerHeader(layer) + ArchitectureDescriber.Formula(layer) + (step.Mode == Mode.Training
                    ? $", with the batch's mean and biased variance; the running statistics move by {F(layer.Momentum)} towards its mean and unbiased variance."
                    : ", with the running statistics."));
                string gamma = Weights(layer), beta = Biases(layer), types = Types(step.Dims, layer, activationType);
                if (step.Mode == Mode.Training)
                {
                    string mean = $"stats.Slice({layer.StatisticsOffset}, {channels})", variance = $"stats.Slice({layer.RunningVarianceOffset}, {channels})";
                    w.WriteLine($"{Kernels}BatchNormKernels.TrainingForward{types}({step.X}, {gamma}, {beta}, {step.A}, bm{layer.Index}, bs{layer.Index}, {mean}, {variance}, {step.N}, 0, {channels}, {F(layer.Momentum)}, {F(layer.Epsilon)}, {activation});");
                }
                else
                {
                    string mean = $"p.Slice(ParameterCount + {layer.StatisticsOffset}, {channels})", variance = $"p.Slice(ParameterCount + {layer.RunningVarianceOffset}, {channels})";
                    w.WriteLine($"{Kernels}BatchNormKernels.InferenceForward{types}({step.X}, {gamma}, {beta}, {mean}, {variance}, {step.A}, {step.N}, 0, {step.N}, {F(layer.Epsilon)}, {activation});");
                }
                return (step.A, false);
            }

            public override void Backward(SourceWriter w, BackwardStep step, BackwardState state)
            {
                var (spec, layer) = (step.Spec, step.Layer);
                var shape = layer.InputShape;
                int index = layer.Index, channels = shape.Channels, spatial = shape.Height * shape.Width;
                bool fused = layer == spec.OutputLayer && spec.FusedLoss;
                string? derivative = fused || state.DerivativeApplied ? null : ActivationBackwardCall(layer, $"a{index}", state.Current);
                w.WriteLine(LayerHeader(layer) + (derivative is null ? $"dz{index} = {state.Current}" : $"dz{index} = {state.Current} ⊙ f′(a{index}), in place")
                    + $"; dγ{index} = Σ dz{index}·x̂, dβ{index} = Σ dz{index}" + (step.Propagates ? $", {step.Below} = γ/σ·(dz{index} − mean(dz{index}) − x̂·mean(dz{index}·x̂))." : "."));
                if (derivative is not null) w.WriteLine(derivative);
                // The kernel always writes dL/d(input); below a layer without parameters below it, nothing reads it.
                state.PingPong ^= 1;
                w.WriteLine($"{SpanOfFloat} {step.Below} = {WorkspaceSpan(spec, $"D{state.PingPong}", $"n * {layer.Inputs}")};");
                w.WriteLine($"{Kernels}BatchNormKernels.Backward<{D(step.Dims, channels)}, {D(step.Dims, spatial)}>({state.Current}, {step.X}, {Weights(layer)}, bm{index}, bs{index}, {step.Below}, {WeightGradients(layer)}, {BiasGradients(layer)}, n, 0, {channels});");
                if (!step.Propagates) return;
                state.Current = step.Below;
                state.DerivativeApplied = false;
            }

            /// <summary>The batch's mean and 1/√(σ² + ε) per channel, which the backward pass normalizes the input with again.</summary>
            public override IEnumerable<Buffer> TrainingBuffers(LayerSpec layer)
            {
                yield return new Buffer($"BM{layer.Index}", "float", 0, $"bm{layer.Index}", Fixed: layer.InputShape.Channels);
                yield return new Buffer($"BS{layer.Index}", "float", 0, $"bs{layer.Index}", Fixed: layer.InputShape.Channels);
            }

            /// <summary>The kernels' type arguments: channels, values per channel and sample, the activation.</summary>
            private static string Types(SortedSet<int> dims, LayerSpec layer, string activation) =>
                $"<{D(dims, layer.InputShape.Channels)}, {D(dims, layer.InputShape.Height * layer.InputShape.Width)}, {activation}>";

            /// <summary>γ = 1, β = 0, running mean 0 and running variance 1 (PyTorch's start).</summary>
            public override void EmitInitialize(SourceWriter w, LayerSpec layer)
            {
                int channels = layer.InputShape.Channels;
                w.WriteLine($"// Layer {layer.Index} ({ArchitectureDescriber.Title(layer)}): γ = 1, β = 0; running mean 0, running variance 1");
                w.WriteLine($"p.Slice({layer.WeightOffset}, {channels}).Fill(1f);");
                w.WriteLine($"p.Slice({layer.BiasOffset}, {channels}).Clear();");
                w.WriteLine($"p.Slice(ParameterCount + {layer.StatisticsOffset}, {channels}).Clear();");
                w.WriteLine($"p.Slice(ParameterCount + {layer.RunningVarianceOffset}, {channels}).Fill(1f);");
            }
        }
    }
}
