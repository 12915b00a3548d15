namespace NetGen;

/// <summary>
/// Marks a <c>partial class</c> as a Rosenblatt perceptron: <see cref="Outputs"/> threshold units over
/// <see cref="Inputs"/> inputs, output 1 if w·x + b &gt; 0 else 0, trained with the perceptron learning rule.
/// Cannot be combined with <see cref="NetworkAttribute"/> or layer attributes.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class PerceptronAttribute : Attribute
{
    /// <summary>The number of inputs: required, 1 to 65,536 (NETGEN020 otherwise).</summary>
    public int Inputs { get; set; }

    /// <summary>The number of threshold units: 1 (the default) to 1,024 (NETGEN020 otherwise).</summary>
    public int Outputs { get; set; } = 1;
}
