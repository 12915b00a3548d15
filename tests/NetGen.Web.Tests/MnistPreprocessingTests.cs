using DigitsWeb.Digits;
using NetGen.Data;

namespace NetGen.Web.Tests;

/// <summary>The app's preprocessing: a drawing becomes a 28×28 input made the way MNIST's digits were.</summary>
public class MnistPreprocessingTests
{
    [Fact]
    public void AStrokeIsScaledIntoTwentyPixelsAndCentredByMass()
    {
        // An off-centre "L" on a wide 120×70 drawing: a 10-pixel-thick vertical bar and a shorter horizontal foot.
        const int width = 120, height = 70;
        var ink = new byte[width * height];
        Fill(ink, width, left: 70, top: 5, right: 80, bottom: 65);
        Fill(ink, width, left: 70, top: 55, right: 100, bottom: 65);

        var pixels = new float[MnistPreprocessing.PixelCount];
        Assert.True(MnistPreprocessing.TryPrepare(ink, width, height, pixels));

        var (left, top, right, bottom) = Box(pixels);
        Assert.Equal(20, bottom - top + 1);                       // the longer side (60 pixels tall) becomes 20
        Assert.Equal(10, right - left + 1);                       // 30 wide keeps the aspect ratio: 10
        var (x, y) = CentreOfMass(pixels);
        Assert.InRange(x, 13.5, 14.5);
        Assert.InRange(y, 13.5, 14.5);
        Assert.All(pixels, p => Assert.InRange(p, 0f, 1f));
        Assert.Equal(1f, pixels.Max());                           // fully covered pixels keep full ink
    }

    [Fact]
    public void PartlyCoveredPixelsGetGreyLevels()
    {
        // A 30-pixel-wide bar, 60 tall: scaled by 1/3, its edges fall inside target pixels.
        const int side = 100;
        var ink = new byte[side * side];
        Fill(ink, side, left: 10, top: 20, right: 40, bottom: 80);
        Fill(ink, side, left: 41, top: 20, right: 42, bottom: 80); // one more pixel column: 32 wide, not a multiple of 3
        var pixels = new float[MnistPreprocessing.PixelCount];
        Assert.True(MnistPreprocessing.TryPrepare(ink, side, side, pixels));
        Assert.Contains(pixels, p => p > 0.05f && p < 0.95f);
    }

    [Fact]
    public void AnEmptyDrawingHasNoInput()
    {
        var pixels = Enumerable.Repeat(0.5f, MnistPreprocessing.PixelCount).ToArray();
        Assert.False(MnistPreprocessing.TryPrepare(new byte[280 * 280], 280, 280, pixels));
        Assert.All(pixels, p => Assert.Equal(0f, p));
    }

    [Fact]
    public void ASinglePixelBecomesOneCentredBox()
    {
        var ink = new byte[50 * 50];
        ink[3 * 50 + 47] = 255;
        var pixels = new float[MnistPreprocessing.PixelCount];
        Assert.True(MnistPreprocessing.TryPrepare(ink, 50, 50, pixels));
        var (left, top, right, bottom) = Box(pixels);
        Assert.Equal((4, 4, 23, 23), (left, top, right, bottom)); // 1 pixel scaled to 20×20: centre of mass 9.5, shifted by 4.5 rounded to even
    }

    [Fact]
    public void MnistDigitsDrawnTenTimesLargerComeBackAsTheyWere()
    {
        // Each test digit blown up 10× (as if drawn on the 280-pixel canvas) and prepared again: its ink box is scaled
        // back by exactly 1/10 and centred by mass as MNIST centred it, so most digits return pixel for pixel and the
        // network classifies all but a few the same.
        var images = IdxReader.ReadImages(Path.Combine(AppContext.BaseDirectory, "data", "mnist-subset", "test-images-idx3-ubyte.gz"));
        const int digits = 300, scale = 10, side = 28 * scale;
        var ink = new byte[side * side];
        var original = new float[MnistPreprocessing.PixelCount];
        var prepared = new float[MnistPreprocessing.PixelCount];
        int identical = 0, sameClass = 0;
        for (int i = 0; i < digits; i++)
        {
            ReadOnlySpan<byte> image = images.Image(i);
            for (int y = 0; y < side; y++)
                for (int x = 0; x < side; x++)
                    ink[y * side + x] = image[y / scale * 28 + x / scale];
            for (int p = 0; p < original.Length; p++) original[p] = image[p] / 255f;

            Assert.True(MnistPreprocessing.TryPrepare(ink, side, side, prepared));
            if (original.AsSpan().SequenceEqual(prepared)) identical++;
            if (MnistNet.Classify(original) == MnistNet.Classify(prepared)) sameClass++;
        }
        Assert.True(identical >= digits * 0.8, $"{identical} of {digits} digits came back pixel for pixel");
        Assert.True(sameClass >= digits * 0.98, $"{sameClass} of {digits} digits kept their class");
    }

    [Fact]
    public void MismatchedSizesAreErrorsNamingThem()
    {
        var pixels = new float[MnistPreprocessing.PixelCount];
        Assert.Contains("10×10 = 100 pixels, but 99", Assert.Throws<ArgumentException>(() => MnistPreprocessing.TryPrepare(new byte[99], 10, 10, pixels)).Message);
        Assert.Contains("not 783", Assert.Throws<ArgumentException>(() => MnistPreprocessing.TryPrepare(new byte[100], 10, 10, new float[783])).Message);
        Assert.Contains("0×10", Assert.Throws<ArgumentException>(() => MnistPreprocessing.TryPrepare([], 0, 10, pixels)).Message);
    }

    private static void Fill(byte[] ink, int width, int left, int top, int right, int bottom)
    {
        for (int y = top; y < bottom; y++)
            for (int x = left; x < right; x++)
                ink[y * width + x] = 255;
    }

    private static (int Left, int Top, int Right, int Bottom) Box(float[] pixels)
    {
        int left = 28, top = 28, right = -1, bottom = -1;
        for (int i = 0; i < pixels.Length; i++)
        {
            if (pixels[i] == 0) continue;
            int x = i % 28, y = i / 28;
            left = Math.Min(left, x); right = Math.Max(right, x);
            top = Math.Min(top, y); bottom = Math.Max(bottom, y);
        }
        return (left, top, right, bottom);
    }

    private static (double X, double Y) CentreOfMass(float[] pixels)
    {
        double mass = 0, x = 0, y = 0;
        for (int i = 0; i < pixels.Length; i++)
        {
            mass += pixels[i];
            x += pixels[i] * (i % 28);
            y += pixels[i] * (i / 28);
        }
        return (x / mass, y / mass);
    }
}
