namespace NetGen;

/// <summary>
/// Marks a <c>partial class</c> as a NetGen network. The layers are the <see cref="InputAttribute"/>,
/// <see cref="DenseAttribute"/>, <see cref="MaxoutAttribute"/> and <see cref="DropoutAttribute"/> attributes on
/// the same declaration, taken in source order. The NetGen source generator emits the forward and backward
/// passes, specialized for the declared sizes, and implements <see cref="INetwork"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NetworkAttribute : Attribute
{
    /// <summary>The loss the network is trained on. Defaults to <see cref="LossFunction.MeanSquaredError"/>.</summary>
    public LossFunction Loss { get; set; } = LossFunction.MeanSquaredError;
}
