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
        /// <summary>Dropout layers: a mask drawn per batch in training, the identity at inference.</summary>
        private sealed class DropoutLayerEmitter : LayerEmitter
        {
            public static readonly DropoutLayerEmitter Instance = new();
            public override (string X, bool XInLocals) Forward(SourceWriter w, ForwardStep step) => EmitDropoutForward(w, step);
            public override void Backward(SourceWriter w, BackwardStep step, BackwardState state) => EmitDropoutBackward(w, step, ref state.Current);

            public override IEnumerable<Buffer> TrainingBuffers(LayerSpec layer)
            {
                yield return new Buffer($"M{layer.Index}", "float", layer.Units, $"m{layer.Index}");
            }

            public override IEnumerable<(string Name, int Size)> InferenceBuffers(NetworkSpec spec, LayerSpec layer) { yield break; }
        }

        // Dropout: inverted dropout, the identity at inference. Training draws a fresh mask per batch and scales the kept
        // values by 1 / (1 − p); the backward pass lets the gradient through the kept values with the same scaling.

        /// <summary>The layer's forward block; returns the input of the next layer.</summary>
        private static (string X, bool XInLocals) EmitDropoutForward(SourceWriter w, ForwardStep step)
        {
            var layer = step.Layer;
            if (step.Mode != Mode.Training)
            {
                w.WriteLine(LayerHeader(layer) + "the identity at inference.");
                return (step.X, step.XInLocals); // the next layer reads x directly
            }
            w.WriteLine(LayerHeader(layer) + ArchitectureDescriber.Formula(layer) + ", drawn afresh for every batch.");
            w.WriteLine($"{Kernels}DropoutKernels.Forward({step.X}, {step.A}, m{layer.Index}, {F(layer.Rate)}, ref rng);");
            return (step.A, false);
        }

        /// <summary>The layer's backward block: dL/d(input) = dL/d(output) ⊙ mask, in place.</summary>
        private static void EmitDropoutBackward(SourceWriter w, BackwardStep step, ref string current)
        {
            if (!step.Propagates) return;
            int index = step.Layer.Index;
            w.WriteLine(LayerHeader(step.Layer) + "the gradient flows through the kept values only, with the same scaling.");
            w.WriteLine($"{Kernels}DropoutKernels.Backward(m{index}, {current});");
            w.WriteLine($"{SpanOfFloat} {step.Below} = {current};");
            current = step.Below;
        }
    }
}
