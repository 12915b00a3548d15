namespace NetGen.Generator.Helpers;

/// <summary>
/// Metadata names of the runtime types the generator recognizes. The generator never references NetGen.dll; it
/// knows the attributes only by these names.
/// </summary>
internal static class KnownNames
{
    public const string NetworkAttribute = "NetGen.NetworkAttribute";
    public const string InputAttribute = "NetGen.InputAttribute";
    public const string DenseAttribute = "NetGen.DenseAttribute";
    public const string MaxoutAttribute = "NetGen.MaxoutAttribute";
    public const string DropoutAttribute = "NetGen.DropoutAttribute";
    public const string Conv2DAttribute = "NetGen.Conv2DAttribute";
    public const string MaxPool2DAttribute = "NetGen.MaxPool2DAttribute";
    public const string AvgPool2DAttribute = "NetGen.AvgPool2DAttribute";
    public const string BatchNormAttribute = "NetGen.BatchNormAttribute";
    public const string PerceptronAttribute = "NetGen.PerceptronAttribute";
}
