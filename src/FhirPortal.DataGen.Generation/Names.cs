namespace FhirPortal.DataGen.Generation;

/// <summary>Word lists for people and places; small, so every name is plainly synthetic yet reads naturally.</summary>
public static class Names
{
    public static readonly string[] FemaleGiven = ["Ava", "Beatriz", "Chloe", "Dana", "Elena", "Fatima", "Grace", "Hana", "Ines", "Julia", "Keiko", "Lena", "Maya", "Nora", "Olivia", "Priya", "Rosa", "Sofia", "Tara", "Zoe"];
    public static readonly string[] MaleGiven = ["Adam", "Bruno", "Carlos", "David", "Emil", "Felix", "Gabriel", "Hugo", "Ivan", "Jonas", "Kenji", "Liam", "Marco", "Noah", "Omar", "Paul", "Rafael", "Samuel", "Tomas", "Yusuf"];
    public static readonly string[] Family = ["Anderson", "Becker", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Hansen", "Ito", "Jensen", "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Patel", "Quinn", "Rossi", "Schmidt", "Tanaka", "Urban", "Varga", "Weber", "Young", "Zimmer"];
    public static readonly string[] Streets = ["Maple Street", "Oak Avenue", "Harbor Road", "Elm Court", "Cedar Lane", "Main Street", "Lake Drive", "Hill Road", "Park Place", "River Walk"];
    public static readonly (string City, string State, string Zip)[] Cities = [("Springfield", "MA", "01103"), ("Worcester", "MA", "01608"), ("Lowell", "MA", "01852"), ("Cambridge", "MA", "02139"), ("Quincy", "MA", "02169")];
    public static readonly string[] Specialties = ["Family Medicine", "Internal Medicine", "Cardiology", "Endocrinology"];
    public static readonly (string Code, string Display)[] SpecialtyCodes = [("419772000", "Family practice"), ("419192003", "Internal medicine"), ("394579002", "Cardiology"), ("394583002", "Endocrinology")];
}
