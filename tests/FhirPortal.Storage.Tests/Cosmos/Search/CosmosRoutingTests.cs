using FhirPortal.Search;
using FhirPortal.Storage.Cosmos;
using static FhirPortal.Storage.Tests.Contract.TestResources;

namespace FhirPortal.Storage.Tests.Cosmos;

/// <summary>Which searches run in one partition: those the query confines to one patient's compartment.</summary>
public sealed class CosmosRoutingTests
{
    [Fact]
    public void Searches_confined_to_one_patients_compartment_name_its_partition()
    {
        Assert.Equal("Patient/p1", CosmosRouting.PartitionKey(Query("Patient", ("_id", "p1"))));
        Assert.Equal("Patient/p1", CosmosRouting.PartitionKey(Query("Observation", ("subject", "Patient/p1"), ("code", "1111-1"))));
        Assert.Equal("Patient/p1", CosmosRouting.PartitionKey(Query("Observation", ("patient", "p1"))));
        Assert.Equal("Patient/p1", CosmosRouting.PartitionKey(Query("Encounter", ("patient", "Patient/p1"), ("status", "finished"))));
        // Members homed with another patient (performer p1, subject p2) have a replica in p1's partition.
        Assert.Equal("Patient/p1", CosmosRouting.PartitionKey(Query("Observation", ("performer", "Patient/p1"))));
        Assert.Equal("Patient/p1", CosmosRouting.PartitionKey(new SearchQuery("Observation", [new CompartmentCondition("Patient", "p1")], 10)));
        Assert.Equal("Patient/p1", CosmosRouting.PartitionKey(new SearchQuery("Patient", [new CompartmentCondition("Patient", "p1")], 10)));
        Assert.Equal("Patient/p1", CosmosRouting.PartitionKey(new SearchQuery(null, [new CompartmentCondition("Patient", "p1")], 10)));
        Assert.Equal("Patient/p1", CosmosRouting.PartitionKey(new SearchQuery(null, [new AnyCompartmentCondition("Patient", ["p1"])], 10)));
    }

    [Fact]
    public void Searches_whose_matches_may_be_outside_one_patients_compartment_go_across_partitions()
    {
        // A plain id may name a Group; two patients are two partitions; a Practitioner's compartment is not partitioned.
        Assert.Null(CosmosRouting.PartitionKey(Query("Observation", ("subject", "p1"))));
        Assert.Null(CosmosRouting.PartitionKey(Query("Observation", ("subject", "Patient/p1,Patient/p2"))));
        Assert.Null(CosmosRouting.PartitionKey(Query("Patient", ("_id", "p1,p2"))));
        Assert.Null(CosmosRouting.PartitionKey(new SearchQuery(null, [new AnyCompartmentCondition("Patient", ["p1", "p2"])], 10)));
        Assert.Null(CosmosRouting.PartitionKey(new SearchQuery("Encounter", [new CompartmentCondition("Practitioner", "d1")], 10)));
        // Not a compartment parameter: an Observation's focus may be a patient without putting it in that compartment.
        Assert.Null(CosmosRouting.PartitionKey(Query("Observation", ("focus", "Patient/p1"))));
    }
}
