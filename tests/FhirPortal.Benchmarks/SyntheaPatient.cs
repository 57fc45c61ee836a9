using System.Text.Json.Nodes;

namespace FhirPortal.Benchmarks;

/// <summary>One loaded Synthea patient: its server id, family name, Observation ids and most frequent Observation code.</summary>
internal sealed record SyntheaPatient(string Id, string Family, string? TopCode, List<string> ObservationIds, int Resources)
{
    /// <summary>From the transaction's request entries and the server's response (locations carry the assigned ids).</summary>
    public static SyntheaPatient From(JsonArray requestEntries, JsonNode response)
    {
        var responses = response["entry"]!.AsArray();
        string? patientId = null, family = null;
        var observationIds = new List<string>();
        var codes = new Dictionary<string, int>();
        for (var i = 0; i < requestEntries.Count; i++)
        {
            var resource = requestEntries[i]!["resource"]!;
            var location = responses[i]!["response"]!["location"]!.GetValue<string>(); // Type/id/_history/v
            var id = location.Split('/')[1];
            switch (resource["resourceType"]!.GetValue<string>())
            {
                case "Patient":
                    patientId = id;
                    family = resource["name"]![0]!["family"]!.GetValue<string>();
                    break;
                case "Observation":
                    observationIds.Add(id);
                    var code = resource["code"]?["coding"]?[0]?["code"]?.GetValue<string>();
                    if (code is not null) codes[code] = codes.GetValueOrDefault(code) + 1;
                    break;
            }
        }
        var top = codes.Count == 0 ? null : codes.MaxBy(c => c.Value).Key;
        return new SyntheaPatient(patientId!, family!, top, observationIds, requestEntries.Count);
    }
}
