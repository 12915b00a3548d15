using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Quantization;

/// <summary>
/// A softmax output layer's float outputs from its int32 sums, with the same bits on every instruction-set path
/// (Vector512, Vector256, Vector128 on x86 and ARM64, and scalar code).
/// </summary>
/// <remarks>
/// <para>For channel j with accumulator a: <c>z = clamp((float)a · s[j], −float.MaxValue, float.MaxValue)</c>, where
/// <c>s[j] = (float)min(InputScale · WeightScales[j], float.MaxValue)</c> (the product formed in double, rounded once);
/// <c>m</c> is the largest z; <c>x = z − m</c> rounded, with its rounding error <c>t</c> from Knuth's two-sum,
/// <c>d = x − z</c>, <c>t = (z − (x − d)) − (m + d)</c>; <c>e = Exp(x, t)</c>; <c>S</c> is the sum of the e; each output is
/// <c>e / S</c>.</para>
/// <para><see cref="Exp"/> takes x ≤ 0 and the correction t: x below <see cref="Low"/> (where exp leaves the normal
/// floats) gives 0; otherwise <c>n = round(x · log2 e)</c> (ties to even), <c>r = (x − n · Ln2High) + (t − n · Ln2Low)</c>
/// and <c>e = p(r) · 2^n</c>, p the polynomial of <see cref="Exp"/> evaluated in Horner form. The correction keeps
/// small outputs within a few ulps of the exact softmax of the z (without it, the rounding of z − m, up to
/// |z − m| · 2^-24, would become that relative error). Every step is a single float operation rounded to nearest (no
/// fused multiply-add), so each lane computes the same bits whatever its width.</para>
/// <para>The maximum and the sum run over 16 lanes in a fixed order whatever the vector width: output j goes to lane
/// <c>j mod 16</c>, each lane takes its outputs in increasing j (the sum starting from 0, the maximum from −∞), then a
/// halving tree combines lane i with lane i + 8, then i + 4, i + 2 and i + 1. With at most 16 outputs every lane holds
/// one value at most.</para>
/// </remarks>
internal sealed unsafe class SoftmaxOutput
{
    /// <summary>The lanes of the fixed reduction order.</summary>
    public const int Lanes = 16;

    /// <summary>ln(2^-126): exp of anything below is under the smallest normal float, and counts as 0.</summary>
    public const float Low = -87.33654f;

    public const float Log2E = 1.44269504f;

    /// <summary>ln 2 in two parts: the first exact in 9 bits, so n · Ln2High is exact for |n| ≤ 127.</summary>
    public const float Ln2High = 0.693359375f, Ln2Low = -2.12194440e-4f;

    // exp(r) ≈ 1 + r + r² · (P0 + r · (P1 + r · (P2 + r · (P3 + r · (P4 + r · P5))))) for |r| ≤ ln2 / 2 (Cephes expf).
    public const float P0 = 5.0000001201e-1f, P1 = 1.6666665459e-1f, P2 = 4.1665795894e-2f, P3 = 8.3334519073e-3f,
        P4 = 1.3981999507e-3f, P5 = 1.9875691500e-4f;

    private readonly int _units;
    private readonly int* _offsets;
    private readonly float[] _scaleArray;
    private readonly int[]? _offsetArray;
    private readonly float* _scales;

    /// <param name="layer">A Dense softmax layer.</param>
    /// <param name="offsets">Per channel, what is added to a raw sum to get the accumulator; padded to <paramref name="padded"/>.</param>
    /// <param name="padded">The channels rounded up to whole 16-channel blocks.</param>
    public SoftmaxOutput(QuantizedLayer layer, int* offsets, int padded)
    {
        _units = layer.Units;
        _offsets = offsets;
        _scaleArray = GC.AllocateArray<float>(padded, pinned: true);
        _scales = (float*)Marshal.UnsafeAddrOfPinnedArrayElement(_scaleArray, 0);
        for (int j = 0; j < layer.Channels; j++) _scales[j] = Scale(layer.InputScale, layer.WeightScales[j]);
    }

    /// <summary>A softmax of <c>(float)sums[j] · scales[j]</c> (no offsets), for checks of the arithmetic on its own.</summary>
    internal SoftmaxOutput(ReadOnlySpan<float> scales)
    {
        int padded = (scales.Length + Lanes - 1) / Lanes * Lanes;
        _units = scales.Length;
        _offsetArray = GC.AllocateArray<int>(padded, pinned: true);
        _offsets = (int*)Marshal.UnsafeAddrOfPinnedArrayElement(_offsetArray, 0);
        _scaleArray = GC.AllocateArray<float>(padded, pinned: true);
        _scales = (float*)Marshal.UnsafeAddrOfPinnedArrayElement(_scaleArray, 0);
        scales.CopyTo(_scaleArray);
    }

    /// <summary>The factor from an accumulator to its float pre-activation: the product in double, limited to float.MaxValue, rounded to float.</summary>
    public static float Scale(float inputScale, float weightScale) => (float)Math.Min((double)inputScale * weightScale, float.MaxValue);

    /// <summary>
    /// One sample's outputs from its raw sums (readable up to the padded channel count: the last partial vector reads
    /// past the units and ignores what it finds).
    /// </summary>
    public void Apply(int* sums, Span<float> output)
    {
        fixed (float* o = output)
        {
            if (Vector512.IsHardwareAccelerated) Apply<Lanes512, Vector512<float>>(sums, o);
            else if (Vector256.IsHardwareAccelerated) Apply<Lanes256, Vector256<float>>(sums, o);
            else if (Vector128.IsHardwareAccelerated) Apply<Lanes128, Vector128<float>>(sums, o);
            else ApplyScalar(sums, o);
        }
    }

    /// <summary>The same from a span of sums, which must reach the padded channel count (whole 16-channel blocks).</summary>
    public void Apply(ReadOnlySpan<int> sums, Span<float> output)
    {
        if (sums.Length < _scaleArray.Length) throw new ArgumentException($"The sums have {sums.Length} values; the padded channels are {_scaleArray.Length}.", nameof(sums));
        if (output.Length != _units) throw new ArgumentException($"The output has room for {output.Length} values; the layer gives {_units}.", nameof(output));
        fixed (int* s = sums) Apply(s, output);
    }

    [SkipLocalsInit] // the tail buffer is written before it is read
    private void Apply<TL, TV>(int* sums, float* output) where TL : struct, IFloatLanes<TV> where TV : struct
    {
        // The 16 lanes are 16 / Count accumulators (a0 to a3): vector k of the outputs goes to accumulator k mod (16 / Count).
        int count = TL.Count, accumulators = Lanes / count, units = _units, rest = units % count, full = units - rest;
        TV negativeInfinity = TL.Create(float.NegativeInfinity), lowest = TL.Create(-float.MaxValue), highest = TL.Create(float.MaxValue);

        // z, kept in the output (the last partial vector in a register), and the lanes' maxima.
        TV a0 = negativeInfinity, a1 = negativeInfinity, a2 = negativeInfinity, a3 = negativeInfinity, zTail = negativeInfinity;
        int j = 0;
        for (; j < full; j += count)
        {
            TV z = TL.Min(TL.Max(TL.Dequantize(sums + j, _offsets + j, _scales + j), lowest), highest);
            TL.Store(z, output + j);
            Accumulate<TL, TV>(ref a0, ref a1, ref a2, ref a3, (j / count) & (accumulators - 1), z, maximum: true);
        }
        if (rest > 0)
        {
            TV valid;
            fixed (uint* ramp = Ramp) valid = TL.Load((float*)ramp + Lanes - rest);
            zTail = TL.Select(valid, TL.Min(TL.Max(TL.Dequantize(sums + j, _offsets + j, _scales + j), lowest), highest), negativeInfinity);
            Accumulate<TL, TV>(ref a0, ref a1, ref a2, ref a3, (j / count) & (accumulators - 1), zTail, maximum: true);
        }
        TV max = TL.Create(TL.Reduce(a0, a1, a2, a3, maximum: true));

        // e = Exp(z − max) in place, and the lanes' sums.
        a0 = a1 = a2 = a3 = TL.Create(0f);
        for (j = 0; j < full; j += count)
        {
            TV e = ExpDifference<TL, TV>(TL.Load(output + j), max);
            TL.Store(e, output + j);
            Accumulate<TL, TV>(ref a0, ref a1, ref a2, ref a3, (j / count) & (accumulators - 1), e, maximum: false);
        }
        TV eTail = default;
        if (rest > 0)
        {
            // The lanes past the units hold −∞, whose Exp is 0: they add nothing to their lane.
            eTail = ExpDifference<TL, TV>(zTail, max);
            Accumulate<TL, TV>(ref a0, ref a1, ref a2, ref a3, (j / count) & (accumulators - 1), eTail, maximum: false);
        }
        TV sum = TL.Create(TL.Reduce(a0, a1, a2, a3, maximum: false));

        for (j = 0; j < full; j += count) TL.Store(TL.Divide(TL.Load(output + j), sum), output + j);
        if (rest > 0)
        {
            float* tail = stackalloc float[Lanes];
            TL.Store(TL.Divide(eTail, sum), tail);
            new ReadOnlySpan<float>(tail, rest).CopyTo(new Span<float>(output + full, rest));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate<TL, TV>(ref TV a0, ref TV a1, ref TV a2, ref TV a3, int index, TV value, bool maximum)
        where TL : struct, IFloatLanes<TV> where TV : struct
    {
        if (index == 0) a0 = maximum ? TL.Max(a0, value) : TL.Add(a0, value);
        else if (index == 1) a1 = maximum ? TL.Max(a1, value) : TL.Add(a1, value);
        else if (index == 2) a2 = maximum ? TL.Max(a2, value) : TL.Add(a2, value);
        else a3 = maximum ? TL.Max(a3, value) : TL.Add(a3, value);
    }

    /// <summary>exp(z − m) for z ≤ m per lane (z = −∞ included), by the rule in the remarks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV ExpDifference<TL, TV>(TV z, TV m) where TL : struct, IFloatLanes<TV> where TV : struct
    {
        TV x = TL.Subtract(z, m);
        TV d = TL.Subtract(x, z);
        TV t = TL.Subtract(TL.Subtract(z, TL.Subtract(x, d)), TL.Add(m, d));
        TV low = TL.Create(Low);
        TV xc = TL.Max(x, low);
        TV n = TL.Round(TL.Multiply(xc, TL.Create(Log2E)));
        TV r = TL.Add(TL.Subtract(xc, TL.Multiply(n, TL.Create(Ln2High))), TL.Subtract(t, TL.Multiply(n, TL.Create(Ln2Low))));
        TV p = TL.Add(TL.Multiply(TL.Create(P5), r), TL.Create(P4));
        p = TL.Add(TL.Multiply(p, r), TL.Create(P3));
        p = TL.Add(TL.Multiply(p, r), TL.Create(P2));
        p = TL.Add(TL.Multiply(p, r), TL.Create(P1));
        p = TL.Add(TL.Multiply(p, r), TL.Create(P0));
        p = TL.Add(TL.Add(TL.Multiply(p, TL.Multiply(r, r)), r), TL.Create(1f));
        return TL.Select(TL.GreaterThanOrEqual(x, low), TL.Multiply(p, TL.Pow2(n)), TL.Create(0f));
    }

    /// <summary>The same computation one output at a time.</summary>
    private void ApplyScalar(int* sums, float* output)
    {
        float* lanes = stackalloc float[Lanes];
        for (int i = 0; i < Lanes; i++) lanes[i] = float.NegativeInfinity;
        for (int j = 0; j < _units; j++)
        {
            float z = Math.Min(Math.Max((float)(sums[j] + _offsets[j]) * _scales[j], -float.MaxValue), float.MaxValue);
            output[j] = z;
            lanes[j % Lanes] = Math.Max(lanes[j % Lanes], z);
        }
        float max = Tree(lanes, maximum: true);
        for (int i = 0; i < Lanes; i++) lanes[i] = 0;
        for (int j = 0; j < _units; j++)
        {
            float z = output[j], x = z - max, d = x - z;
            float e = Exp(x, z - (x - d) - (max + d));
            output[j] = e;
            lanes[j % Lanes] += e;
        }
        float sum = Tree(lanes, maximum: false);
        for (int j = 0; j < _units; j++) output[j] /= sum;
    }

    /// <summary>exp(x + t) for x ≤ 0 and a correction t far below x's last place, by the rule in the remarks, in scalar code.</summary>
    public static float Exp(float x, float t)
    {
        if (!(x >= Low)) return 0;
        float n = MathF.Round(x * Log2E, MidpointRounding.ToEven);
        float r = (x - n * Ln2High) + (t - n * Ln2Low);
        float p = P5 * r + P4;
        p = p * r + P3;
        p = p * r + P2;
        p = p * r + P1;
        p = p * r + P0;
        p = p * (r * r) + r + 1f;
        return p * BitConverter.Int32BitsToSingle(((int)n + 127) << 23);
    }

    /// <summary>The 16 lanes combined by the halving tree: lane i with i + 8, then i + 4, i + 2, i + 1.</summary>
    private static float Tree(float* lanes, bool maximum)
    {
        for (int half = Lanes / 2; half >= 1; half /= 2)
            for (int i = 0; i < half; i++)
                lanes[i] = maximum ? Math.Max(lanes[i], lanes[i + half]) : lanes[i] + lanes[i + half];
        return lanes[0];
    }

    /// <summary>
    /// The last two levels of the tree on lanes 0 to 3 (already combined from 16): lane i with i + 2, then 0 with 1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tree4(Vector128<float> u, bool maximum)
    {
        Vector128<float> upper = Vector128.Shuffle(u, Vector128.Create(2, 3, 2, 3));
        Vector128<float> v = maximum ? Vector128.MaxNative(u, upper) : u + upper;
        Vector128<float> second = Vector128.Shuffle(v, Vector128.Create(1, 0, 1, 0));
        return (maximum ? Vector128.MaxNative(v, second) : v + second).ToScalar();
    }

    /// <summary>16 all-ones lanes then 16 zero lanes: the 16 lanes from <c>Lanes − k</c> select the first k.</summary>
    private static ReadOnlySpan<uint> Ramp =>
    [
        uint.MaxValue, uint.MaxValue, uint.MaxValue, uint.MaxValue, uint.MaxValue, uint.MaxValue, uint.MaxValue, uint.MaxValue,
        uint.MaxValue, uint.MaxValue, uint.MaxValue, uint.MaxValue, uint.MaxValue, uint.MaxValue, uint.MaxValue, uint.MaxValue,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
}
