using System.Reflection;
using FhirPortal.Storage;

namespace FhirPortal.Server.Tests.Sharing;

/// <summary>
/// A store wrapper that runs a hook before and after each asynchronous call (by method name and arguments): a test
/// holds one instance's purge at a chosen step, or makes one call fail, while the same database serves the others.
/// </summary>
public class HookedStore : DispatchProxy
{
    private IResourceStore _inner = null!;
    private Func<string, object?[], Task> _before = (_, _) => Task.CompletedTask;
    private Func<string, object?[], Task> _after = (_, _) => Task.CompletedTask;

    public static IResourceStore Wrap(IResourceStore inner, Func<string, object?[], Task>? before = null, Func<string, object?[], Task>? after = null)
    {
        var proxy = Create<IResourceStore, HookedStore>();
        var hooked = (HookedStore)(object)proxy;
        hooked._inner = inner;
        hooked._before = before ?? hooked._before;
        hooked._after = after ?? hooked._after;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? method, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(method);
        args ??= [];
        var returns = method.ReturnType;
        if (returns.IsGenericType && returns.GetGenericTypeDefinition() == typeof(Task<>))
            return typeof(HookedStore).GetMethod(nameof(CallTypedAsync), BindingFlags.NonPublic | BindingFlags.Instance)!
                .MakeGenericMethod(returns.GetGenericArguments()[0]).Invoke(this, [method, args]);
        if (returns == typeof(Task)) return CallAsync(method, args);
        return method.Invoke(_inner, args);
    }

    private async Task<T> CallTypedAsync<T>(MethodInfo method, object?[] args)
    {
        await _before(method.Name, args);
        var result = await (Task<T>)method.Invoke(_inner, args)!;
        await _after(method.Name, args);
        return result;
    }

    private async Task CallAsync(MethodInfo method, object?[] args)
    {
        await _before(method.Name, args);
        await (Task)method.Invoke(_inner, args)!;
        await _after(method.Name, args);
    }
}
