using System.Reflection;
using IdentityIssuer.Issuer.Datastore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace IdentityIssuer.Issuer.Tests.Support;

/// <summary>
/// The real datastore behind a proxy that can run a step just before one of its methods, to make an
/// interleaving of two requests happen in a fixed order (the step runs once, then the hook is gone).
/// Public and unsealed because <see cref="DispatchProxy"/> derives from it.
/// </summary>
public class HookedDataStore : DispatchProxy
{
    private IDataStore _inner = null!;
    private string? _method;
    private Func<Task>? _before;

    /// <summary>Wraps the registered <see cref="IDataStore"/>; call on the service collection after the issuer's services are added.</summary>
    internal static void Install(IServiceCollection services)
    {
        var registered = services.Single(d => d.ServiceType == typeof(IDataStore));
        services.RemoveAll<IDataStore>();
        services.AddSingleton(registered.ImplementationType!);
        services.AddSingleton(sp =>
        {
            var proxy = Create<IDataStore, HookedDataStore>();
            ((HookedDataStore)(object)proxy)._inner = (IDataStore)sp.GetRequiredService(registered.ImplementationType!);
            return proxy;
        });
    }

    /// <summary>Runs <paramref name="before"/> once, the next time <paramref name="method"/> is called, before the real call.</summary>
    internal static void RunBefore(IDataStore store, string method, Func<Task> before)
    {
        var hooked = (HookedDataStore)(object)store;
        hooked._method = method;
        hooked._before = before;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var before = targetMethod.Name == _method ? Interlocked.Exchange(ref _before, null) : null;
        if (before is null)
        {
            return Call(targetMethod, args);
        }

        if (targetMethod.ReturnType == typeof(Task))
        {
            return ThenAsync(before, () => (Task)Call(targetMethod, args)!);
        }

        var result = targetMethod.ReturnType.GetGenericArguments()[0];
        return typeof(HookedDataStore).GetMethod(nameof(ThenWithResultAsync), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(result)
            .Invoke(null, [before, (Func<object?>)(() => Call(targetMethod, args))]);
    }

    private object? Call(MethodInfo method, object?[]? args)
    {
        try
        {
            return method.Invoke(_inner, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }

    private static async Task ThenAsync(Func<Task> before, Func<Task> call)
    {
        await before();
        await call();
    }

    private static async Task<T> ThenWithResultAsync<T>(Func<Task> before, Func<object?> call)
    {
        await before();
        return await (Task<T>)call()!;
    }
}
