using System.Globalization;
using System.Text;

namespace FhirPortal.Benchmarks;

/// <summary>A titled Markdown table; rows are printed to the console as they are added.</summary>
internal sealed class Table(string title, string intro, params string[] columns)
{
    /// <summary>Whether rows are printed as they are added (the targets table is printed once, at the end).</summary>
    public bool Echo { get; init; } = true;

    public string Title => title;

    public List<string[]> Rows { get; } = [];

    public void Add(params string[] cells)
    {
        if (!Echo)
        {
            Rows.Add(cells);
            return;
        }
        if (Rows.Count == 0)
        {
            Console.WriteLine();
            Console.WriteLine($"== {title}");
            Console.WriteLine(Line(columns));
        }
        Rows.Add(cells);
        Console.WriteLine(Line(cells));
    }

    public string Markdown()
    {
        var md = new StringBuilder();
        md.AppendLine($"## {title}").AppendLine();
        if (intro.Length > 0) md.AppendLine(intro).AppendLine();
        md.AppendLine(Line(columns));
        md.AppendLine("| --- |" + string.Concat(Enumerable.Repeat(" ---: |", columns.Length - 1)));
        foreach (var row in Rows) md.AppendLine(Line(row));
        return md.ToString();
    }

    private static string Line(IEnumerable<string> cells) => "| " + string.Join(" | ", cells) + " |";
}

/// <summary>Number formats for the tables (invariant culture; a dash where there is no figure).</summary>
internal static class Fmt
{
    public static string N0(double value) => double.IsNaN(value) || double.IsInfinity(value) ? "–" : value.ToString("N0", CultureInfo.InvariantCulture);

    public static string F(double value, int digits = 1) =>
        double.IsNaN(value) || double.IsInfinity(value) ? "–" : value.ToString("N" + digits, CultureInfo.InvariantCulture);

    /// <summary>Server CPU milliseconds per item, with enough digits for sub-millisecond requests.</summary>
    public static string Cpu(double ms) => F(ms, ms < 1 ? 3 : ms < 10 ? 2 : 1);

    public static string Percent(double fraction) => double.IsNaN(fraction) || double.IsInfinity(fraction) ? "–" : (fraction * 100).ToString("0", CultureInfo.InvariantCulture) + "%";

    /// <summary>"3 (8%)": runs and the (max - min) / median spread, flagged "noisy" above <see cref="Figure.NoisySpread"/>.</summary>
    public static string Runs(Figure figure) =>
        figure.Runs == 1 ? "1" : $"{figure.Runs} ({Percent(figure.Spread)}{(figure.Noisy ? ", **noisy**" : "")})";

    /// <summary>A figure over its reference, e.g. "0.42 of 5,000".</summary>
    public static string Ratio(double value, double reference) =>
        double.IsNaN(reference) || reference <= 0 ? "–" : $"{F(value / reference, 2)} of {N0(reference)}";

    public static string Verdict(bool meets, string target) => $"{(meets ? "meets" : "**misses**")} ({target})";
}

/// <summary>The issue's targets, each with the figure it was judged on.</summary>
internal sealed class Targets
{
    public Table Table { get; } = new("Targets", "Each target of issue 9 on this machine, judged on the median figures above.", "target", "measured", "verdict") { Echo = false };

    public void Judge(string target, string measured, bool meets, bool noisy = false) =>
        Table.Add(target, measured + (noisy ? " (noisy)" : ""), meets ? "meets" : "**misses**");
}
