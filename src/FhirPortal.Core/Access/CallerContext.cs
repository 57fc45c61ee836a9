namespace FhirPortal.Core.Access;

/// <summary>
/// The caller of the work in progress, flowing with async calls like <c>IHttpContextAccessor</c>: the host sets it
/// once per request (or a background job from the caller it stored), and every interaction asks <see cref="Current"/>.
/// Without one, <see cref="Current"/> is <see cref="Caller.Nobody"/>, who may do nothing: access fails closed.
/// </summary>
public sealed class CallerContext(AccessPolicy policy)
{
    private readonly AsyncLocal<CallerAccess?> _current = new();
    private readonly CallerAccess _nobody = policy.For(Caller.Nobody);

    public AccessPolicy Policy => policy;

    public CallerAccess Current => _current.Value ?? _nobody;

    /// <summary>Makes <paramref name="caller"/> current until the returned scope is disposed.</summary>
    public IDisposable Use(Caller caller)
    {
        var previous = _current.Value;
        _current.Value = policy.For(caller);
        return new Restore(() => _current.Value = previous);
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}
