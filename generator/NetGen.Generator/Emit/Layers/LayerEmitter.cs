using System;
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
        /// What the passes ask of a layer kind: its forward block in each mode, its backward block, the buffers it keeps
        /// and whether a frozen network transposes its weights. One subclass per kind, in Emit/Layers/&lt;Kind&gt;Emitter.cs,
        /// registered in <see cref="For"/>; the passes only walk the layers.
        /// </summary>
        private abstract class LayerEmitter
        {
            /// <summary>The emitter of <paramref name="kind"/>: the registration of every layer kind.</summary>
            public static LayerEmitter For(LayerKind kind) => kind switch
            {
                LayerKind.Dense => DenseLayerEmitter.Instance,
                LayerKind.Maxout => MaxoutLayerEmitter.Instance,
                LayerKind.Dropout => DropoutLayerEmitter.Instance,
                LayerKind.Conv2D => Conv2DLayerEmitter.Instance,
                LayerKind.MaxPool2D => Pool2DLayerEmitter.Max,
                LayerKind.AvgPool2D => Pool2DLayerEmitter.Average,
                LayerKind.BatchNorm => BatchNormLayerEmitter.Instance,
                _ => throw new InvalidOperationException($"No emitter is registered for layer kind {kind}."),
            };

            /// <summary>The layer's forward block (any <see cref="Mode"/>); returns the next layer's input.</summary>
            public abstract (string X, bool XInLocals) Forward(SourceWriter w, ForwardStep step);

            /// <summary>
            /// The forward block of this layer and <paramref name="next"/> as one step, where the runtime has a kernel for the
            /// pair in that mode (<paramref name="step"/>'s output is <paramref name="next"/>'s); null when the two run apart.
            /// </summary>
            public virtual (string X, bool XInLocals)? ForwardWithNext(SourceWriter w, ForwardStep step, LayerSpec next) => null;

            /// <summary>The layer's backward block: its parameter gradients and, when it propagates, dL/d(its input).</summary>
            public abstract void Backward(SourceWriter w, BackwardStep step, BackwardState state);

            /// <summary>What training keeps per sample for the backward pass besides the layer's output (A{i}).</summary>
            public virtual IEnumerable<Buffer> TrainingBuffers(LayerSpec layer) { yield break; }

            /// <summary>The intermediate values Forward keeps per sample: by default the output of any layer but the last.</summary>
            public virtual IEnumerable<(string Name, int Size)> InferenceBuffers(NetworkSpec spec, LayerSpec layer)
            {
                if (layer != spec.OutputLayer) yield return ($"a{layer.Index}", layer.Units);
            }

            /// <summary>
            /// Initialize's block for the layer's parameters (only called for layers that have some): by default He or Glorot
            /// uniform weights over the dense fan-in and fan-out, and zero biases.
            /// </summary>
            public virtual void EmitInitialize(SourceWriter w, LayerSpec layer) => EmitWeightInitialization(w, layer, layer.Inputs, layer.AffineOutputs);

            /// <summary>Declarations of the types that carry the layer's shape to its kernels (<c>file readonly struct …</c>).</summary>
            public virtual IEnumerable<string> ShapeTypes(LayerSpec layer) { yield break; }

            /// <summary>The rows of the weight matrix a frozen network stores transposed (<c>__Pack</c>), or null when it keeps them as they are.</summary>
            public virtual int? TransposedRows(LayerSpec layer) => null;
        }

        /// <summary>He uniform (the ReLU family) or Glorot uniform weights over <paramref name="fanIn"/> and <paramref name="fanOut"/>, and zero biases.</summary>
        private static void EmitWeightInitialization(SourceWriter w, LayerSpec layer, int fanIn, int fanOut)
        {
            string weights = $"p.Slice({layer.WeightOffset}, {layer.WeightCount})";
            if (layer.UsesHeInitialization)
            {
                w.WriteLine($"// Layer {layer.Index} ({ArchitectureDescriber.Title(layer)}): He uniform, U(±√(6 / {fanIn})); biases zero");
                w.WriteLine($"{Kernels}Initializers.HeUniform({weights}, {fanIn}, ref rng);");
            }
            else
            {
                w.WriteLine($"// Layer {layer.Index} ({ArchitectureDescriber.Title(layer)}): Glorot uniform, U(±√(6 / ({fanIn} + {fanOut}))); biases zero");
                w.WriteLine($"{Kernels}Initializers.GlorotUniform({weights}, {fanIn}, {fanOut}, ref rng);");
            }
            w.WriteLine($"p.Slice({layer.BiasOffset}, {layer.BiasCount}).Clear();");
        }

        /// <summary>
        /// The activation derivative of <paramref name="below"/> that the input gradient of the layer above can apply as it
        /// stores each block (a dense or Conv2D layer with an element-wise activation, whose own backward block then
        /// starts from dz), or null.
        /// </summary>
        private static (string Type, string Argument)? FusesDerivativeOf(LayerSpec below) =>
            below.Kind is LayerKind.Dense or LayerKind.Conv2D ? GradientOperator(below) : null;

        /// <summary>
        /// Where the backward pass stands between layers: the name of dL/d(current layer's output), which of the two
        /// ping-pong buffers holds it, and whether the layer's activation derivative has already been applied to it.
        /// </summary>
        private sealed class BackwardState(string current)
        {
            public string Current = current;
            public int PingPong;
            public bool DerivativeApplied;
        }
    }
}
