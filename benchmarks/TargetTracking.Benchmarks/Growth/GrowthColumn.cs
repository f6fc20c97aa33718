using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace TargetTracking.Benchmarks.Growth;

/// <summary>
/// A column of how a case's time grows with one parameter: its mean (or median) divided by that of the case with the
/// parameter's smallest value and every other parameter equal (the same database, the same bulk size), from the same run.
/// BenchmarkDotNet's own Ratio needs a baseline method, and a baseline cannot be one value of a parameter; this reads
/// the growth off the table directly, 1.00 in the reference row.
/// </summary>
/// <param name="parameter">The parameter the cost grows with.</param>
/// <param name="median">Whether to divide medians (steadier on a loaded machine) rather than means.</param>
internal sealed class GrowthColumn(string parameter, bool median) : IColumn
{
    public string Id => $"{nameof(GrowthColumn)}.{parameter}.{(median ? "Median" : "Mean")}";

    public string ColumnName => median ? "Growth (median)" : "Growth (mean)";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => median ? 1 : 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend =>
        $"{(median ? "Median" : "Mean")} of the row ÷ that of the row with the smallest {parameter} and the same other parameters";

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var reference = summary.BenchmarksCases
            .Where(c => c.Descriptor == benchmarkCase.Descriptor && c.Job.DisplayInfo == benchmarkCase.Job.DisplayInfo && SameOtherParameters(c, benchmarkCase))
            .MinBy(c => Convert.ToDouble(c.Parameters[parameter], CultureInfo.InvariantCulture));
        var value = summary[benchmarkCase]?.ResultStatistics;
        var baseline = reference is null ? null : summary[reference]?.ResultStatistics;
        if (value is null || baseline is null)
        {
            return "?";
        }

        var ratio = median ? value.Median / baseline.Median : value.Mean / baseline.Mean;
        return ratio.ToString("0.00", style.CultureInfo ?? CultureInfo.InvariantCulture);
    }

    public override string ToString() => ColumnName;

    private bool SameOtherParameters(BenchmarkCase a, BenchmarkCase b) =>
        a.Parameters.Items.Where(p => p.Name != parameter).All(p => Equals(p.Value, b.Parameters[p.Name]));
}

/// <summary>Adds the two <see cref="GrowthColumn"/>s (mean and median) of a parameter to a benchmark class.</summary>
/// <param name="parameter">The parameter the cost grows with.</param>
[AttributeUsage(AttributeTargets.Class)]
internal sealed class GrowthColumnsAttribute(string parameter)
    : ColumnConfigBaseAttribute(new GrowthColumn(parameter, median: false), new GrowthColumn(parameter, median: true));
