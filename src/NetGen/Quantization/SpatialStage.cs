using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using NetGen.Reference;

namespace NetGen.Quantization;

/// <summary>
/// One Conv2D, MaxPool2D or AvgPool2D layer of a <see cref="QuantizedNetwork"/> on one sample's codes, held
/// channels-last (row, column, channel) between spatial layers so that a patch's codes are runs of whole pixels.
/// </summary>
/// <remarks>
/// A convolution copies the patches of up to <see cref="Chunk"/> output positions into rows of codes (im2col, in the
/// order row, column, channel; a padded input is first framed by the input zero point, the real 0, so each row of a
/// patch is one run of bytes), multiplies them by the layer's
/// weights with the int8 kernels as if each position were a sample of a Dense layer (the weights are permuted once to
/// that order), and requantizes each position's sums with the layer's multipliers. The sums are the same exact
/// integers whatever the order, so every instruction-set path gives the same codes.
/// </remarks>
internal sealed unsafe class SpatialStage
{
    /// <summary>Output positions per product: their patches and sums stay in the first-level cache.</summary>
    public const int Chunk = 64;

    private readonly LayerPlan? _plan;
    private readonly int _patchStride, _sumStride;

    /// <summary>The max-pooling window fused into this convolution (see <see cref="CanFuse"/>), or 0.</summary>
    private readonly int _pool;

    /// <summary>A convolution's bytes from one padded input row to the next, and in one row of a patch (kernel size × channels).</summary>
    private readonly int _line, _run;

    /// <param name="layer">A convolution or pooling layer.</param>
    /// <param name="pool">The MaxPool2D layer right after a convolution, when <see cref="CanFuse"/> allows running them as one stage.</param>
    public SpatialStage(QuantizedLayer layer, QuantizedLayer? pool = null)
    {
        Layer = layer;
        Input = layer.InputShape;
        Output = pool?.OutputShape ?? layer.OutputShape;
        _pool = pool?.KernelSize ?? 0;
        if (layer.Kind != ReferenceLayerKind.Conv2D) return;
        _line = (Input.Width + 2 * layer.Padding) * Input.Channels;
        _run = layer.KernelSize * Input.Channels;
        int channels = Input.Channels, k = layer.KernelSize, row = layer.Inputs;
        // [filter][channel][kernel row][kernel column] → [filter][kernel row][kernel column][channel]
        var permuted = new sbyte[layer.Weights.Length];
        ReadOnlySpan<sbyte> weights = layer.Weights;
        for (int f = 0; f < layer.Units; f++)
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < k * k; i++)
                    permuted[f * row + i * channels + c] = weights[f * row + c * k * k + i];
        _plan = new LayerPlan(layer, permuted);
        _patchStride = (Math.Max(4 * _plan.Steps, row) + 15) & ~15;
        _sumStride = _plan.Blocks * Int8Kernels.BlockChannels;
    }

    public QuantizedLayer Layer { get; }
    public SampleShape Input { get; }
    public SampleShape Output { get; }

    /// <summary>The patch bytes a convolution needs in scratch, and after them the padded input (0 for pooling).</summary>
    public int PatchBytes => _plan is null ? 0
        : Chunk * _patchStride + Slack + (Layer.Padding == 0 ? 0 : (Input.Height + 2 * Layer.Padding) * (Input.Width + 2 * Layer.Padding) * Input.Channels + Slack);

    /// <summary>The sums a convolution needs in scratch (0 for pooling).</summary>
    public int SumCount => _plan is null ? 0 : Chunk * _sumStride;

    /// <summary>The bytes the output buffer needs: the codes, and room for the last position's whole blocks of channels.</summary>
    public int OutputBytes => Output.Size + Int8Kernels.BlockChannels * Math.Max(1, _plan?.Blocks ?? 1) + Slack;

    /// <summary>
    /// Whether <paramref name="pool"/> can run inside the convolution before it: a max pool over whole, non-overlapping
    /// windows that tile the convolution's output, after a linear requantization whose multipliers are all non-negative.
    /// That requantization never decreases as the sum grows, so the code of a window's largest sum is the largest of its
    /// codes: pooling the int32 sums first and requantizing one position per window gives the same codes as requantizing
    /// every position and pooling the codes, with a quarter of the requantization (2 × 2 windows) and no pass over the
    /// unpooled codes.
    /// </summary>
    public static bool CanFuse(QuantizedLayer convolution, QuantizedLayer pool)
    {
        if (convolution.Kind != ReferenceLayerKind.Conv2D || pool.Kind != ReferenceLayerKind.MaxPool2D) return false;
        int k = pool.KernelSize;
        SampleShape shape = convolution.OutputShape;
        if (pool.Stride != k || shape.Height % k != 0 || shape.Width % k != 0 || k * k * 4 > Chunk) return false;
        if (convolution.Requantization != Requantization.Linear || convolution.Pieces != 1) return false;
        for (int j = 0; j < convolution.Channels; j++)
            if (convolution.PositiveMultipliers[j].Multiplier < 0 || convolution.NegativeMultipliers[j].Multiplier < 0) return false;
        return true;
    }

    /// <summary>Runs the layer on one sample's channels-last codes.</summary>
    public void Run(byte* input, byte* output, byte* patches, int* sums)
    {
        switch (Layer.Kind)
        {
            case ReferenceLayerKind.Conv2D when _pool > 0: ConvolveAndPool(input, output, patches, sums); break;
            case ReferenceLayerKind.Conv2D: Convolve(input, output, patches, sums); break;
            case ReferenceLayerKind.MaxPool2D: MaxPool(input, output); break;
            default: AvgPool(input, output); break;
        }
    }

    private void Convolve(byte* input, byte* output, byte* patches, int* sums)
    {
        int filters = Output.Channels, columns = Output.Width, positions = Output.Height * Output.Width;
        int stride = Layer.Stride, line = _line, step = stride * Input.Channels;
        byte* source = Source(input, patches);
        for (int start = 0; start < positions; start += Chunk)
        {
            int n = Math.Min(Chunk, positions - start);
            // The patch corners advance by one stride along a row of outputs, then jump to the next row's first corner.
            int ox = start % columns;
            byte* corner = source + start / columns * stride * line + ox * step;
            byte* patch = patches;
            for (int q = 0; q < n; q++, patch += _patchStride)
            {
                CopyPatch(corner, patch);
                corner += step;
                if (++ox == columns)
                {
                    ox = 0;
                    corner += stride * line - columns * step;
                }
            }
            Multiply(patches, n, sums);
            // In order: a position's whole blocks may spill into the next position's codes, which are written after.
            _plan!.Requantize(sums, _sumStride, output + start * filters, filters, n);
        }
    }

    /// <summary>
    /// Where the patches are copied from: the input itself, or, with padding, the input copied into a frame of zero-point
    /// codes past the patch rows in <paramref name="patches"/>, so every patch row is one run of bytes.
    /// </summary>
    private byte* Source(byte* input, byte* patches)
    {
        if (Layer.Padding == 0) return input;
        byte* padded = patches + Chunk * _patchStride + Slack;
        Pad(input, padded);
        return padded;
    }

    /// <summary>One output position's patch, its kernel rows one after another, from its corner in the padded input.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CopyPatch(byte* corner, byte* patch)
    {
        int k = Layer.KernelSize, run = _run, line = _line;
        if (run <= 16)
            for (int i = 0; i < k; i++, corner += line, patch += run) Vector128.Load(corner).Store(patch);
        else
            for (int i = 0; i < k; i++, corner += line, patch += run) Copy(patch, corner, run);
    }

    /// <summary>The sums of <paramref name="n"/> patches: the int8 product with the layer's weights.</summary>
    private void Multiply(byte* patches, int n, int* sums)
    {
        LayerPlan plan = _plan!;
        if (plan.Packed is null)
        {
            fixed (sbyte* w = plan.Weights)
                Int8Kernels.MultiplyScalar(w, Layer.Units, Layer.Inputs, patches, _patchStride, n, sums, _sumStride);
        }
        else
        {
            Int8Kernels.Multiply(plan.Packed.Pointer, plan.Blocks, plan.Steps, patches, _patchStride, n, sums, _sumStride);
        }
    }

    /// <summary>
    /// The convolution with its max pool: the output positions go in blocks of whole pooling windows (the pool's rows of
    /// convolution outputs × as many windows across as fit in a <see cref="Chunk"/>), each block's patches through one
    /// product, each window's sums reduced to their maximum per channel, and those requantized into the pooled codes.
    /// </summary>
    private void ConvolveAndPool(byte* input, byte* output, byte* patches, int* sums)
    {
        int filters = Output.Channels, columns = Layer.OutputShape.Width, rows = Layer.OutputShape.Height, pool = _pool;
        int stride = Layer.Stride, line = _line, step = stride * Input.Channels;
        byte* source = Source(input, patches);
        int across = Math.Min(columns, Chunk / pool / pool * pool); // convolution columns per block: whole windows
        for (int oy = 0; oy < rows; oy += pool)
            for (int ox = 0; ox < columns; ox += across)
            {
                int width = Math.Min(across, columns - ox), n = pool * width;
                // Patch r·width + x is output position (oy + r, ox + x).
                byte* patch = patches;
                for (int r = 0; r < pool; r++)
                {
                    byte* corner = source + (oy + r) * stride * line + ox * step;
                    for (int x = 0; x < width; x++, patch += _patchStride, corner += step)
                        CopyPatch(corner, patch);
                }
                Multiply(patches, n, sums);
                // Window w's maximum into row w of the sums: the rows it reads are w·pool and later, and no later window
                // reads a row before its own, so the rows it overwrites are spent.
                int windows = width / pool;
                for (int w = 0; w < windows; w++)
                    PoolSums(sums + w * pool * _sumStride, width * _sumStride, pool, sums + w * _sumStride);
                _plan!.Requantize(sums, _sumStride, output + (oy / pool * Output.Width + ox / pool) * filters, filters, windows);
            }
    }

    /// <summary>
    /// target[c] = the largest of window[(r · <paramref name="rowStride"/>) + j · sum stride + c] over the window's
    /// <paramref name="pool"/> × <paramref name="pool"/> rows of sums, for every channel of the sum stride (whole blocks of 16).
    /// </summary>
    private void PoolSums(int* window, int rowStride, int pool, int* target)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            for (int c = 0; c < _sumStride; c += 16)
            {
                Vector512<int> best = Vector512.Load(window + c);
                for (int r = 0; r < pool; r++)
                    for (int j = 0, at = r * rowStride + c; j < pool; j++, at += _sumStride)
                        best = Vector512.Max(best, Vector512.Load(window + at));
                best.Store(target + c);
            }
            return;
        }
        for (int c = 0; c < _sumStride; c += 4)
        {
            Vector128<int> best = Vector128.Load(window + c);
            for (int r = 0; r < pool; r++)
                for (int j = 0, at = r * rowStride + c; j < pool; j++, at += _sumStride)
                    best = Vector128.Max(best, Vector128.Load(window + at));
            best.Store(target + c);
        }
    }

    /// <summary>The input inside a frame of <see cref="QuantizedLayer.Padding"/> zero-point codes (the real 0) on every side.</summary>
    private void Pad(byte* input, byte* padded)
    {
        int channels = Input.Channels, padding = Layer.Padding, row = Input.Width * channels;
        int line = (Input.Width + 2 * padding) * channels;
        Vector128<byte> fill = Vector128.Create((byte)Layer.InputZeroPoint);
        Fill(padded, fill, padding * line);
        for (int y = 0; y < Input.Height; y++)
        {
            byte* target = padded + (y + padding) * line;
            Fill(target, fill, padding * channels);
            Copy(target + padding * channels, input + y * row, row);
            Fill(target + padding * channels + row, fill, padding * channels);
        }
        Fill(padded + (Input.Height + padding) * line, fill, padding * line);
    }

    /// <summary>
    /// Copies <paramref name="count"/> bytes in whole 16-byte vectors: up to 15 bytes past the end are read (the buffers
    /// have <see cref="Slack"/>) and written, where the next copy of the patch, or the patch after it, writes again.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(byte* destination, byte* source, int count)
    {
        for (int o = 0; o < count; o += 16) Vector128.Load(source + o).Store(destination + o);
    }

    /// <summary>Writes <paramref name="count"/> bytes of <paramref name="value"/>, in whole 16-byte vectors as <see cref="Copy"/> does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Fill(byte* destination, Vector128<byte> value, int count)
    {
        for (int o = 0; o < count; o += 16) value.Store(destination + o);
    }

    /// <summary>The bytes every code and patch buffer has beyond its end, for the whole vectors of <see cref="Copy"/>.</summary>
    public const int Slack = 64;

    private void MaxPool(byte* input, byte* output)
    {
        int channels = Input.Channels, width = Input.Width, k = Layer.KernelSize, stride = Layer.Stride;
        for (int oy = 0; oy < Output.Height; oy++)
            for (int ox = 0; ox < Output.Width; ox++)
            {
                byte* o = output + (oy * Output.Width + ox) * channels;
                byte* corner = input + (oy * stride * width + ox * stride) * channels;
                int c = 0;
                for (; c + 16 <= channels; c += 16)
                {
                    Vector128<byte> best = Vector128.Load(corner + c);
                    for (int i = 0; i < k; i++)
                        for (int j = 0; j < k; j++)
                            best = Vector128.Max(best, Vector128.Load(corner + (i * width + j) * channels + c));
                    best.Store(o + c);
                }
                for (; c < channels; c++)
                {
                    byte best = 0;
                    for (int i = 0; i < k; i++)
                        for (int j = 0; j < k; j++) best = Math.Max(best, corner[(i * width + j) * channels + c]);
                    o[c] = best;
                }
            }
    }

    /// <summary>Each window's mean code, rounded to the nearest with halves upward: floor((Σ + k²/2) / k²).</summary>
    private void AvgPool(byte* input, byte* output)
    {
        int channels = Input.Channels, width = Input.Width, k = Layer.KernelSize, stride = Layer.Stride, area = k * k;
        for (int oy = 0; oy < Output.Height; oy++)
            for (int ox = 0; ox < Output.Width; ox++)
            {
                byte* o = output + (oy * Output.Width + ox) * channels;
                byte* corner = input + (oy * stride * width + ox * stride) * channels;
                for (int c = 0; c < channels; c++)
                {
                    int sum = 0;
                    for (int i = 0; i < k; i++)
                        for (int j = 0; j < k; j++) sum += corner[(i * width + j) * channels + c];
                    o[c] = (byte)((sum + area / 2) / area);
                }
            }
    }

    /// <summary>Channels-first (the float layout) to channels-last codes.</summary>
    public static void ToChannelsLast(byte* source, byte* destination, SampleShape shape)
    {
        int area = shape.Height * shape.Width, channels = shape.Channels;
        for (int c = 0; c < channels; c++)
            for (int i = 0; i < area; i++) destination[i * channels + c] = source[c * area + i];
    }

    /// <summary>Channels-last codes back to the float layout, which the weights of the Dense layer after them expect.</summary>
    public static void ToChannelsFirst(byte* source, byte* destination, SampleShape shape)
    {
        int area = shape.Height * shape.Width, channels = shape.Channels;
        for (int c = 0; c < channels; c++)
            for (int i = 0; i < area; i++) destination[c * area + i] = source[i * channels + c];
    }
}
