namespace DigitsWeb.Digits;

/// <summary>
/// Turns a drawing into the network's input the way MNIST's digits were made: the ink's bounding box is scaled to fit
/// a 20×20 box keeping its aspect ratio (area-averaged, so edges get grey levels), the result is placed in a 28×28
/// field so that its centre of mass lands on pixel (14, 14), and each pixel becomes value / 255, the normalization
/// the network was trained with (<c>NetGen.Data.Mnist</c>).
/// </summary>
/// <remarks>
/// The centre of mass is taken over pixel indices, Σ v·x / Σ v, and moved by whole pixels, as in MNIST: over the 2,000
/// bundled test digits it averages 14.00 in both directions with a spread of ±0.5. When the shift would push part of the
/// box out of the field (a shape whose mass sits at one edge of its box), the box is kept inside instead.
/// Nothing is allocated.
/// </remarks>
public static class MnistPreprocessing
{
    /// <summary>The side of the network's input image.</summary>
    public const int Side = 28;

    /// <summary>The side of the box the ink is scaled into.</summary>
    public const int BoxSide = 20;

    /// <summary>The pixel the centre of mass is moved to, in both directions.</summary>
    public const int Centre = 14;

    /// <summary>The number of input values, <see cref="Side"/>².</summary>
    public const int PixelCount = Side * Side;

    /// <summary>
    /// Writes the 28×28 input for a <paramref name="width"/> × <paramref name="height"/> drawing to
    /// <paramref name="pixels"/>; returns false (and writes zeros) when there is no ink at all.
    /// </summary>
    /// <param name="ink">Row-major intensities, 0 for background up to 255 for full ink.</param>
    /// <param name="width">The drawing's width in pixels.</param>
    /// <param name="height">The drawing's height in pixels.</param>
    /// <param name="pixels">Receives <see cref="PixelCount"/> values in [0, 1].</param>
    /// <exception cref="ArgumentException">The sizes do not match.</exception>
    public static bool TryPrepare(ReadOnlySpan<byte> ink, int width, int height, Span<float> pixels)
    {
        if (width < 1 || height < 1)
            throw new ArgumentException($"The drawing must be at least 1×1 pixels, not {width}×{height}.");
        if (ink.Length != (long)width * height)
            throw new ArgumentException($"The drawing is {width}×{height} = {(long)width * height} pixels, but {ink.Length} intensities were given.", nameof(ink));
        if (pixels.Length != PixelCount)
            throw new ArgumentException($"The input takes {PixelCount} values (28×28), not {pixels.Length}.", nameof(pixels));

        pixels.Clear();
        if (!TryFindBox(ink, width, height, out int left, out int top, out int boxWidth, out int boxHeight))
            return false;

        // The longer side becomes 20 pixels, the other keeps the aspect ratio (at least one pixel).
        double scale = (double)BoxSide / Math.Max(boxWidth, boxHeight);
        int scaledWidth = Math.Clamp((int)Math.Round(boxWidth * scale), 1, BoxSide);
        int scaledHeight = Math.Clamp((int)Math.Round(boxHeight * scale), 1, BoxSide);
        Span<float> scaled = stackalloc float[BoxSide * BoxSide];
        Resample(ink, width, left, top, boxWidth, boxHeight, scaled, scaledWidth, scaledHeight);

        // Centre of mass over pixel indices, then a whole-pixel shift that puts it on (14, 14).
        double mass = 0, sumX = 0, sumY = 0;
        for (int y = 0; y < scaledHeight; y++)
            for (int x = 0; x < scaledWidth; x++)
            {
                float v = scaled[y * BoxSide + x];
                mass += v;
                sumX += v * x;
                sumY += v * y;
            }
        int offsetX = Math.Clamp((int)Math.Round(Centre - sumX / mass), 0, Side - scaledWidth);
        int offsetY = Math.Clamp((int)Math.Round(Centre - sumY / mass), 0, Side - scaledHeight);

        for (int y = 0; y < scaledHeight; y++)
            for (int x = 0; x < scaledWidth; x++)
                pixels[(y + offsetY) * Side + x + offsetX] = Math.Min(scaled[y * BoxSide + x], 255f) / 255f;
        return true;
    }

    /// <summary>The smallest rectangle holding every non-zero intensity; false when there is none.</summary>
    private static bool TryFindBox(ReadOnlySpan<byte> ink, int width, int height, out int left, out int top, out int boxWidth, out int boxHeight)
    {
        int minX = width, maxX = -1, minY = height, maxY = -1;
        for (int y = 0; y < height; y++)
        {
            ReadOnlySpan<byte> row = ink.Slice(y * width, width);
            int first = row.IndexOfAnyExcept((byte)0);
            if (first < 0) continue;
            int last = row.LastIndexOfAnyExcept((byte)0);
            minX = Math.Min(minX, first);
            maxX = Math.Max(maxX, last);
            if (minY == height) minY = y;
            maxY = y;
        }
        left = minX;
        top = minY;
        boxWidth = maxX - minX + 1;
        boxHeight = maxY - minY + 1;
        return maxY >= 0;
    }

    /// <summary>
    /// The box [left, left + boxWidth) × [top, top + boxHeight) of <paramref name="ink"/> resampled to
    /// <paramref name="targetWidth"/> × <paramref name="targetHeight"/> (rows <see cref="BoxSide"/> apart in
    /// <paramref name="target"/>): each target pixel is the mean of the source area it covers, partly covered source
    /// pixels weighted by the covered fraction.
    /// </summary>
    private static void Resample(ReadOnlySpan<byte> ink, int width, int left, int top, int boxWidth, int boxHeight,
        Span<float> target, int targetWidth, int targetHeight)
    {
        double stepX = (double)boxWidth / targetWidth, stepY = (double)boxHeight / targetHeight;
        for (int ty = 0; ty < targetHeight; ty++)
        {
            double y0 = ty * stepY, y1 = (ty + 1) * stepY;
            for (int tx = 0; tx < targetWidth; tx++)
            {
                double x0 = tx * stepX, x1 = (tx + 1) * stepX;
                double sum = 0;
                for (int sy = (int)y0; sy < y1 && sy < boxHeight; sy++)
                {
                    double wy = Math.Min(sy + 1, y1) - Math.Max(sy, y0);
                    ReadOnlySpan<byte> row = ink.Slice((top + sy) * width + left, boxWidth);
                    double rowSum = 0;
                    for (int sx = (int)x0; sx < x1 && sx < boxWidth; sx++)
                        rowSum += (Math.Min(sx + 1, x1) - Math.Max(sx, x0)) * row[sx];
                    sum += wy * rowSum;
                }
                target[ty * BoxSide + tx] = (float)(sum / (stepX * stepY));
            }
        }
    }
}
