namespace FhirPortal.Storage;

/// <summary>
/// A write exceeds a hard limit of the store (e.g. Cosmos DB's 2 MB per document); nothing is stored and the server
/// answers 413 with the message.
/// </summary>
public sealed class StoreLimitException(string message) : Exception(message);
