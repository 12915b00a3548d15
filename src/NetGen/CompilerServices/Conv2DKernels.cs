using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.CompilerServices;

/// <summary>
/// The three products of a Conv2D layer (<see cref="IConv2DShape"/>: NCHW samples, weights [F × C × K × K] then biases
/// [F], as PyTorch's <c>Conv2d</c>), compiled per shape.
/// </summary>
/// <remarks>
/// <para>Made for an execution planner that splits the work over threads. <see cref="Forward{TShape, TAct}"/> and
/// <see cref="InputGradients{TShape, TGrad}"/> take the whole batch's buffers and compute samples [start, end) only;
/// every sample is computed alone, so any split of the samples gives the bits of one call over all of them.
/// <see cref="WeightGradients{TShape}"/> takes filters [first, end) and sums over every sample of the batch in a fixed
/// order, so any split of the filters gives the bits of one call over all of them.</para>
/// <para>Each call needs <see cref="ScratchLength{TShape}"/> floats of scratch space from the caller (one buffer per
/// thread, sharing no memory with the other arguments; 64-byte aligned, like <see cref="AlignedBuffer"/>, keeps the
/// vector loads within cache lines). Nothing is allocated.</para>
/// <para>Forward and input gradient each run one of three methods, chosen per shape, vector width and call
/// (<see cref="ForwardMethod{TShape}"/>, <see cref="InputGradientMethod{TShape}"/>): direct convolution over a padded
/// copy of the input, or packing (im2col) the input patches into a matrix first, both through the register-blocked
/// product with the positions in the lanes (<see cref="ConvProduct{TGeo, TS, TV}"/>); or the filters in the lanes
/// (<see cref="ConvFilterLanes{TShape, TS, TV}"/>). The forward methods compute the same sums in the same order, and so
/// do the direct and filters-in-lanes input gradients.</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class Conv2DKernels
{
    /// <summary>Floats of scratch space one call of any of these kernels needs for <typeparamref name="TShape"/>.</summary>
    public static int ScratchLength<TShape>() where TShape : IConv2DShape
    {
        CheckShape<TShape>();
        return Math.Max(Math.Max(Math.Max(ForwardScratch<TShape>(ConvMethod.Direct), ForwardScratch<TShape>(ConvMethod.Packed)), ForwardScratch<TShape>(ConvMethod.FilterLanes)),
            Math.Max(Math.Max(Math.Max(InputScratch<TShape>(ConvMethod.Direct), InputScratch<TShape>(ConvMethod.Packed)), InputScratch<TShape>(ConvMethod.FilterLanes)),
                WeightScratch<TShape>()));
    }

    /// <summary>out[b] = conv(x[b]) + bias for samples [<paramref name="start"/>, <paramref name="end"/>).</summary>
    public static void Forward<TShape>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> input, Span<float> output,
        int batch, int start, int end, Span<float> scratch) where TShape : IConv2DShape =>
        Forward<TShape, IdentityOperator>(weights, bias, input, output, batch, start, end, scratch, default);

    /// <summary>
    /// out[b, f] = act(bias[f] + Σ_(c, ky, kx) w[f, c, ky, kx]·x_pad[b, c, oy·S + ky, ox·S + kx]) for samples
    /// [<paramref name="start"/>, <paramref name="end"/>) of a batch of <paramref name="batch"/> (the input and output
    /// spans hold the whole batch), with the activation applied to each vector before it is stored.
    /// </summary>
    public static void Forward<TShape, TAct>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> input, Span<float> output,
        int batch, int start, int end, Span<float> scratch, TAct activation)
        where TShape : IConv2DShape where TAct : struct, IUnaryOperator =>
        ForwardWith<TShape, TAct>(weights, bias, input, output, batch, start, end, scratch, activation, ForwardMethod<TShape>(end - start));

    /// <summary>dx[b] = the input gradient for samples [<paramref name="start"/>, <paramref name="end"/>): Σ over the filters and kernel positions that read x[b, c, iy, ix] of w·dz.</summary>
    public static void InputGradients<TShape>(ReadOnlySpan<float> dz, ReadOnlySpan<float> weights, Span<float> dx,
        int batch, int start, int end, Span<float> scratch) where TShape : IConv2DShape =>
        InputGradients<TShape, IdentityGradient>(dz, weights, dx, batch, start, end, dx, default, scratch);

    /// <summary>
    /// dx[b, c, iy, ix] = g(a[b, c, iy, ix], Σ_(f, ky, kx) w[f, c, ky, kx]·dz[b, f, oy, ox] over the (oy, ox) with
    /// oy·S + ky − P = iy and ox·S + kx − P = ix), for samples [<paramref name="start"/>, <paramref name="end"/>): the input
    /// gradient with the backward step g of the layer below's activation fused in (<paramref name="activations"/> are that
    /// layer's outputs, laid out like <paramref name="dx"/>), so dx comes out as the layer below's dz.
    /// </summary>
    public static void InputGradients<TShape, TGrad>(ReadOnlySpan<float> dz, ReadOnlySpan<float> weights, Span<float> dx,
        int batch, int start, int end, ReadOnlySpan<float> activations, TGrad derivative, Span<float> scratch)
        where TShape : IConv2DShape where TGrad : struct, IGradientOperator =>
        InputGradientsWith<TShape, TGrad>(dz, weights, dx, batch, start, end, activations, derivative, scratch, InputGradientMethod<TShape>(end - start));

    /// <summary>
    /// dW[f, c, ky, kx] = Σ_b Σ_(oy, ox) dz[b, f, oy, ox]·x_pad[b, c, oy·S + ky, ox·S + kx] and db[f] = Σ_b Σ_(oy, ox)
    /// dz[b, f, oy, ox] for filters [<paramref name="first"/>, <paramref name="end"/>) over all <paramref name="batch"/>
    /// samples; those filters' elements are overwritten and the others are not touched. Each element is summed over the
    /// samples and positions in order, so a split of the filters over threads gives the bits of one call.
    /// </summary>
    public static void WeightGradients<TShape>(ReadOnlySpan<float> dz, ReadOnlySpan<float> input, Span<float> weightGradients, Span<float> biasGradients,
        int batch, int first, int end, Span<float> scratch) where TShape : IConv2DShape
    {
        CheckShape<TShape>();
        Check(batch >= 0 && dz.Length >= (long)batch * ConvSizes<TShape>.OutputSize && input.Length >= (long)batch * ConvSizes<TShape>.InputSize
              && weightGradients.Length == ConvSizes<TShape>.WeightCount && biasGradients.Length == ConvSizes<TShape>.F
              && 0 <= first && first <= end && end <= ConvSizes<TShape>.F && scratch.Length >= WeightScratch<TShape>());
        if (first == end) return;
        if (Vector512.IsHardwareAccelerated) WeightGradients<TShape, Simd512, Vector512<float>>(dz, input, weightGradients, biasGradients, batch, first, end, scratch);
        else if (Vector256.IsHardwareAccelerated) WeightGradients<TShape, Simd256, Vector256<float>>(dz, input, weightGradients, biasGradients, batch, first, end, scratch);
        else if (Vector128.IsHardwareAccelerated) WeightGradients<TShape, Simd128, Vector128<float>>(dz, input, weightGradients, biasGradients, batch, first, end, scratch);
        else WeightGradients<TShape, SimdScalar, float>(dz, input, weightGradients, biasGradients, batch, first, end, scratch);
    }

    /// <summary>
    /// How the forward product runs for this shape on this machine, for calls of <paramref name="samples"/> samples. The
    /// three methods compute the same sums in the same order and differ in the vector multiply-adds they spend per sample:
    /// <list type="bullet">
    /// <item>Direct convolution reads the padded input in place and computes each output row in vectors, so a row whose
    /// width is not a multiple of the vector width wastes the rest of its last vector: F · Patch · OH · ⌈OW / lanes⌉ (stride
    /// 1 only: with a larger stride its rows would be strided).</item>
    /// <item>Packing first copies every input patch into a [Patch × positions] matrix (im2col), whose one long row of all
    /// output positions wastes at most one vector per filter: F · Patch · ⌈positions / lanes⌉, plus the copy of OH rows
    /// per patch element (<see cref="Tuning.RowPackingCost"/> each, measured on the machine).</item>
    /// <item>Filters in the lanes reads the padded input in place at any stride and wastes only the rest of the last
    /// filter vector: Patch · positions · ⌈F / lanes⌉, plus the transposes of its position-major output and, shared by
    /// the call's samples, of the weights (<see cref="Tuning.TransposeCost"/> per float).</item>
    /// </list>
    /// The cheapest is taken, the earlier on a tie. When a pooling layer runs inside the convolution
    /// (<see cref="ForwardPooled{TShape, TPool, TWindow, TAct}"/>, <paramref name="pooledPositions"/> outputs per filter),
    /// the filters in the lanes transpose only the pooled outputs, and the other methods pay a pooling pass over their
    /// outputs, counted like the transpose of each output.
    /// </summary>
    internal static ConvMethod ForwardMethod<TShape>(int samples = 1, int? pooledPositions = null) where TShape : IConv2DShape
    {
        double f = ConvSizes<TShape>.F, patch = ConvSizes<TShape>.Patch, positions = ConvSizes<TShape>.Positions;
        double pass = pooledPositions is null ? 0 : positions * f * Tuning.TransposeCost;
        double direct = ConvSizes<TShape>.S == 1 ? f * patch * ConvSizes<TShape>.OutputHeight * VectorsFor(ConvSizes<TShape>.OutputWidth) + pass : double.PositiveInfinity;
        double packed = f * patch * PackedCost<TShape>() + pass;
        double filterLanes = patch * positions * VectorsFor(ConvSizes<TShape>.F)
                             + ((pooledPositions ?? positions) * f + f * patch / Math.Max(1, samples)) * Tuning.TransposeCost;
        return direct <= packed && direct <= filterLanes ? ConvMethod.Direct : packed <= filterLanes ? ConvMethod.Packed : ConvMethod.FilterLanes;
    }

    /// <summary>
    /// How the input gradient runs: direct is the forward product of dz padded by K − 1 − P with the filters flipped and
    /// their two channel axes swapped (stride 1 and P ≤ K − 1 only), H · ⌈W / lanes⌉ per input channel and weight;
    /// packing multiplies wᵀ by dz into a matrix of patches and adds each patch row back where it came from (col2im),
    /// which costs what packing does. Both do C·K·K·F multiply-adds per vector of outputs, so the comparison of direct
    /// and packing in <see cref="ForwardMethod{TShape}"/> holds.
    /// The filters in the lanes run that same forward product with the input channels in the lanes
    /// (<see cref="TransposedShape{TShape}"/>): F·K·K · H·W · ⌈C / lanes⌉, plus the transposes of dx and, shared by the
    /// call's <paramref name="samples"/>, of the flipped weights. The cheapest is taken, the earlier on a tie.
    /// </summary>
    internal static ConvMethod InputGradientMethod<TShape>(int samples = 1) where TShape : IConv2DShape
    {
        double patch = ConvSizes<TShape>.Patch, f = ConvSizes<TShape>.F, c = ConvSizes<TShape>.C, inputs = ConvSizes<TShape>.H * ConvSizes<TShape>.W;
        bool transposable = ConvSizes<TShape>.S == 1 && ConvSizes<TShape>.P <= ConvSizes<TShape>.K - 1;
        double direct = transposable ? patch * f * ConvSizes<TShape>.H * VectorsFor(ConvSizes<TShape>.W) : double.PositiveInfinity;
        double packed = patch * f * PackedCost<TShape>();
        double filterLanes = transposable
            ? f * patch / c * inputs * VectorsFor(ConvSizes<TShape>.C) + (inputs * c + f * patch / Math.Max(1, samples)) * Tuning.TransposeCost
            : double.PositiveInfinity;
        return direct <= packed && direct <= filterLanes ? ConvMethod.Direct : packed <= filterLanes ? ConvMethod.Packed : ConvMethod.FilterLanes;
    }

    /// <summary>The packed method's cost per filter and weight: the product's vectors and the share of its row copies.</summary>
    private static double PackedCost<TShape>() where TShape : IConv2DShape =>
        VectorsFor(ConvSizes<TShape>.Positions) + ConvSizes<TShape>.OutputHeight * Tuning.RowPackingCost / ConvSizes<TShape>.F;

    /// <summary>The vectors one row of <paramref name="width"/> outputs takes at the width <see cref="LanesFor"/> picks.</summary>
    private static int VectorsFor(int width)
    {
        int lanes = LanesFor(width);
        return (width + lanes - 1) / lanes;
    }

    /// <summary>
    /// The vector width for rows of <paramref name="width"/> outputs: the accelerated width that computes the most valid
    /// outputs per vector operation (a vector multiply-add of any width takes the same time on the CPUs the kernels target),
    /// the narrower on a tie. Rows of 14 take one Vector512 (14 of 16 lanes) rather than two Vector256.
    /// </summary>
    internal static int LanesFor(int width)
    {
        int best = 1;
        double bestRate = 1;
        foreach (int lanes in (ReadOnlySpan<int>)[4, 8, 16])
        {
            bool accelerated = lanes == 4 ? Vector128.IsHardwareAccelerated : lanes == 8 ? Vector256.IsHardwareAccelerated : Vector512.IsHardwareAccelerated;
            if (!accelerated) continue;
            double rate = (double)width / ((width + lanes - 1) / lanes);
            if (rate > bestRate) (best, bestRate) = (lanes, rate);
        }
        return best;
    }

    /// <summary><see cref="Forward{TShape, TAct}"/> by the given method (the tests run both on every shape).</summary>
    internal static void ForwardWith<TShape, TAct>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> input, Span<float> output,
        int batch, int start, int end, Span<float> scratch, TAct activation, ConvMethod method)
        where TShape : IConv2DShape where TAct : struct, IUnaryOperator
    {
        CheckShape<TShape>();
        int inSize = ConvSizes<TShape>.InputSize, outSize = ConvSizes<TShape>.OutputSize;
        Check(weights.Length == ConvSizes<TShape>.WeightCount && bias.Length == ConvSizes<TShape>.F && IsRange(batch, start, end)
              && input.Length >= (long)batch * inSize && output.Length >= (long)batch * outSize && scratch.Length >= ForwardScratch<TShape>(method)
              && (method != ConvMethod.Direct || ConvSizes<TShape>.S == 1));
        ref float spill = ref MemoryMarshal.GetReference(scratch);
        scratch = scratch.Slice(Spill);
        ref float w = ref MemoryMarshal.GetReference(weights);
        ref float br = ref MemoryMarshal.GetReference(bias);
        ref float s = ref MemoryMarshal.GetReference(scratch);
        if (method == ConvMethod.Direct)
        {
            int padded = ConvSizes<TShape>.C * ConvSizes<TShape>.PaddedHeight * ConvSizes<TShape>.PaddedWidth;
            scratch.Slice(0, padded + Slack).Clear(); // the borders stay zero; each sample overwrites the interior
            for (int b = start; b < end; b++)
            {
                Pad(input.Slice(b * inSize, inSize), ref s, ConvSizes<TShape>.C, ConvSizes<TShape>.H, ConvSizes<TShape>.W, ConvSizes<TShape>.P);
                ref float o = ref MemoryMarshal.GetReference(output.Slice(b * outSize, outSize));
                Product<ForwardDirect<TShape>, TAct, IdentityGradient>(ref w, ref br, true, ref s, ref o, ref o, ref spill, activation, default);
            }
        }
        else if (method == ConvMethod.FilterLanes)
            FilterLanesForward<TShape, TAct, Unpooled<TShape>>(weights, bias, input, output, start, end, scratch, activation);
        else
        {
            scratch.Slice(ConvSizes<TShape>.Patch * ConvSizes<TShape>.Positions, Slack).Clear();
            for (int b = start; b < end; b++)
            {
                Im2Col<TShape>(input.Slice(b * inSize, inSize), scratch);
                ref float o = ref MemoryMarshal.GetReference(output.Slice(b * outSize, outSize));
                Product<ForwardPacked<TShape>, TAct, IdentityGradient>(ref w, ref br, true, ref s, ref o, ref o, ref spill, activation, default);
            }
        }
    }

    /// <summary><see cref="InputGradients{TShape, TGrad}"/> by the given method.</summary>
    internal static void InputGradientsWith<TShape, TGrad>(ReadOnlySpan<float> dz, ReadOnlySpan<float> weights, Span<float> dx,
        int batch, int start, int end, ReadOnlySpan<float> activations, TGrad derivative, Span<float> scratch, ConvMethod method)
        where TShape : IConv2DShape where TGrad : struct, IGradientOperator
    {
        CheckShape<TShape>();
        int inSize = ConvSizes<TShape>.InputSize, outSize = ConvSizes<TShape>.OutputSize;
        int c = ConvSizes<TShape>.C, f = ConvSizes<TShape>.F, k = ConvSizes<TShape>.K, patch = ConvSizes<TShape>.Patch, positions = ConvSizes<TShape>.Positions;
        Check(weights.Length == ConvSizes<TShape>.WeightCount && IsRange(batch, start, end) && dz.Length >= (long)batch * outSize
              && dx.Length >= (long)batch * inSize && activations.Length >= (long)batch * inSize && scratch.Length >= InputScratch<TShape>(method)
              && (method == ConvMethod.Packed || (ConvSizes<TShape>.S == 1 && ConvSizes<TShape>.P <= ConvSizes<TShape>.K - 1)));
        ref float spill = ref MemoryMarshal.GetReference(scratch);
        scratch = scratch.Slice(Spill);
        ref float w = ref MemoryMarshal.GetReference(weights);
        if (method == ConvMethod.FilterLanes)
        {
            // The forward product of TransposedShape: dz padded by K − 1 − P, the flipped weights, no bias.
            Span<float> flipped = scratch.Slice(0, f * patch), zeros = scratch.Slice(f * patch, c);
            Flip<TShape>(weights, flipped);
            zeros.Clear();
            FilterLanesForward<TransposedShape<TShape>, IdentityOperator, Unpooled<TransposedShape<TShape>>>(flipped, zeros, dz, dx, start, end,
                scratch.Slice(f * patch + c), default);
            if (typeof(TGrad) != typeof(IdentityGradient))
                for (int b = start; b < end; b++)
                    ActivationKernels.Map(activations.Slice(b * inSize, inSize), dx.Slice(b * inSize, inSize), derivative);
        }
        else if (method == ConvMethod.Direct)
        {
            // w′[c, f, ky, kx] = w[f, c, K − 1 − ky, K − 1 − kx], then dz padded by K − 1 − P.
            Span<float> flipped = scratch.Slice(0, f * patch);
            Flip<TShape>(weights, flipped);
            int q = k - 1 - ConvSizes<TShape>.P;
            int padded = f * (ConvSizes<TShape>.OutputHeight + 2 * q) * (ConvSizes<TShape>.OutputWidth + 2 * q);
            Span<float> dzPad = scratch.Slice(f * patch, padded + Slack);
            dzPad.Clear();
            ref float wf = ref MemoryMarshal.GetReference(flipped);
            ref float dp = ref MemoryMarshal.GetReference(dzPad);
            for (int b = start; b < end; b++)
            {
                Pad(dz.Slice(b * outSize, outSize), ref dp, f, ConvSizes<TShape>.OutputHeight, ConvSizes<TShape>.OutputWidth, q);
                ref float d = ref MemoryMarshal.GetReference(dx.Slice(b * inSize, inSize));
                ref float a = ref MemoryMarshal.GetReference(activations.Slice(b * inSize, inSize));
                Product<InputDirect<TShape>, IdentityOperator, TGrad>(ref wf, ref wf, false, ref dp, ref d, ref a, ref spill, default, derivative);
            }
        }
        else
        {
            // wᵀ [C·K·K × F]; per sample dz (with slack after it), the patch gradients wᵀ·dz, then col2im.
            Span<float> wt = scratch.Slice(0, patch * f);
            Transpose.Copy(ref w, f, patch, ref MemoryMarshal.GetReference(wt));
            Span<float> dzCopy = scratch.Slice(patch * f, outSize + Slack);
            Span<float> columns = scratch.Slice(patch * f + outSize + Slack, patch * positions);
            Span<float> dxPad = scratch.Slice(patch * f + outSize + Slack + patch * positions, c * ConvSizes<TShape>.PaddedHeight * ConvSizes<TShape>.PaddedWidth);
            dzCopy.Slice(outSize).Clear();
            for (int b = start; b < end; b++)
            {
                dz.Slice(b * outSize, outSize).CopyTo(dzCopy);
                Product<InputPacked<TShape>, IdentityOperator, IdentityGradient>(ref MemoryMarshal.GetReference(wt), ref MemoryMarshal.GetReference(wt), false,
                    ref MemoryMarshal.GetReference(dzCopy), ref MemoryMarshal.GetReference(columns), ref MemoryMarshal.GetReference(columns), ref spill, default, default);
                Col2Im<TShape>(columns, dxPad);
                Span<float> dxb = dx.Slice(b * inSize, inSize);
                Crop(dxPad, dxb, c, ConvSizes<TShape>.H, ConvSizes<TShape>.W, ConvSizes<TShape>.P);
                if (typeof(TGrad) != typeof(IdentityGradient))
                    ActivationKernels.Map(activations.Slice(b * inSize, inSize), dxb, derivative);
            }
        }
    }

    /// <summary>w′[c, f, ky, kx] = w[f, c, K − 1 − ky, K − 1 − kx]: the weights of the input gradient's forward product.</summary>
    private static void Flip<TShape>(ReadOnlySpan<float> weights, Span<float> flipped) where TShape : IConv2DShape
    {
        int c = ConvSizes<TShape>.C, f = ConvSizes<TShape>.F, k = ConvSizes<TShape>.K;
        for (int fi = 0; fi < f; fi++)
            for (int ci = 0; ci < c; ci++)
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++)
                        flipped[((ci * f + fi) * k + ky) * k + kx] = weights[((fi * c + ci) * k + (k - 1 - ky)) * k + (k - 1 - kx)];
    }

    private static void WeightGradients<TShape, TS, TV>(ReadOnlySpan<float> dz, ReadOnlySpan<float> input, Span<float> weightGradients, Span<float> biasGradients,
        int batch, int first, int end, Span<float> scratch)
        where TShape : IConv2DShape where TS : ISimdWidth<TV> where TV : struct
    {
        int inSize = ConvSizes<TShape>.InputSize, outSize = ConvSizes<TShape>.OutputSize, f = ConvSizes<TShape>.F;
        int patch = ConvSizes<TShape>.Patch, positions = ConvSizes<TShape>.Positions, pitch = ConvWeightGradient<TShape, TS, TV>.FilterPitch;
        int padded = ConvSizes<TShape>.C * ConvSizes<TShape>.PaddedHeight * ConvSizes<TShape>.PaddedWidth;
        Span<float> xPad = scratch.Slice(0, padded);
        Span<float> dzT = scratch.Slice(padded, positions * pitch);
        Span<float> dwT = scratch.Slice(padded + positions * pitch, patch * pitch);
        Span<float> dbT = scratch.Slice(padded + positions * pitch + patch * pitch, pitch);
        xPad.Clear();
        dzT.Clear(); // the lanes past the last filter stay zero
        int lanes = TS.Count, firstVector = first / lanes * lanes, endVector = (end + lanes - 1) / lanes * lanes;
        for (int k = 0; k < patch; k++) dwT.Slice(k * pitch + firstVector, endVector - firstVector).Clear();
        dbT.Clear();
        ref float xp = ref MemoryMarshal.GetReference(xPad);
        ref float dt = ref MemoryMarshal.GetReference(dzT);
        ref float wt = ref MemoryMarshal.GetReference(dwT);
        for (int b = 0; b < batch; b++)
        {
            Pad(input.Slice(b * inSize, inSize), ref xp, ConvSizes<TShape>.C, ConvSizes<TShape>.H, ConvSizes<TShape>.W, ConvSizes<TShape>.P);
            Transpose.Copy(ref Unsafe.AsRef(in dz[b * outSize]), f, positions, ref dt, pitch);
            ConvWeightGradient<TShape, TS, TV>.Accumulate(ref xp, ref dt, ref wt, firstVector, endVector);
            for (int p = 0; p < positions; p++)
                for (int v = firstVector; v < endVector; v += lanes)
                    TS.Store(TS.Add(TS.Load(ref MemoryMarshal.GetReference(dbT), (nuint)v), TS.Load(ref dt, (nuint)(p * pitch + v))), ref MemoryMarshal.GetReference(dbT), (nuint)v);
        }
        for (int fi = first; fi < end; fi++)
        {
            for (int k = 0; k < patch; k++) weightGradients[fi * patch + k] = dwT[k * pitch + fi];
            biasGradients[fi] = dbT[fi];
        }
    }

    /// <summary>Floats after a product's source that its last vector may read (the lanes past the row's end are discarded).</summary>
    private const int Slack = 16;

    /// <summary>The product's spill area, at the start of the scratch space of the forward and input-gradient kernels.</summary>
    private const int Spill = 24 * 16;

    private static int ForwardScratch<TShape>(ConvMethod method) where TShape : IConv2DShape => Spill + method switch
    {
        ConvMethod.Direct => ConvSizes<TShape>.C * ConvSizes<TShape>.PaddedHeight * ConvSizes<TShape>.PaddedWidth + Slack,
        // wᵀ, the bias and outᵀ at the widest vector's pitch, which covers every narrower one
        ConvMethod.FilterLanes => ConvSizes<TShape>.C * ConvSizes<TShape>.PaddedHeight * ConvSizes<TShape>.PaddedWidth
                                  + (ConvSizes<TShape>.Patch + 1 + ConvSizes<TShape>.Positions) * ((ConvSizes<TShape>.F + 15) / 16 * 16),
        _ => ConvSizes<TShape>.Patch * ConvSizes<TShape>.Positions + Slack,
    };

    private static int InputScratch<TShape>(ConvMethod method) where TShape : IConv2DShape
    {
        int f = ConvSizes<TShape>.F, patch = ConvSizes<TShape>.Patch;
        if (method == ConvMethod.FilterLanes)
            return Spill + f * patch + ConvSizes<TShape>.C + (ConvSizes<TShape>.S == 1 && ConvSizes<TShape>.P <= ConvSizes<TShape>.K - 1
                ? ForwardScratch<TransposedShape<TShape>>(ConvMethod.FilterLanes) : 0);
        if (method == ConvMethod.Direct)
        {
            int q = Math.Max(0, ConvSizes<TShape>.K - 1 - ConvSizes<TShape>.P);
            return Spill + f * patch + f * (ConvSizes<TShape>.OutputHeight + 2 * q) * (ConvSizes<TShape>.OutputWidth + 2 * q) + Slack;
        }
        return Spill + patch * f + ConvSizes<TShape>.OutputSize + Slack + patch * ConvSizes<TShape>.Positions
            + ConvSizes<TShape>.C * ConvSizes<TShape>.PaddedHeight * ConvSizes<TShape>.PaddedWidth;
    }

    private static int WeightScratch<TShape>() where TShape : IConv2DShape
    {
        int pitch = (ConvSizes<TShape>.F + 15) / 16 * 16; // the widest vector's pitch covers every narrower one
        return ConvSizes<TShape>.C * ConvSizes<TShape>.PaddedHeight * ConvSizes<TShape>.PaddedWidth
            + (ConvSizes<TShape>.Positions + ConvSizes<TShape>.Patch + 1) * pitch;
    }

    /// <summary>The product at the vector width <see cref="LanesFor"/> picks for the geometry's rows.</summary>
    private static void Product<TGeo, TAct, TGrad>(ref float w, ref float bias, bool hasBias, ref float src, ref float dst, ref float a, ref float spill, TAct activation, TGrad derivative)
        where TGeo : IConvGeometry where TAct : struct, IUnaryOperator where TGrad : struct, IGradientOperator
    {
        switch (LanesFor(TGeo.Width))
        {
            case 16: ConvProduct<TGeo, Simd512, Vector512<float>>.Run(ref w, ref bias, hasBias, ref src, ref dst, ref a, ref spill, activation, derivative); break;
            case 8: ConvProduct<TGeo, Simd256, Vector256<float>>.Run(ref w, ref bias, hasBias, ref src, ref dst, ref a, ref spill, activation, derivative); break;
            case 4: ConvProduct<TGeo, Simd128, Vector128<float>>.Run(ref w, ref bias, hasBias, ref src, ref dst, ref a, ref spill, activation, derivative); break;
            default: ConvProduct<TGeo, SimdScalar, float>.Run(ref w, ref bias, hasBias, ref src, ref dst, ref a, ref spill, activation, derivative); break;
        }
    }

    /// <summary>Copies <paramref name="planes"/> planes of <paramref name="height"/> × <paramref name="width"/> into the interior of planes padded by <paramref name="pad"/> on every side (the borders are left as they are).</summary>
    private static void Pad(ReadOnlySpan<float> source, ref float destination, int planes, int height, int width, int pad)
    {
        int pw = width + 2 * pad, plane = (height + 2 * pad) * pw;
        Span<float> d = MemoryMarshal.CreateSpan(ref destination, planes * plane);
        for (int c = 0; c < planes; c++)
            for (int y = 0; y < height; y++)
                source.Slice((c * height + y) * width, width).CopyTo(d.Slice(c * plane + (y + pad) * pw + pad, width));
    }

    /// <summary>The interior of padded planes (the inverse of <see cref="Pad"/>).</summary>
    private static void Crop(ReadOnlySpan<float> source, Span<float> destination, int planes, int height, int width, int pad)
    {
        int pw = width + 2 * pad, plane = (height + 2 * pad) * pw;
        for (int c = 0; c < planes; c++)
            for (int y = 0; y < height; y++)
                source.Slice(c * plane + (y + pad) * pw + pad, width).CopyTo(destination.Slice((c * height + y) * width, width));
    }

    /// <summary>columns[(c, ky, kx), (oy, ox)] = x[c, oy·S + ky − P, ox·S + kx − P], zero outside the input.</summary>
    private static void Im2Col<TShape>(ReadOnlySpan<float> x, Span<float> columns) where TShape : IConv2DShape
    {
        int c = ConvSizes<TShape>.C, h = ConvSizes<TShape>.H, w = ConvSizes<TShape>.W, k = ConvSizes<TShape>.K, s = ConvSizes<TShape>.S, p = ConvSizes<TShape>.P;
        int oh = ConvSizes<TShape>.OutputHeight, ow = ConvSizes<TShape>.OutputWidth;
        int row = 0;
        for (int ci = 0; ci < c; ci++)
            for (int ky = 0; ky < k; ky++)
                for (int kx = 0; kx < k; kx++, row++)
                {
                    // Output columns ox whose input column ox·S + kx − P lies inside [0, W): [lo, hi).
                    int lo = Math.Min(ow, Math.Max(0, -FloorDivide(kx - p, s))), hi = Math.Max(lo, Math.Min(ow, FloorDivide(w - 1 + p - kx, s) + 1));
                    for (int oy = 0; oy < oh; oy++)
                    {
                        Span<float> line = columns.Slice((row * oh + oy) * ow, ow);
                        int iy = oy * s + ky - p;
                        if (iy < 0 || iy >= h) { line.Clear(); continue; }
                        line.Slice(0, lo).Clear();
                        line.Slice(hi).Clear();
                        ReadOnlySpan<float> input = x.Slice((ci * h + iy) * w);
                        if (s == 1)
                            input.Slice(lo + kx - p, hi - lo).CopyTo(line.Slice(lo, hi - lo));
                        else
                            for (int ox = lo; ox < hi; ox++) line[ox] = input[ox * s + kx - p];
                    }
                }
    }

    /// <summary>xPad[c, oy·S + ky, ox·S + kx] = Σ columns[(c, ky, kx), (oy, ox)], over the (c, ky, kx) in order (xPad is overwritten).</summary>
    private static void Col2Im<TShape>(ReadOnlySpan<float> columns, Span<float> xPad) where TShape : IConv2DShape
    {
        int c = ConvSizes<TShape>.C, k = ConvSizes<TShape>.K, s = ConvSizes<TShape>.S;
        int oh = ConvSizes<TShape>.OutputHeight, ow = ConvSizes<TShape>.OutputWidth, ph = ConvSizes<TShape>.PaddedHeight, pw = ConvSizes<TShape>.PaddedWidth;
        xPad.Clear();
        int row = 0;
        for (int ci = 0; ci < c; ci++)
            for (int ky = 0; ky < k; ky++)
                for (int kx = 0; kx < k; kx++, row++)
                    for (int oy = 0; oy < oh; oy++)
                    {
                        ReadOnlySpan<float> line = columns.Slice((row * oh + oy) * ow, ow);
                        Span<float> target = xPad.Slice((ci * ph + oy * s + ky) * pw + kx);
                        if (s == 1)
                            System.Numerics.Tensors.TensorPrimitives.Add(target.Slice(0, ow), line, target.Slice(0, ow));
                        else
                            for (int ox = 0; ox < ow; ox++) target[ox * s] += line[ox];
                    }
    }

    /// <summary>⌊a / b⌋ for b &gt; 0 (C#'s division truncates toward zero).</summary>
    private static int FloorDivide(int a, int b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    private static bool IsRange(int batch, int start, int end) => 0 <= start && start <= end && end <= batch;

    private static void CheckShape<TShape>() where TShape : IConv2DShape
    {
        if (!ConvSizes<TShape>.Valid) Throw();
        static void Throw() => throw new ArgumentException($"{ConvSizes<TShape>.Describe()} is not a convolution: every size must be positive, the padding not negative, and the kernel must fit the padded input.");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Check(bool ok)
    {
        if (!ok) Throw();
        static void Throw() => throw new ArgumentException("A convolution kernel was called with buffers that do not match the layer shape, a sample or filter range outside it, or too little scratch space.");
    }
}

/// <summary>The two ways a convolution product can run (see <see cref="Conv2DKernels.ForwardMethod{TShape}"/>).</summary>
internal enum ConvMethod
{
    /// <summary>Over a padded copy of the input, each output row in vectors (stride 1).</summary>
    Direct,
    /// <summary>Over an im2col matrix of the input patches, all output positions in one row.</summary>
    Packed,
    /// <summary>Over a padded copy of the input, the filters in the vector lanes (the forward product at any stride; the input gradient at stride 1).</summary>
    FilterLanes,
}

/// <summary>
/// The convolution whose forward product is <typeparamref name="TShape"/>'s input gradient (stride 1, P ≤ K − 1): dz's F
/// channels of OH × OW padded by K − 1 − P, the C input channels as its filters, the flipped weights.
/// </summary>
internal readonly struct TransposedShape<TShape> : IConv2DShape where TShape : IConv2DShape
{
    public static int Channels => TShape.Filters;
    public static int Height => ConvSizes<TShape>.OutputHeight;
    public static int Width => ConvSizes<TShape>.OutputWidth;
    public static int Filters => TShape.Channels;
    public static int KernelSize => TShape.KernelSize;
    public static int Stride => 1;
    public static int Padding => TShape.KernelSize - 1 - TShape.Padding;
}

/// <summary>Forward, direct: the padded input's rows, shifted by (ky, kx), are the sources of the output rows.</summary>
internal readonly struct ForwardDirect<TShape> : IConvGeometry where TShape : IConv2DShape
{
    public static int Outputs => TShape.Filters;
    public static int Channels => TShape.Channels;
    public static int KernelHeight => TShape.KernelSize;
    public static int KernelWidth => TShape.KernelSize;
    public static int ChannelStride => ConvSizes<TShape>.PaddedHeight * ConvSizes<TShape>.PaddedWidth;
    public static int RowStride => ConvSizes<TShape>.PaddedWidth;
    public static int ColumnStride => 1;
    public static int Rows => ConvSizes<TShape>.OutputHeight;
    public static int Width => ConvSizes<TShape>.OutputWidth;
    public static int SourcePitch => ConvSizes<TShape>.PaddedWidth;
}

/// <summary>Forward, packed: one row of all output positions; the im2col matrix's row (c, ky, kx) is the source.</summary>
internal readonly struct ForwardPacked<TShape> : IConvGeometry where TShape : IConv2DShape
{
    public static int Outputs => TShape.Filters;
    public static int Channels => TShape.Channels;
    public static int KernelHeight => TShape.KernelSize;
    public static int KernelWidth => TShape.KernelSize;
    public static int ChannelStride => TShape.KernelSize * TShape.KernelSize * ConvSizes<TShape>.Positions;
    public static int RowStride => TShape.KernelSize * ConvSizes<TShape>.Positions;
    public static int ColumnStride => ConvSizes<TShape>.Positions;
    public static int Rows => 1;
    public static int Width => ConvSizes<TShape>.Positions;
    public static int SourcePitch => 0;
}

/// <summary>Input gradient, direct: a forward product over dz padded by K − 1 − P, with flipped filters, one output per input channel.</summary>
internal readonly struct InputDirect<TShape> : IConvGeometry where TShape : IConv2DShape
{
    private static int Q => TShape.KernelSize - 1 - TShape.Padding;
    private static int PaddedWidth => ConvSizes<TShape>.OutputWidth + 2 * Q;
    public static int Outputs => TShape.Channels;
    public static int Channels => TShape.Filters;
    public static int KernelHeight => TShape.KernelSize;
    public static int KernelWidth => TShape.KernelSize;
    public static int ChannelStride => (ConvSizes<TShape>.OutputHeight + 2 * Q) * PaddedWidth;
    public static int RowStride => PaddedWidth;
    public static int ColumnStride => 1;
    public static int Rows => TShape.Height;
    public static int Width => TShape.Width;
    public static int SourcePitch => PaddedWidth;
}

/// <summary>Input gradient, packed: the patch gradients wᵀ·dz, one output per weight (c, ky, kx) over all positions, reducing over the filters.</summary>
internal readonly struct InputPacked<TShape> : IConvGeometry where TShape : IConv2DShape
{
    public static int Outputs => ConvSizes<TShape>.Patch;
    public static int Channels => TShape.Filters;
    public static int KernelHeight => 1;
    public static int KernelWidth => 1;
    public static int ChannelStride => ConvSizes<TShape>.Positions;
    public static int RowStride => 0;
    public static int ColumnStride => 0;
    public static int Rows => 1;
    public static int Width => ConvSizes<TShape>.Positions;
    public static int SourcePitch => 0;
}
