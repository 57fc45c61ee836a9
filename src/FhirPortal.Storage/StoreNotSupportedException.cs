namespace FhirPortal.Storage;

/// <summary>
/// The store cannot carry out this request (e.g. a search feature its query translator does not cover yet); the
/// server answers 501 with the message rather than return results that could be wrong.
/// </summary>
public sealed class StoreNotSupportedException(string message) : NotSupportedException(message);
