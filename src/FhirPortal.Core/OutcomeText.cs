namespace FhirPortal.Core;

/// <summary>
/// Bounds the text of an OperationOutcome issue. Messages echo rejected input (a value, a parameter, a path), and a
/// 10 MB value must not come back as a 10 MB error: a long message keeps its start and end, the middle is cut.
/// </summary>
public static class OutcomeText
{
    public const int MaxLength = 600;
    private const int TailLength = 150;

    public static string Bound(string message)
    {
        if (message.Length <= MaxLength) return message;
        var cut = message.Length - MaxLength;
        var marker = $" …[{cut} characters cut]… ";
        var head = MaxLength - TailLength - marker.Length;
        return string.Concat(message.AsSpan(0, head), marker, message.AsSpan(message.Length - TailLength));
    }
}
