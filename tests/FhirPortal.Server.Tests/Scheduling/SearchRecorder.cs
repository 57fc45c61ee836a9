using System.Collections.Concurrent;
using System.Reflection;
using FhirPortal.Search;
using FhirPortal.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Server.Tests.Scheduling;

/// <summary>Wraps a host's store and records every search it runs, so a test can tell which store round trips a request costs.</summary>
public class SearchRecorder : DispatchProxy
{
    private IResourceStore _inner = null!;

    /// <summary>The searches so far, in the order they ran.</summary>
    public ConcurrentQueue<SearchQuery> Searches { get; } = new();

    /// <summary>Replaces the host's store with a recording wrapper of it; <paramref name="created"/> gets the recorder.</summary>
    public static Action<IServiceCollection> Install(Action<SearchRecorder> created) => services =>
    {
        var original = services.Last(d => d.ServiceType == typeof(IResourceStore));
        services.Remove(original);
        services.AddSingleton(sp =>
        {
            var store = Create<IResourceStore, SearchRecorder>();
            var recorder = (SearchRecorder)(object)store;
            recorder._inner = (IResourceStore)original.ImplementationFactory!(sp);
            created(recorder);
            return store;
        });
    };

    protected override object? Invoke(MethodInfo? method, object?[]? args)
    {
        if (method!.Name == nameof(IResourceStore.SearchAsync)) Searches.Enqueue((SearchQuery)args![0]!);
        try { return method.Invoke(_inner, args); }
        catch (TargetInvocationException e) when (e.InnerException is not null) { throw e.InnerException; }
    }
}
