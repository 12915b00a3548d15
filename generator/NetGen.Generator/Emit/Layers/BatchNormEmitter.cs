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
        /// keeps x̂ and 1/σ for the backward pass and updates the running statistics; inference normalizes with the running
        /// statistics, which follow the parameters in p. The optional activation is applied as the values are stored.
        /// </summary>
        private sealed class BatchNormLayerEmitter : LayerEmitter
        {
            public static readonly BatchNormLayerEmitter Instance = new();

            public override (string X, bool XInLocals) Forward(SourceWriter w, ForwardStep step)
            {
                var (spec, layer) = (step.Spec, step.Layer);
                var shape = layer.InputShape;
                int channels = shape.Channels, spatial = shape.Height * shape.Width;
                bool keepLogits = step.Mode == Mode.Training && layer == spec.OutputLayer && spec.FusedLoss;
                string activation = !keepLogits && ActivationOperator(layer) is { } op
                    ? $"new {Kernels}{op.Type}({op.Argument})" : $"default({Kernels}IdentityOperator)";
                w.WriteLine(LayerHeader(layer) + ArchitectureDescriber.Formula(layer) + (step.Mode == Mode.Training
                    ? $", with the batch's mean and biased variance; the running statistics move by {F(layer.Momentum)} towards its mean and unbiased variance."
                    : ", with the running statistics."));
                string gamma = Weights(layer), beta = Biases(layer);
                if (step.Mode == Mode.Training)
                {
                    string mean = $"stats.Slice({layer.StatisticsOffset}, {channels})", variance = $"stats.Slice({layer.RunningVarianceOffset}, {channels})";
                    w.WriteLine($"{Kernels}BatchNormKernels.TrainingForward({step.X}, {step.A}, xh{layer.Index}, is{layer.Index}, {gamma}, {beta}, {mean}, {variance}, {step.N}, {channels}, {spatial}, {F(layer.Momentum)}, {F(layer.Epsilon)}, {activation});");
                }
                else
                {
                    string mean = $"p.Slice(ParameterCount + {layer.StatisticsOffset}, {channels})", variance = $"p.Slice(ParameterCount + {layer.RunningVarianceOffset}, {channels})";
                    w.WriteLine($"{Kernels}BatchNormKernels.InferenceForward({step.X}, {step.A}, {gamma}, {beta}, {mean}, {variance}, {step.N}, {channels}, {spatial}, {F(layer.Epsilon)}, {activation});");
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
                string dx = "default";
                if (step.Propagates)
                {
                    state.PingPong ^= 1;
                    w.WriteLine($"{SpanOfFloat} {step.Below} = {WorkspaceSpan(spec, $"D{state.PingPong}", $"n * {layer.Inputs}")};");
                    dx = step.Below;
                }
                w.WriteLine($"{Kernels}BatchNormKernels.Backward({state.Current}, xh{index}, is{index}, {Weights(layer)}, {WeightGradients(layer)}, {BiasGradients(layer)}, {dx}, n, {channels}, {spatial});");
                if (!step.Propagates) return;
                state.Current = step.Below;
                state.DerivativeApplied = false;
            }

            public override IEnumerable<Buffer> TrainingBuffers(LayerSpec layer)
            {
                yield return new Buffer($"XH{layer.Index}", "float", layer.Units, $"xh{layer.Index}");
                yield return new Buffer($"IS{layer.Index}", "float", 0, $"is{layer.Index}", Fixed: layer.InputShape.Channels);
            }

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
