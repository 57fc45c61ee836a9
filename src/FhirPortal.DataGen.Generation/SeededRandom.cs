namespace FhirPortal.DataGen.Generation;

/// <summary>
/// A reproducible random stream. Each patient gets its own stream derived from (seed, index), so any patient can be
/// generated alone, in any order, and the output does not depend on how many patients come before it.
/// </summary>
public sealed class SeededRandom
{
    private readonly Random _random;

    // System.Random with an explicit seed keeps its legacy algorithm across .NET versions, so output stays stable.
    private SeededRandom(int seed) => _random = new Random(seed);

    /// <summary>The stream for one (seed, stream) pair; SplitMix64 spreads neighbouring inputs over the whole seed range.</summary>
    public static SeededRandom For(long seed, long stream)
    {
        var z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)stream + 0x632BE59BD9B4E019UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return new SeededRandom((int)(z & 0x7FFFFFFF));
    }

    public int Next(int maxExclusive) => _random.Next(maxExclusive);

    public int Between(int min, int maxInclusive) => _random.Next(min, maxInclusive + 1);

    public bool Chance(double probability) => _random.NextDouble() < probability;

    /// <summary>A normally distributed value (Box–Muller), for lab values and vitals that cluster around a mean.</summary>
    public double Normal(double mean, double sd)
    {
        var u1 = 1.0 - _random.NextDouble();
        var u2 = _random.NextDouble();
        return mean + sd * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    public T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    /// <summary>A version-4 UUID drawn from this stream (deterministic, unlike <see cref="Guid.NewGuid"/>).</summary>
    public string Uuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        _random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes).ToString();
    }
}
