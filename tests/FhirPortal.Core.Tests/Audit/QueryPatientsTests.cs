using FhirPortal.Core.Audit;
using FhirPortal.Search;

namespace FhirPortal.Core.Tests.Audit;

/// <summary>A one-patient AuditEvent keeps the query text only if every patient the query names is that patient.</summary>
public sealed class QueryPatientsTests
{
    private static readonly SearchParameterRegistry Registry = SearchParameterRegistry.CreateDefault();

    [Theory]
    [InlineData("Patient/p1", true)]
    [InlineData("Observation?code=http://loinc.org|8480-6", true)]
    [InlineData("Observation?subject=Patient/p1&code=x", true)]
    [InlineData("Observation?patient=p1", true)]
    [InlineData("Observation?subject:Patient=p1&_count=10", true)]
    [InlineData("Observation?patient:missing=false", true)]
    [InlineData("Observation?subject=Group/g1", true)]
    [InlineData("Patient?_id=p1&_revinclude=Observation:patient", true)]
    [InlineData("Observation?subject=Patient/p1,Patient/p2", false)]
    [InlineData("Observation?subject=Patient%2Fp2", false)]
    [InlineData("Observation?subject=https://x.test/fhir/Patient/p2/_history/3", false)]
    [InlineData("Observation?patient=p1,p2", false)]
    [InlineData("Observation?subject=p2", false)]
    [InlineData("Observation?subject:Patient=p2", false)]
    [InlineData("Observation?patient:identifier=http://mrn|123", false)]
    [InlineData("Observation?subject.name=Smith", false)]
    [InlineData("Observation?subject:Patient.name=Smith", false)]
    [InlineData("Patient?_has:Observation:patient:code=x", false)]
    [InlineData("Patient?_id=p2", false)]
    [InlineData("?_type=Observation&patient=p2", false)]
    [InlineData("Patient/p1/$everything?_count=5", true)]
    public void The_query_text_is_kept_only_if_it_names_no_other_patient(string query, bool kept) =>
        Assert.Equal(kept, QueryPatients.NamesOnly(query, "p1", Registry));
}
