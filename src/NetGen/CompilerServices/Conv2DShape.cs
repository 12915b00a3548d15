using System.ComponentModel;

namespace NetGen.CompilerServices;

/// <summary>
/// The shape of one Conv2D layer, known at compile time: generated code declares one struct per layer
/// (<c>file readonly struct __Conv1 : IConv2DShape { public static int Channels =&gt; 1; ... }</c>) and passes it as a
/// type argument, so the JIT compiles each convolution kernel for its exact sizes, strides and padding edges.
/// Input per sample: <see cref="Channels"/> × <see cref="Height"/> × <see cref="Width"/> floats (C×H×W, row-major);
/// weights [<see cref="Filters"/> × Channels × <see cref="KernelSize"/> × KernelSize] then biases [Filters] (PyTorch's
/// <c>Conv2d</c>); output per sample Filters × OutputHeight × OutputWidth with
/// OutputHeight = (Height + 2·Padding − KernelSize) / Stride + 1 (integer division, as PyTorch).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IConv2DShape
{
    /// <summary>Input channels (C).</summary>
    static abstract int Channels { get; }
    /// <summary>Input height (H).</summary>
    static abstract int Height { get; }
    /// <summary>Input width (W).</summary>
    static abstract int Width { get; }
    /// <summary>Output channels: the number of filters (F).</summary>
    static abstract int Filters { get; }
    /// <summary>The side of the square kernel (K).</summary>
    static abstract int KernelSize { get; }
    /// <summary>The step between two kernel positions, in both directions.</summary>
    static abstract int Stride { get; }
    /// <summary>Zeros added on every side of every input channel (PyTorch's <c>padding=int</c>).</summary>
    static abstract int Padding { get; }
}

/// <summary>The sizes a Conv2D shape implies; every member is a JIT-time constant for a struct shape.</summary>
internal static class ConvSizes<TShape> where TShape : IConv2DShape
{
    public static int C => TShape.Channels;
    public static int H => TShape.Height;
    public static int W => TShape.Width;
    public static int F => TShape.Filters;
    public static int K => TShape.KernelSize;
    public static int S => TShape.Stride;
    public static int P => TShape.Padding;
    /// <summary>Padded input height and width.</summary>
    public static int PaddedHeight => H + 2 * P;
    public static int PaddedWidth => W + 2 * P;
    public static int OutputHeight => (PaddedHeight - K) / S + 1;
    public static int OutputWidth => (PaddedWidth - K) / S + 1;
    /// <summary>Output positions per filter.</summary>
    public static int Positions => OutputHeight * OutputWidth;
    /// <summary>Weights per filter: C·K·K.</summary>
    public static int Patch => C * K * K;
    public static int InputSize => C * H * W;
    public static int OutputSize => F * Positions;
    public static int WeightCount => F * Patch;

    /// <summary>Whether the shape is one a convolution can have: positive sizes, and a kernel that fits the padded input.</summary>
    public static bool Valid =>
        C > 0 && H > 0 && W > 0 && F > 0 && K > 0 && S > 0 && P >= 0 && K <= PaddedHeight && K <= PaddedWidth;

    /// <summary>The shape as PyTorch would print it, for error messages.</summary>
    public static string Describe() => $"Conv2D({C}→{F}, kernel {K}, stride {S}, padding {P}) on {H}×{W}";
}
