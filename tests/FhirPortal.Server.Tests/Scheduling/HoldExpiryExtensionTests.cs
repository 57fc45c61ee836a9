using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Server.Tests.Validation;

namespace FhirPortal.Server.Tests.Scheduling;

/// <summary>
/// The hold-expiry extension has a StructureDefinition in profiles/ (StructureDefinition-hold-expires.json), so the
/// server's validator holds every validated write to it (Appointments are, by the default RequireProfiles): a value that
/// is not an instant is refused with 422.
/// </summary>
public sealed class HoldExpiryExtensionTests : IDisposable
{
    private static readonly DateTimeOffset Tomorrow9 = SchedulingData.Now.AddDays(1).AddHours(1);
    // profiles/ of this checkout and the production write policy (Appointments must meet portal-appointment).
    private readonly SchedulingData _data = new(new Dictionary<string, string?>
    {
        ["FhirPortal:ProfilesDirectory"] = ValidationHosts.ProfilesDirectory,
        ["FhirPortal:Validation:RequireProfiles"] = null,
    });

    public void Dispose() => _data.Dispose();

    [Theory]
    [InlineData("valueString", "in ten minutes", HttpStatusCode.UnprocessableEntity)]
    [InlineData("valueDateTime", "2030-03-04", HttpStatusCode.UnprocessableEntity)]
    [InlineData("valueInstant", "2030-03-04T08:10:00Z", HttpStatusCode.Created)]
    public async Task The_hold_expiry_extension_must_carry_an_instant(string valueName, string value, HttpStatusCode expected)
    {
        await _data.SlotsAsync("dr1", "dr1", Tomorrow9);
        var appointment = SchedulingData.Proposal("p1", "dr1-0");
        appointment["id"] = "a1";
        appointment["status"] = "pending";
        appointment["start"] = Tomorrow9.ToString("yyyy-MM-ddTHH:mm:sszzz");
        appointment["end"] = Tomorrow9.AddMinutes(30).ToString("yyyy-MM-ddTHH:mm:sszzz");
        appointment["extension"] = new JsonArray(new JsonObject { ["url"] = "http://fhirportal.org/fhir/StructureDefinition/hold-expires", [valueName] = value });

        var response = await _data.Staff.PutAsync("Appointment/a1", Fhir.Body(appointment));

        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        if (expected == HttpStatusCode.UnprocessableEntity)
            Assert.Contains("extension", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }
}
