using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Helpers;
using NetGen.Generator.Model;

namespace NetGen.Generator;

public sealed partial class NetworkGenerator
{
    // The image layers: [Input(c, h, w)], [Conv2D], [MaxPool2D], [AvgPool2D] and [BatchNorm]. Each layer's output shape is
    // inferred here from the one before it, and every declaration that cannot run is a diagnostic at its argument.
    internal static partial class Parser
    {
        /// <summary>
        /// The shape reaching the next layer, whether it still has rows and columns (an image) and, when it has not,
        /// why: the message of NETGEN035.
        /// </summary>
        private readonly struct ShapeFlow
        {
            public ShapeFlow(Shape shape, bool isImage, string flatBecause = "the network's input is flat ([Input(n)]); declare it as [Input(channels, height, width)]", bool afterLayer = false)
            {
                Shape = shape;
                IsImage = isImage;
                FlatBecause = flatBecause;
                AfterLayer = afterLayer;
            }

            public Shape Shape { get; }

            public bool IsImage { get; }

            public string FlatBecause { get; }

            /// <summary>Whether a layer other than Dropout comes before (BatchNorm needs one: NETGEN037).</summary>
            public bool AfterLayer { get; }

            public ShapeFlow After(LayerSpec layer) => layer.Kind switch
            {
                LayerKind.Dropout => this,
                LayerKind.Dense or LayerKind.Maxout => new ShapeFlow(Shape.Flat(layer.Units), false,
                    $"layer {layer.Index} before it is {layer.Kind}, whose output is a flat vector", true),
                // A convolution or pooling layer reported on a flat input counts as an image, so one mistake is one diagnostic.
                LayerKind.BatchNorm => new ShapeFlow(layer.OutputShape, IsImage, FlatBecause, true),
                _ => new ShapeFlow(layer.OutputShape, true, FlatBecause, true),
            };
        }

        private static bool IsImageLayer(AttributeData attribute) => attribute.AttributeClass!.ToDisplayString()
            is KnownNames.Conv2DAttribute or KnownNames.MaxPool2DAttribute or KnownNames.AvgPool2DAttribute or KnownNames.BatchNormAttribute;

        /// <summary>[Input(n)] as n × 1 × 1, or [Input(c, h, w)] with each value and their product checked.</summary>
        private static Shape ParseInput(AttributeData input, string name, List<DiagnosticInfo> diagnostics, out bool image)
        {
            var args = input.ConstructorArguments;
            image = args.Length == 3;
            if (!image)
            {
                int size = (int)args[0].Value!;
                CheckRange(diagnostics, input, 0, "Input size", name, size, 1, MaxSize);
                return Shape.Flat(size);
            }
            int channels = (int)args[0].Value!, height = (int)args[1].Value!, width = (int)args[2].Value!;
            int errors = diagnostics.Count;
            CheckRange(diagnostics, input, 0, "Input channels", name, channels, 1, MaxSize);
            CheckRange(diagnostics, input, 1, "Input height", name, height, 1, MaxSize);
            CheckRange(diagnostics, input, 2, "Input width", name, width, 1, MaxSize);
            if (diagnostics.Count == errors)
                CheckProduct(diagnostics, input, "Input size (channels × height × width)", name, (long)channels * height * width);
            // Clamped after a diagnostic, so the layers below are checked against a shape that exists.
            return new Shape(Math.Max(channels, 1), Math.Max(height, 1), Math.Max(width, 1));
        }

        /// <summary>A Conv2D, MaxPool2D, AvgPool2D or BatchNorm layer on the shape <paramref name="flow"/> brings.</summary>
        private static LayerSpec ParseImageLayer(AttributeData attribute, int index, ShapeFlow flow, int offset, int statistics, string name, List<DiagnosticInfo> diagnostics)
        {
            switch (attribute.AttributeClass!.ToDisplayString())
            {
                case KnownNames.Conv2DAttribute:
                    return ParseConv2D(attribute, index, flow, offset, name, diagnostics);
                case KnownNames.BatchNormAttribute:
                    return ParseBatchNorm(attribute, index, flow, offset, statistics, name, diagnostics);
                default:
                    return ParsePool(attribute, index, flow, offset, name, diagnostics);
            }
        }

        private static LayerSpec ParseConv2D(AttributeData attribute, int index, ShapeFlow flow, int offset, string name, List<DiagnosticInfo> diagnostics)
        {
            var args = attribute.ConstructorArguments;
            int filters = (int)args[0].Value!, kernel = (int)args[1].Value!;
            int stride = NamedInt(attribute, "Stride") ?? 1, padding = NamedInt(attribute, "Padding") ?? 0;
            int errors = diagnostics.Count;
            CheckRange(diagnostics, attribute, 0, $"Filters of layer {index}", name, filters, 1, MaxSize);
            CheckRange(diagnostics, attribute, 1, $"Kernel size of layer {index}", name, kernel, 1, MaxSize);
            CheckRange(diagnostics, attribute, "Stride", $"Stride of layer {index}", name, stride, 1, MaxSize);
            CheckRange(diagnostics, attribute, "Padding", $"Padding of layer {index}", name, padding, 0, MaxSize);
            var activation = ReadActivation(attribute, args.Length > 2 ? args[2].Value : null, ArgumentLocation(attribute, 2), index, "Conv2D", name, diagnostics);
            float alpha = ReadAlpha(attribute, index, name, activation, diagnostics);
            bool valid = diagnostics.Count == errors;

            var input = flow.Shape;
            var output = Shape.Flat(Math.Max(filters, 1));
            if (!flow.IsImage)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SpatialLayerNeedsImage, AttributeLocation(attribute), index, name, "Conv2D", flow.FlatBecause));
            else if (valid)
            {
                long height = input.Height + 2L * padding, width = input.Width + 2L * padding;
                if (kernel > height || kernel > width)
                {
                    string received = padding == 0 ? $"input of {input.Height} × {input.Width}"
                        : $"input of {input.Height} × {input.Width} padded to {height} × {width}";
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.WindowLargerThanInput, ArgumentLocation(attribute, 1),
                        "Conv2D", index, name, kernel, "kernel", received));
                }
                else
                {
                    output = new Shape(filters, (int)((height - kernel) / stride + 1), (int)((width - kernel) / stride + 1));
                    if (!CheckProduct(diagnostics, attribute, $"Output of layer {index} (filters × height × width)", name, (long)filters * output.Height * output.Width))
                        output = Shape.Flat(1);
                }
            }
            return new LayerSpec(index, LayerKind.Conv2D, input.Size, output.Size, 0, activation, alpha, 0f, offset)
            {
                InputShape = input,
                OutputShape = output,
                KernelSize = kernel,
                Stride = stride,
                Padding = padding,
            };
        }

        private static LayerSpec ParsePool(AttributeData attribute, int index, ShapeFlow flow, int offset, string name, List<DiagnosticInfo> diagnostics)
        {
            bool max = attribute.AttributeClass!.ToDisplayString() == KnownNames.MaxPool2DAttribute;
            var kind = max ? LayerKind.MaxPool2D : LayerKind.AvgPool2D;
            int size = (int)attribute.ConstructorArguments[0].Value!;
            int? declaredStride = NamedInt(attribute, "Stride");
            int stride = declaredStride ?? size;
            int errors = diagnostics.Count;
            CheckRange(diagnostics, attribute, 0, $"Window size of layer {index}", name, size, 1, MaxSize);
            if (declaredStride is not null) // the default is the size, reported above
                CheckRange(diagnostics, attribute, "Stride", $"Stride of layer {index}", name, stride, 1, MaxSize);
            bool valid = diagnostics.Count == errors;

            var input = flow.Shape;
            var output = input;
            if (!flow.IsImage)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SpatialLayerNeedsImage, AttributeLocation(attribute), index, name, kind.ToString(), flow.FlatBecause));
            else if (valid && (size > input.Height || size > input.Width))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.WindowLargerThanInput, ArgumentLocation(attribute, 0),
                    kind.ToString(), index, name, size, "window", $"input of {input.Height} × {input.Width}"));
            else if (valid)
                output = new Shape(input.Channels, (input.Height - size) / stride + 1, (input.Width - size) / stride + 1);
            return new LayerSpec(index, kind, input.Size, output.Size, 0, ActivationKind.Identity, 0f, 0f, offset)
            {
                InputShape = input,
                OutputShape = output,
                KernelSize = size,
                Stride = stride,
            };
        }

        private static LayerSpec ParseBatchNorm(AttributeData attribute, int index, ShapeFlow flow, int offset, int statistics, string name, List<DiagnosticInfo> diagnostics)
        {
            float momentum = NamedFloat(attribute, "Momentum") ?? 0.1f, epsilon = NamedFloat(attribute, "Epsilon") ?? 1e-5f;
            if (!flow.AfterLayer)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BatchNormFirst, AttributeLocation(attribute), index, name));
            if (!(momentum > 0f && momentum <= 1f))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BatchNormSettingOutOfRange, ArgumentLocation(attribute, "Momentum"),
                    index, name, "Momentum", momentum.ToString("R", CultureInfo.InvariantCulture), "it must be greater than 0 and at most 1"));
            if (!(epsilon > 0f && !float.IsInfinity(epsilon)))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BatchNormSettingOutOfRange, ArgumentLocation(attribute, "Epsilon"),
                    index, name, "Epsilon", epsilon.ToString("R", CultureInfo.InvariantCulture), "it must be a finite number greater than 0"));
            var named = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Activation");
            var activation = ReadActivation(attribute, named.Key is null ? null : named.Value.Value, ArgumentLocation(attribute, "Activation"), index, "BatchNorm", name, diagnostics);
            float alpha = ReadAlpha(attribute, index, name, activation, diagnostics);

            var shape = flow.Shape;
            return new LayerSpec(index, LayerKind.BatchNorm, shape.Size, shape.Size, 0, activation, alpha, 0f, offset)
            {
                InputShape = shape,
                OutputShape = shape,
                Momentum = momentum,
                Epsilon = epsilon,
                StatisticsOffset = statistics,
            };
        }

        /// <summary>An activation argument (null when not written): unknown values are NETGEN015, Softmax is NETGEN039.</summary>
        private static ActivationKind ReadActivation(AttributeData attribute, object? value, Location? location, int index, string kind, string name, List<DiagnosticInfo> diagnostics)
        {
            if (value is not int number) return ActivationKind.Identity;
            if (!Enum.IsDefined(typeof(ActivationKind), number))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownEnumValue, location, $"The activation of layer {index}", name, number, "Activation"));
                return ActivationKind.Identity;
            }
            var activation = (ActivationKind)number;
            if (activation == ActivationKind.Softmax)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SoftmaxOnSpatialLayer, location, index, name, kind));
            return activation;
        }

        /// <summary>α as Dense reads it: the activation's default, or the checked <c>Alpha</c> when it takes one.</summary>
        private static float ReadAlpha(AttributeData attribute, int index, string name, ActivationKind activation, List<DiagnosticInfo> diagnostics)
        {
            float alpha = ActivationFacets.Of(activation).DefaultAlpha;
            if (NamedFloat(attribute, "Alpha") is float value)
            {
                CheckAlpha(attribute, index, name, activation, value, diagnostics);
                if (ActivationFacets.Of(activation).TakesAlpha) alpha = value;
            }
            return alpha;
        }

        /// <summary>NETGEN005 at the attribute when a product of sizes exceeds <see cref="MaxSize"/>; false then.</summary>
        private static bool CheckProduct(List<DiagnosticInfo> diagnostics, AttributeData attribute, string what, string name, long value)
        {
            if (value <= MaxSize) return true;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizeOutOfRange, AttributeLocation(attribute),
                what, name, value.ToString(CultureInfo.InvariantCulture), 1, MaxSize.ToString("N0", CultureInfo.InvariantCulture)));
            return false;
        }

        /// <summary>The parameter count in 64 bits, so a declaration too large for NETGEN012 cannot wrap around first.</summary>
        private static long LongParameterCount(LayerSpec layer) => layer.Kind switch
        {
            LayerKind.Conv2D => (long)layer.OutputShape.Channels * layer.InputShape.Channels * layer.KernelSize * layer.KernelSize + layer.OutputShape.Channels,
            LayerKind.BatchNorm => 2L * layer.InputShape.Channels,
            LayerKind.MaxPool2D or LayerKind.AvgPool2D or LayerKind.Dropout => 0,
            _ => (long)layer.AffineOutputs * layer.Inputs + layer.AffineOutputs,
        };

        private static int? NamedInt(AttributeData attribute, string key)
        {
            foreach (var named in attribute.NamedArguments)
                if (named.Key == key && named.Value.Value is int value) return value;
            return null;
        }

        private static float? NamedFloat(AttributeData attribute, string key)
        {
            foreach (var named in attribute.NamedArguments)
                if (named.Key == key && named.Value.Value is { } value) return Convert.ToSingle(value, CultureInfo.InvariantCulture);
            return null;
        }
    }
}
