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
        /// MaxPool2D and AvgPool2D layers: the maximum (keeping which value won, for the backward pass) or the mean of each
        /// window, compiled for the layer's shape (a <c>__Pool{i} : IPool2DShape</c> struct). No parameters.
        /// </summary>
        private sealed class Pool2DLayerEmitter(bool max) : LayerEmitter
        {
            public static readonly Pool2DLayerEmitter Max = new(max: true), Average = new(max: false);

            public override (string X, bool XInLocals) Forward(SourceWriter w, ForwardStep step)
            {
                var layer = step.Layer;
                w.WriteLine(LayerHeader(layer) + ArchitectureDescriber.Formula(layer) + ";");
                w.WriteLine(max
                    ? $"{Kernels}PoolKernels.MaxForward<{ShapeType(layer)}>({step.X}, {step.A}, {(step.Mode == Mode.Training ? "k" + layer.Index : "default")}, {step.N}, 0, {step.N});"
                    : $"{Kernels}PoolKernels.AverageForward<{ShapeType(layer)}>({step.X}, {step.A}, {step.N}, 0, {step.N});");
                return (step.A, false);
            }

            public override void Backward(SourceWriter w, BackwardStep step, BackwardState state)
            {
                if (!step.Propagates) return;
                var (spec, layer) = (step.Spec, step.Layer);
                w.WriteLine(LayerHeader(layer) + (max
                    ? $"each window's gradient goes to the value that won it: {step.Below}[winner] += {state.Current}."
                    : $"each window's gradient is spread evenly over it: {step.Below} += {state.Current} / {layer.KernelSize * layer.KernelSize}."));
                state.PingPong ^= 1;
                w.WriteLine($"{SpanOfFloat} {step.Below} = {WorkspaceSpan(spec, $"D{state.PingPong}", $"n * {layer.Inputs}")};");
                w.WriteLine(max
                    ? $"{Kernels}PoolKernels.MaxBackward<{ShapeType(layer)}>({state.Current}, k{layer.Index}, {step.Below}, n, 0, n);"
                    : $"{Kernels}PoolKernels.AverageBackward<{ShapeType(layer)}>({state.Current}, {step.Below}, n, 0, n);");
                state.Current = step.Below;
                state.DerivativeApplied = false;
            }

            public override IEnumerable<Buffer> TrainingBuffers(LayerSpec layer)
            {
                if (max) yield return new Buffer($"K{layer.Index}", "int", layer.Units, $"k{layer.Index}");
            }

            public override IEnumerable<string> ShapeTypes(LayerSpec layer)
            {
                var input = layer.InputShape;
                yield return $"file readonly struct {ShapeType(layer)} : {Kernels}IPool2DShape {{ "
                    + $"public static int Channels => {input.Channels}; public static int Height => {input.Height}; public static int Width => {input.Width}; "
                    + $"public static int Size => {layer.KernelSize}; public static int Stride => {layer.Stride}; }}";
            }

            internal static string ShapeType(LayerSpec layer) => $"__Pool{layer.Index}";
        }
    }
}
