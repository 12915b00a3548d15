namespace NetGen.Quantization;

/// <summary>
/// A real factor as an integer multiplier and a right shift, <c>value = Multiplier · 2^-Shift</c>, applied to an int32
/// accumulator with one rounding rule on every CPU: <c>(a · Multiplier + 2^(Shift−1)) &gt;&gt; Shift</c> in 64-bit
/// integers with an arithmetic (flooring) shift, i.e. the exact product rounded to the nearest integer, halves upward.
/// </summary>
/// <param name="Multiplier">The integer multiplier; its magnitude is below 2^31, and at least 2^30 unless the factor is
/// too small for a shift of <see cref="MaxShift"/> (then the multiplier keeps what precision is left, possibly 0).</param>
/// <param name="Shift">The right shift, 1 to <see cref="MaxShift"/>.</param>
public readonly record struct FixedPointMultiplier(int Multiplier, int Shift)
{
    /// <summary>The largest shift: with |a| &lt; 2^31 and |Multiplier| &lt; 2^31 the product and the rounding term fit in 64 bits.</summary>
    public const int MaxShift = 62;

    /// <summary>The factor this multiplier stands for.</summary>
    public double Value => Math.ScaleB(Multiplier, -Shift);

    /// <summary>
    /// The nearest representation of <paramref name="value"/> with a 31-bit multiplier (ties to even when the
    /// multiplier is rounded): the shift puts |value|·2^Shift in [2^30, 2^31). Factors of 2^30 or more saturate at
    /// <c>(±(2^31 − 1), 1)</c>; that far outside any calibrated range every nonzero accumulator clamps to a code
    /// limit anyway.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="value"/> is NaN or infinite.</exception>
    public static FixedPointMultiplier From(double value)
    {
        if (!double.IsFinite(value)) throw new ArgumentException($"A fixed-point multiplier needs a finite factor, not {value}.", nameof(value));
        if (value == 0) return new FixedPointMultiplier(0, 1);
        double magnitude = Math.Abs(value);
        int shift = 30 - Math.ILogB(magnitude);
        long multiplier;
        if (shift < 1)
        {
            shift = 1;
            multiplier = int.MaxValue;
        }
        else
        {
            shift = Math.Min(shift, MaxShift);
            multiplier = (long)Math.Round(Math.ScaleB(magnitude, shift), MidpointRounding.ToEven);
            if (multiplier > int.MaxValue)
            {
                // Rounded up to 2^31: one bit less of shift keeps it in range (2^30 exactly).
                if (shift == 1) multiplier = int.MaxValue;
                else (multiplier, shift) = (multiplier >> 1, shift - 1);
            }
        }
        return new FixedPointMultiplier(value < 0 ? -(int)multiplier : (int)multiplier, shift);
    }

    /// <summary>Whether a stored pair is one this type can hold: shift 1 to <see cref="MaxShift"/>, multiplier above int.MinValue.</summary>
    internal bool IsValid => Shift is >= 1 and <= MaxShift && Multiplier != int.MinValue;

    /// <summary><c>round(a · Multiplier · 2^-Shift)</c>, halves upward, exactly.</summary>
    public long Apply(int accumulator) => ((long)accumulator * Multiplier + (1L << (Shift - 1))) >> Shift;
}
