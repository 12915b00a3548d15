using ScottPlot;

namespace NetGen.Samples.Fitting;

/// <summary>The lab's colours: one hue per spiral class, one per curve kind, shared by every picture.</summary>
internal static class Palette
{
    public static readonly Color Class0 = Color.FromHex("#1f4e9c");
    public static readonly Color Class1 = Color.FromHex("#b2182b");
    public static readonly Color Train = Color.FromHex("#2b8cbe");
    public static readonly Color Test = Color.FromHex("#e6550d");
    public static readonly Color Floor = Color.FromHex("#636363");

    /// <summary>The decision maps: pale blue where the network says class 0, white on the boundary, pale red for class 1.</summary>
    public static readonly IColormap Map = new ScottPlot.Colormaps.CustomInterpolated(
        [Color.FromHex("#9ecae1"), Color.FromHex("#ffffff"), Color.FromHex("#fcae91")]);

    /// <summary>Four distinct line colours for the learning-rate runs.</summary>
    public static readonly Color[] Runs = [Color.FromHex("#7570b3"), Color.FromHex("#1b9e77"), Color.FromHex("#d95f02"), Color.FromHex("#e7298a")];
}
