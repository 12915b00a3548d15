using DigitsWeb.Digits;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Routing;
using Microsoft.JSInterop;

namespace DigitsWeb;

/// <summary>
/// The app's one page. The canvas is drawn on in JavaScript (wwwroot/js/draw.js), which sends the ink (the canvas's
/// alpha channel) here once per animation frame while the drawing changes; it is turned into the network's input by
/// <see cref="MnistPreprocessing"/> and classified. <c>?test=N</c> shows test digit N instead and classifies its pixels
/// as they are in the test set.
/// </summary>
public partial class DigitsPage : ComponentBase
{
    /// <summary>The canvas's size in pixels (its CSS size may differ).</summary>
    public const int CanvasSide = 280;

    [Inject] private IJSRuntime JS { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private HttpClient Http { get; set; } = default!;

    private static IDigitClassifier Classifier => DigitClassifiers.Default;

    private readonly float[] _pixels = new float[MnistPreprocessing.PixelCount];
    private readonly float[] _probabilities = new float[10];
    private ElementReference _canvas;
    private IJSObjectReference? _module;
    private DotNetObjectReference<DigitsPage>? _self;
    private TestDigits? _tests;
    private bool _hasPrediction;
    private int _predicted;
    private double _microseconds;
    private int _runs;
    private int _testIndex = -1;
    private string _message = "";

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender) return;
        _module = await JS.InvokeAsync<IJSObjectReference>("import", "./js/draw.js");
        _self = DotNetObjectReference.Create(this);
        await _module.InvokeVoidAsync("attach", _canvas, _self);
        Navigation.LocationChanged += OnLocationChanged;
        await ShowTestFromAddressSafelyAsync();
    }

    /// <summary>Called by draw.js with the canvas's alpha channel, row-major, <see cref="CanvasSide"/>² bytes.</summary>
    [JSInvokable]
    public void InkChanged(byte[] ink)
    {
        _testIndex = -1;
        _message = "";
        if (MnistPreprocessing.TryPrepare(ink, CanvasSide, CanvasSide, _pixels))
            Classify();
        else
            _hasPrediction = false; // an empty canvas: no prediction
        StateHasChanged();
    }

    private void Classify()
    {
        _microseconds = InferenceTiming.Run(Classifier, _pixels, _probabilities, out _runs);
        _predicted = IndexOfMax(_probabilities);
        _hasPrediction = true;
    }

    private async Task ClearAsync()
    {
        if (_module is not null) await _module.InvokeVoidAsync("clear", _canvas);
        _hasPrediction = false;
        _message = "";
        if (_testIndex >= 0) Navigation.NavigateTo(Navigation.GetUriWithQueryParameter("test", (string?)null));
        _testIndex = -1;
    }

    private void ShowTest(int index) => Navigation.NavigateTo(Navigation.GetUriWithQueryParameter("test", index));

    private async void OnLocationChanged(object? sender, LocationChangedEventArgs e) => await ShowTestFromAddressSafelyAsync();

    /// <summary>The test digits come over the network: a failure to fetch or read them becomes the page's message.</summary>
    private async Task ShowTestFromAddressSafelyAsync()
    {
        try
        {
            await ShowTestFromAddressAsync();
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidDataException or JSException or TaskCanceledException)
        {
            _message = "Could not show the test digit: " + ex.Message;
            _testIndex = -1;
            _hasPrediction = false;
        }
        StateHasChanged();
    }

    /// <summary>Shows and classifies the test digit <c>?test=N</c> names, or says what is wrong with the parameter.</summary>
    private async Task ShowTestFromAddressAsync()
    {
        string? value = TestSelection.FromUri(Navigation.Uri);
        if (value is null) return;
        _tests ??= await TestDigits.LoadAsync(Http);
        if (!TestSelection.TryParse(value, _tests.Count, out int index, out string message))
        {
            _message = message;
            _testIndex = -1;
            _hasPrediction = false;
            return;
        }

        ReadOnlySpan<byte> image = _tests.Image(index);
        for (int i = 0; i < _pixels.Length; i++) _pixels[i] = image[i] / 255f; // the training normalization
        await _module!.InvokeVoidAsync("showDigit", _canvas, image.ToArray());
        _message = "";
        _testIndex = index;
        Classify();
    }

    private static int IndexOfMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }

    private static string FormatTime(double microseconds) =>
        microseconds < 1000 ? $"{microseconds:F0} µs" : $"{microseconds / 1000:F2} ms";

    public async ValueTask DisposeAsync()
    {
        Navigation.LocationChanged -= OnLocationChanged;
        if (_module is not null)
        {
            try { await _module.DisposeAsync(); }
            catch (JSDisconnectedException) { }
        }
        _self?.Dispose();
    }
}
