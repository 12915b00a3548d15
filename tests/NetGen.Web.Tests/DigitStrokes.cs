namespace NetGen.Web.Tests;

/// <summary>Digits as pen strokes on the 280×280 canvas: polylines the browser test draws with the mouse.</summary>
public static class DigitStrokes
{
    /// <summary>The strokes of each digit the test draws, by digit.</summary>
    public static IReadOnlyDictionary<int, (double X, double Y)[][]> All { get; } = new Dictionary<int, (double X, double Y)[][]>
    {
        [0] = [Arc(140, 140, 62, 95, 0, 360)],
        [1] = [[(120, 75), (150, 40), (150, 240)]],
        [4] = [[(165, 40), (75, 170), (215, 170)], [(175, 100), (175, 245)]],
        [7] = [[(75, 50), (205, 50), (125, 245)]],
        [3] = [[.. Arc(135, 90, 55, 48, -160, 90), .. Arc(135, 188, 62, 52, -90, 160)]], // last: the screenshot shows it
    };

    /// <summary>Points on an ellipse from <paramref name="from"/> to <paramref name="to"/> degrees, clockwise on screen from 3 o'clock.</summary>
    private static (double X, double Y)[] Arc(double cx, double cy, double rx, double ry, double from, double to)
    {
        int steps = (int)Math.Ceiling(Math.Abs(to - from) / 10);
        var points = new (double, double)[steps + 1];
        for (int i = 0; i <= steps; i++)
        {
            double angle = (from + (to - from) * i / steps) * Math.PI / 180;
            points[i] = (cx + rx * Math.Cos(angle), cy + ry * Math.Sin(angle));
        }
        return points;
    }
}
