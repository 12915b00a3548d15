namespace DigitsWeb.Digits;

/// <summary>
/// A network the page can run on the 28×28 input: the MLP today; another baked network (a CNN, an int8 variant) is one
/// more implementation added to <see cref="DigitClassifiers.All"/>.
/// </summary>
public interface IDigitClassifier
{
    /// <summary>A short name for the page ("MLP").</summary>
    string Name { get; }

    /// <summary>The generated network's architecture string.</summary>
    string Architecture { get; }

    /// <summary>The number of parameters compiled in.</summary>
    int ParameterCount { get; }

    /// <summary>Writes the ten class probabilities for <see cref="MnistPreprocessing.PixelCount"/> pixels in [0, 1]; allocates nothing.</summary>
    void Infer(ReadOnlySpan<float> pixels, Span<float> probabilities);
}

/// <summary>The networks compiled into the app; the first is the one the page uses.</summary>
public static class DigitClassifiers
{
    /// <summary>Every classifier, best first.</summary>
    public static IReadOnlyList<IDigitClassifier> All { get; } = [new MlpClassifier()];

    /// <summary>The classifier the page uses.</summary>
    public static IDigitClassifier Default => All[0];
}
