using System.Reflection;
using IdentityIssuer.Issuer.Datastore;

namespace IdentityIssuer.Bench.Support;

/// <summary>
/// An <see cref="IDataStore"/> that forwards every call to the real store except
/// <see cref="IDataStore.AddIssuanceRecordsAsync"/>, which it drops: minting without persistence.
/// </summary>
internal class IssuanceDiscardingStore : DispatchProxy
{
    private IDataStore _inner = null!;

    public static IDataStore Wrap(IDataStore inner)
    {
        var proxy = Create<IDataStore, IssuanceDiscardingStore>();
        ((IssuanceDiscardingStore)(object)proxy)._inner = inner;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (targetMethod.Name == nameof(IDataStore.AddIssuanceRecordsAsync))
        {
            return Task.CompletedTask;
        }

        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }
}
