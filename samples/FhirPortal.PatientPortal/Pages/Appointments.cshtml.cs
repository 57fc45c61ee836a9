using FhirPortal.PatientPortal.Fhir;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FhirPortal.PatientPortal.Pages;

/// <summary>Appointments: upcoming and past visits, cancel, change the time, and find a free time ($find) to book ($book).</summary>
public sealed class AppointmentsModel(PatientRecord record, Scheduling scheduling, TimeProvider clock) : PageModel
{
    public List<Appointment> Upcoming { get; private set; } = [];
    public List<Appointment> Past { get; private set; } = [];
    public List<Appointment>? FreeTimes { get; private set; }
    public Dictionary<string, string> Practitioners { get; private set; } = [];
    public Dictionary<string, string> Locations { get; private set; } = [];

    [BindProperty(SupportsGet = true)] public string? Practitioner { get; set; }
    [BindProperty(SupportsGet = true)] public string? Location { get; set; }
    [BindProperty(SupportsGet = true)] public string? VisitType { get; set; }
    [BindProperty(SupportsGet = true)] public DateOnly? From { get; set; }
    [BindProperty(SupportsGet = true)] public bool Find { get; set; }
    /// <summary>The booked appointment being moved ("Change time"), or null when booking a new one.</summary>
    [BindProperty(SupportsGet = true)] public string? Reschedule { get; set; }

    [TempData] public string? Message { get; set; }
    public string? Error { get; private set; }

    public DateOnly Today => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    public async System.Threading.Tasks.Task OnGetAsync()
    {
        await LoadAsync();
        if (!Find) return;
        try
        {
            FreeTimes = await scheduling.FindAsync(Criteria);
        }
        catch (FhirOperationException e)
        {
            Error = Problem(e);
        }
    }

    public FindCriteria Criteria => new(Practitioner, Location, VisitType, From ?? Today.AddDays(1));

    /// <summary>Books a free time; the find criteria come back as hidden fields so the same $find proposal is booked.</summary>
    public async Task<IActionResult> OnPostBookAsync(string slot)
    {
        try
        {
            var booked = await scheduling.BookAsync(Criteria, slot);
            Message = $"Booked: {Display.When(booked.Start)}.";
            return RedirectToPage();
        }
        catch (Exception e) when (e is FhirOperationException or SlotUnavailableException)
        {
            Error = e is FhirOperationException f ? Problem(f) : e.Message;
            await LoadAsync();
            return Page();
        }
    }

    /// <summary>Moves the booked appointment <see cref="Reschedule"/> to a free time of the same $find.</summary>
    public async Task<IActionResult> OnPostRescheduleAsync(string slot)
    {
        if (string.IsNullOrEmpty(Reschedule)) return BadRequest();
        try
        {
            var moved = await scheduling.RescheduleAsync(Reschedule, Criteria, slot);
            Message = $"Moved to {Display.When(moved.Start)}.";
            return RedirectToPage(new { reschedule = (string?)null });
        }
        catch (Exception e) when (e is FhirOperationException or SlotUnavailableException)
        {
            Error = e is FhirOperationException f ? Problem(f) : e.Message;
            await LoadAsync();
            return Page();
        }
    }

    /// <summary>The appointment being moved, when it is among the upcoming ones.</summary>
    public Appointment? Moving => Reschedule is null ? null : Upcoming.FirstOrDefault(a => a.Id == Reschedule);

    /// <summary>The first practitioner of an appointment, so "Change time" looks for times with the same provider.</summary>
    public static string? PractitionerOf(Appointment appointment) => appointment.Participant
        .Select(p => p.Actor?.Reference).FirstOrDefault(r => r?.StartsWith("Practitioner/", StringComparison.Ordinal) == true);

    public async Task<IActionResult> OnPostCancelAsync(string appointment)
    {
        try
        {
            var cancelled = await scheduling.CancelAsync(appointment);
            Message = $"Cancelled: {Display.When(cancelled.Start)}.";
            return RedirectToPage();
        }
        catch (FhirOperationException e)
        {
            Error = Problem(e);
            await LoadAsync();
            return Page();
        }
    }

    private async System.Threading.Tasks.Task LoadAsync()
    {
        var now = clock.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ssZ");
        Upcoming = await record.SearchAsync<Appointment>($"patient={record.PatientId}", $"date=ge{now}", "_sort=date", "_count=20");
        Past = await record.SearchAsync<Appointment>($"patient={record.PatientId}", $"date=lt{now}", "_sort=-date", "_count=10");
        (Practitioners, Locations) = await scheduling.DirectoryAsync();
    }

    /// <summary>The server's own explanation (its OperationOutcome), e.g. "The time was taken" or the cancellation window.</summary>
    private static string Problem(FhirOperationException e) =>
        e.Outcome?.Issue.Select(i => i.Diagnostics ?? i.Details?.Text).FirstOrDefault(t => !string.IsNullOrEmpty(t))
        ?? $"The server refused the request ({(int)e.Status}).";

    public string Who(Appointment appointment) => string.Join(", ", appointment.Participant
        .Select(p => p.Actor)
        .Where(a => a?.Reference is { } r && (r.StartsWith("Practitioner/", StringComparison.Ordinal) || r.StartsWith("Location/", StringComparison.Ordinal)))
        .Select(a => Display.Actor(a, a!.Reference!.StartsWith("Practitioner/", StringComparison.Ordinal) ? Practitioners : Locations)));
}
