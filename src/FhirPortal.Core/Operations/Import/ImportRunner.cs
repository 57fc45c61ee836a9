using FhirPortal.Core.Jobs;
using FhirPortal.Core.Serialization;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Operations.Import;

/// <summary>
/// Runs one import job from its saved state: input after input, line by line, a batch at a time through
/// <see cref="ImportWriter"/>. Rejected lines go to the job's error file as one OperationOutcome each (input URL and
/// line number in the diagnostics). After every batch the error file is flushed and the state saved (input, line,
/// byte offset; the save renews the job's lease), so a restart or another instance taking over continues after the last
/// committed batch; the kept ids make a repeated batch harmless. A batch is written only while the lease holds.
/// </summary>
internal sealed class ImportRunner(ImportWriter writer, ImportSources sources, ImportOptions options, TimeProvider clock)
{
    public async Task<ImportJobState> RunAsync(LeasedJob<ImportJobState> job, string directory, CancellationToken ct)
    {
        var state = job.State;
        job.EnsureHeld();
        Directory.CreateDirectory(directory);
        await using var errors = new FileStream(Path.Combine(directory, ImportJobs.ErrorFileName), FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, 1 << 16);
        // Lines written after the last checkpoint are written again by the batch that repeats.
        errors.SetLength(state.ErrorBytes);
        errors.Seek(0, SeekOrigin.End);
        while (state.InputIndex < state.Inputs.Count)
        {
            state = await RunInputAsync(job, state, errors, ct);
            state = state with { InputIndex = state.InputIndex + 1, Line = 0, Offset = 0, Source = null };
            await job.SaveAsync(state);
        }
        return state with { Status = ImportJobState.Completed, Finished = clock.GetUtcNow() };
    }

    private async Task<ImportJobState> RunInputAsync(LeasedJob<ImportJobState> job, ImportJobState state, FileStream errors, CancellationToken ct)
    {
        var input = state.Inputs[state.InputIndex];
        Stream stream;
        try
        {
            SourceVersion? version;
            (stream, version) = await sources.OpenAsync(input.Url, state.Offset, state.Source, ct);
            // Saved with the next checkpoint: a restart or takeover resumes only if the source still holds this content.
            state = state with { Source = version };
        }
        catch (Exception e) when (e is UnauthorizedAccessException || ReadFailed(e, ct))
        {
            await WriteErrorAsync(errors, Unreadable(input, e.Message), ct);
            return await CheckpointAsync(job, state with { Rejected = Add(state.Rejected, state.InputIndex, 1) }, errors, state.Line, state.Offset);
        }
        await using (stream)
        {
            var lines = new NdjsonLines(stream, state.Line + 1, state.Offset, options.MaxLineBytes);
            Exception? broken = null;
            ParsedBatch? pending = null;
            Task<ParsedBatch>? parsing = null;
            // Cancelled when a write fails, so the parse of the next batch stops with it instead of running on unobserved.
            using var parse = CancellationTokenSource.CreateLinkedTokenSource(ct);
            try
            {
                while (true)
                {
                    var batch = new List<NdjsonLine>(options.BatchSize);
                    try
                    {
                        while (broken is null && batch.Count < options.BatchSize && await lines.NextAsync(ct) is { } line) batch.Add(line);
                    }
                    catch (Exception e) when (ReadFailed(e, ct))
                    {
                        // The lines read before the connection broke off (after the retries) are still written.
                        broken = e;
                    }
                    // This batch is parsed and validated while the one before it commits, so both cores are busy.
                    var validate = state.Validate;
                    parsing = batch.Count > 0 ? Task.Run(() => writer.Parse(batch, input.Type, validate, parse.Token), parse.Token) : null;
                    if (pending is not null) state = await WriteAsync(job, state, pending, errors, input.Url, ct);
                    if (parsing is null) break;
                    pending = await parsing;
                    parsing = null;
                }
            }
            finally
            {
                if (parsing is not null)
                {
                    await parse.CancelAsync();
                    // The write's failure is what the job reports; the abandoned parse only has to have stopped.
                    try { await parsing; }
                    catch (Exception) when (parse.IsCancellationRequested) { }
                }
            }
            if (broken is null) return state;
            // A connection that breaks off for good ends this input where it broke; what was lost is reported, the job goes on.
            await WriteErrorAsync(errors, Unreadable(input, $"reading stopped after line {state.Line}; the lines after it were not imported: {broken.Message}"), ct);
            return await CheckpointAsync(job, state with { Rejected = Add(state.Rejected, state.InputIndex, 1) }, errors, state.Line, state.Offset);
        }
    }

    /// <summary>Commits a parsed batch, writes its rejected lines to the error file and saves the checkpoint after it.</summary>
    private async Task<ImportJobState> WriteAsync(LeasedJob<ImportJobState> job, ImportJobState state, ParsedBatch batch, FileStream errors, string url, CancellationToken ct)
    {
        job.EnsureHeld();
        var result = await writer.WriteAsync(batch, ct);
        foreach (var (number, error) in result.Rejected) await WriteErrorAsync(errors, AtLine(error.Outcome, url, number), ct);
        state = state with
        {
            Imported = Add(state.Imported, state.InputIndex, result.Imported),
            Rejected = Add(state.Rejected, state.InputIndex, result.Rejected.Count),
        };
        // Saved even when the job is being stopped: the batch is committed, the checkpoint must say so.
        state = await CheckpointAsync(job, state, errors, batch.Lines[^1].Number, batch.Lines[^1].EndOffset);
        ct.ThrowIfCancellationRequested();
        return state;
    }

    private static bool ReadFailed(Exception e, CancellationToken ct) =>
        e is IOException or HttpRequestException or InvalidDataException || (e is OperationCanceledException && !ct.IsCancellationRequested);

    private static async Task<ImportJobState> CheckpointAsync(LeasedJob<ImportJobState> job, ImportJobState state, FileStream errors, long line, long offset)
    {
        await errors.FlushAsync(CancellationToken.None);
        errors.Flush(flushToDisk: true);
        state = state with { Line = line, Offset = offset, ErrorBytes = errors.Length };
        await job.SaveAsync(state);
        return state;
    }

    private static OperationOutcome Unreadable(ImportInput input, string reason) =>
        Outcomes.Error(OperationOutcome.IssueType.Exception, $"{input.Url}: the input could not be read: {reason}");

    /// <summary>The line's outcome, each issue's diagnostics naming the input and line it is about.</summary>
    private static OperationOutcome AtLine(OperationOutcome outcome, string url, long line)
    {
        var located = (OperationOutcome)outcome.DeepCopy();
        foreach (var issue in located.Issue)
            issue.Diagnostics = $"{url} line {line}: {issue.Diagnostics ?? issue.Details?.Text ?? issue.Code?.ToString()}";
        return located;
    }

    private static async System.Threading.Tasks.Task WriteErrorAsync(FileStream errors, OperationOutcome outcome, CancellationToken ct)
    {
        await errors.WriteAsync(FhirSerializer.ToJsonBytes(outcome, pretty: false, filter: null), ct);
        errors.WriteByte((byte)'\n');
    }

    private static long[] Add(IReadOnlyList<long> counts, int index, long added)
    {
        var copy = counts.ToArray();
        copy[index] += added;
        return copy;
    }
}
