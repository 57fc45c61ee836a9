namespace FhirPortal.Core.Trends;

/// <summary>
/// The statistics $stats computes, coded in R4's observation-statistics code system (count, minimum, maximum, average,
/// median, std-dev (sample, n − 1), variance, sum) plus first and last (by time) in this server's own code system.
/// Clients may also use the short names mean, min, max and stddev.
/// </summary>
public sealed record Statistic(string System, string Code, string Display)
{
    public const string Hl7System = "http://terminology.hl7.org/CodeSystem/observation-statistics";
    public const string OwnSystem = "http://fhirportal.org/fhir/CodeSystem/observation-statistics";

    private static readonly Dictionary<string, Statistic> Known = new(StringComparer.Ordinal)
    {
        ["count"] = new(Hl7System, "count", "Count"),
        ["minimum"] = new(Hl7System, "minimum", "Minimum"),
        ["maximum"] = new(Hl7System, "maximum", "Maximum"),
        ["average"] = new(Hl7System, "average", "Average"),
        ["median"] = new(Hl7System, "median", "Median"),
        ["std-dev"] = new(Hl7System, "std-dev", "Standard Deviation"),
        ["variance"] = new(Hl7System, "variance", "Variance"),
        ["sum"] = new(Hl7System, "sum", "Sum"),
        ["first"] = new(OwnSystem, "first", "First value"),
        ["last"] = new(OwnSystem, "last", "Last value"),
    };

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["mean"] = "average", ["min"] = "minimum", ["max"] = "maximum", ["stddev"] = "std-dev",
    };

    /// <summary>Every code and alias this server knows, for messages.</summary>
    public static string Names => string.Join(", ", Known.Keys.Concat(Aliases.Keys));

    public static Statistic? Find(string name) =>
        Known.GetValueOrDefault(Aliases.GetValueOrDefault(name, name));

    /// <summary>This statistic over <paramref name="values"/> (in time order), or null where it is undefined (std-dev of one value).</summary>
    public decimal? Compute(IReadOnlyList<(DateTimeOffset Time, decimal Value)> values)
    {
        if (values.Count == 0) return Code == "count" ? 0 : null;
        var numbers = values.Select(v => v.Value).ToList();
        try
        {
            return Of(numbers, values);
        }
        catch (OverflowException)
        {
            return null; // sums of squares of huge values: no statistic rather than a failed request
        }
    }

    private decimal? Of(List<decimal> numbers, IReadOnlyList<(DateTimeOffset Time, decimal Value)> values) =>
        Code switch
        {
            "count" => numbers.Count,
            "minimum" => numbers.Min(),
            "maximum" => numbers.Max(),
            "sum" => numbers.Sum(),
            "average" => Round(numbers.Average()),
            "median" => Round(Median(numbers)),
            "variance" => numbers.Count < 2 ? null : Round(Variance(numbers)),
            "std-dev" => numbers.Count < 2 ? null : Round((decimal)Math.Sqrt((double)Variance(numbers))),
            "first" => values[0].Value,
            "last" => values[^1].Value,
            _ => null,
        };

    private static decimal Median(List<decimal> numbers)
    {
        numbers.Sort();
        var middle = numbers.Count / 2;
        return numbers.Count % 2 == 1 ? numbers[middle] : (numbers[middle - 1] + numbers[middle]) / 2;
    }

    private static decimal Variance(List<decimal> numbers)
    {
        var mean = numbers.Average();
        return numbers.Sum(n => (n - mean) * (n - mean)) / (numbers.Count - 1);
    }

    /// <summary>Derived values keep six decimals; a mean of 10,000 readings has no meaning beyond that.</summary>
    private static decimal Round(decimal value) => Math.Round(value, 6, MidpointRounding.AwayFromZero);
}
