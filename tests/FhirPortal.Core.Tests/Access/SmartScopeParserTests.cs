using FhirPortal.Core.Access;

namespace FhirPortal.Core.Tests.Access;

public sealed class SmartScopeParserTests
{
    private const Permissions C = Permissions.Create, R = Permissions.Read, U = Permissions.Update, D = Permissions.Delete, S = Permissions.Search;

    [Theory]
    [InlineData("patient/Observation.read", ScopeContext.Patient, "Observation", R | S)]
    [InlineData("user/*.write", ScopeContext.User, "*", C | U | D)]
    [InlineData("patient/*.*", ScopeContext.Patient, "*", C | R | U | D | S)]
    [InlineData("system/Patient.*", ScopeContext.System, "Patient", C | R | U | D | S)]
    public void V1_scopes_map_read_to_rs_and_write_to_cud(string scope, ScopeContext context, string type, Permissions permissions) =>
        Assert.Equal(new SmartScope(context, type, permissions), SmartScopeParser.Parse(scope));

    [Theory]
    [InlineData("patient/Observation.rs", R | S)]
    [InlineData("user/Observation.cruds", C | R | U | D | S)]
    [InlineData("system/Observation.c", C)]
    [InlineData("patient/Observation.ud", U | D)]
    [InlineData("patient/Observation.cs", C | S)]
    public void V2_scopes_take_cruds_letters_in_order(string scope, Permissions permissions) =>
        Assert.Equal(permissions, SmartScopeParser.Parse(scope)!.Permissions);

    [Fact]
    public void V2_granular_scope_keeps_its_query()
    {
        var scope = SmartScopeParser.Parse("patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory");
        Assert.Equal(new SmartScope(ScopeContext.Patient, "Observation", R | S,
            "category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory"), scope);
    }

    [Theory]
    [InlineData("openid")]
    [InlineData("fhirUser")]
    [InlineData("profile")]
    [InlineData("launch")]
    [InlineData("launch/patient")]
    [InlineData("launch/encounter")]
    [InlineData("offline_access")]
    [InlineData("online_access")]
    public void Identity_launch_and_refresh_scopes_are_not_resource_scopes(string scope) =>
        Assert.Null(SmartScopeParser.Parse(scope));

    [Theory]
    [InlineData("patient/Observation.sr")]        // letters out of order
    [InlineData("patient/Observation.rrs")]       // repeated letter
    [InlineData("patient/Observation.")]          // no permissions
    [InlineData("patient/Observation.x")]
    [InlineData("patient/Observation.readwrite")]
    [InlineData("patient/NotAType.rs")]
    [InlineData("patient/.rs")]
    [InlineData("practitioner/Observation.rs")]   // unknown context
    [InlineData("patient/Observation.read?category=x")] // granular needs v2 syntax
    [InlineData("patient/Observation.rs?")]       // empty query
    [InlineData("patient/Observation")]
    public void Malformed_scopes_are_ignored(string scope) => Assert.Null(SmartScopeParser.Parse(scope));

    [Fact]
    public void ParseAll_splits_space_separated_scopes_and_drops_the_rest()
    {
        var scopes = SmartScopeParser.ParseAll(["openid fhirUser launch/patient patient/Observation.rs", "patient/Patient.read bogus", "patient/Observation.rs"]);
        Assert.Equal(
            [new SmartScope(ScopeContext.Patient, "Observation", R | S), new SmartScope(ScopeContext.Patient, "Patient", R | S)],
            scopes);
    }

    [Theory]
    [InlineData("Observation", true)]
    [InlineData("Patient", false)]
    public void A_scope_covers_its_type_or_every_type_for_a_wildcard(string type, bool covered)
    {
        Assert.Equal(covered, SmartScopeParser.Parse("patient/Observation.rs")!.Covers(type));
        Assert.True(SmartScopeParser.Parse("patient/*.rs")!.Covers(type));
    }
}
