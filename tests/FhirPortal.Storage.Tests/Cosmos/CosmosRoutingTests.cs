using FhirPortal.Search;
using FhirPortal.Storage.Cosmos;
using static FhirPortal.Storage.Tests.Contract.TestResources;

namespace FhirPortal.Storage.Tests.Cosmos;

/// <summary>Which searches run in one partition: only those whose matches can all live in the named patient's partition.</summary>
public sealed class CosmosRoutingTests
{
    [Fact]
    public void Searches_pinned_to_one_patients_partition_name_it()
    {
        Assert.Equal("Patient/p1", CosmosRouting.PartitionKey(Query("Patient", ("_id", "p1"))));
        Assert.Equal("Patient/p1", CosmosRouting.PartitionKey(Query("Observation", ("subject", "Patient/p1"), ("code", "1111-1"))));
        Assert.Equal("Patient/p1", CosmosRouting.PartitionKey(Query("Observation", ("patient", "p1"))));
        Assert.Equal("Patient/p1", CosmosRouting.PartitionKey(Query("Encounter", ("subject", "Patient/p1"))));
        Assert.Equal("Patient/p1", CosmosRouting.PartitionKey(Query("Encounter", ("patient", "Patient/p1"), ("status", "finished"))));
        // Immunization's only compartment parameter (patient) holds one reference: every member is in the patient's partition.
        Assert.Equal("Patient/p1", CosmosRouting.PartitionKey(new SearchQuery("Immunization", [new CompartmentCondition("Patient", "p1")], 10)));
    }

    [Fact]
    public void Searches_whose_matches_may_live_in_other_partitions_go_across_partitions()
    {
        // An Observation performed by p1 for another patient is in p1's compartment but in the other patient's partition.
        Assert.Null(CosmosRouting.PartitionKey(new SearchQuery("Observation", [new CompartmentCondition("Patient", "p1")], 10)));
        // performer is not the parameter that decides the partition; a plain id may name another type; two patients, two partitions.
        Assert.Null(CosmosRouting.PartitionKey(Query("Observation", ("performer", "Patient/p1"))));
        Assert.Null(CosmosRouting.PartitionKey(Query("Observation", ("subject", "p1"))));
        Assert.Null(CosmosRouting.PartitionKey(Query("Observation", ("subject", "Patient/p1,Patient/p2"))));
        // A Patient linking to p1 lives in its own partition; two ids are two partitions; system searches span all.
        Assert.Null(CosmosRouting.PartitionKey(new SearchQuery("Patient", [new CompartmentCondition("Patient", "p1")], 10)));
        Assert.Null(CosmosRouting.PartitionKey(Query("Patient", ("_id", "p1,p2"))));
        Assert.Null(CosmosRouting.PartitionKey(new SearchQuery(null, [new CompartmentCondition("Patient", "p1")], 10)));
        // A CarePlan's patient compartment also counts its performers.
        Assert.Null(CosmosRouting.PartitionKey(new SearchQuery("CarePlan", [new CompartmentCondition("Patient", "p1")], 10)));
    }
}
