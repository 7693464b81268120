using IdentityIssuer.Attestation.Selectors;

namespace IdentityIssuer.Attestation.Workload;

/// <summary>
/// Runs every enabled workload attestor for a caller and returns the union of their selectors,
/// sorted and de-duplicated. It fails closed: an attestor that cannot tell (its platform API is
/// down, the process exited) is not one that found nothing, so any failure fails the whole
/// attestation, naming the attestor, rather than returning what the others found.
/// </summary>
public sealed class WorkloadAttestationRunner : IDisposable
{
    private readonly IReadOnlyList<IWorkloadAttestor> _attestors;
    private readonly bool _ownsAttestors;

    /// <summary>Creates a runner over <paramref name="attestors"/>; with <paramref name="ownsAttestors"/> it disposes them.</summary>
    public WorkloadAttestationRunner(IEnumerable<IWorkloadAttestor> attestors, bool ownsAttestors = false)
    {
        ArgumentNullException.ThrowIfNull(attestors);
        _attestors = [.. attestors];
        _ownsAttestors = ownsAttestors;
        var duplicate = _attestors.GroupBy(a => a.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"workload attestor \"{duplicate.Key}\" is given more than once", nameof(attestors));
        }
    }

    /// <summary>The names of the attestors run, in order.</summary>
    public IReadOnlyList<string> AttestorNames => [.. _attestors.Select(a => a.Name)];

    /// <summary>The union of all attestors' selectors for the process.</summary>
    /// <exception cref="WorkloadAttestationException">An attestor failed or broke its contract; the message names it.</exception>
    public async Task<IReadOnlyList<Selector>> AttestAsync(WorkloadProcess process, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(process);
        var runs = _attestors.Select(a => RunOneAsync(a, process, cancellationToken)).ToArray();
        try
        {
            await Task.WhenAll(runs);
        }
        catch (WorkloadAttestationException)
        {
            // Report the first failure in configuration order, whichever finished first.
            foreach (var run in runs)
            {
                if (run.IsFaulted)
                {
                    throw run.Exception!.InnerException!;
                }
            }

            throw;
        }

        return SelectorSet.Normalize(runs.SelectMany(r => r.Result));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_ownsAttestors)
        {
            return;
        }

        foreach (var attestor in _attestors)
        {
            (attestor as IDisposable)?.Dispose();
        }
    }

    private static async Task<IReadOnlyList<Selector>> RunOneAsync(IWorkloadAttestor attestor, WorkloadProcess process, CancellationToken cancellationToken)
    {
        IReadOnlyList<Selector> selectors;
        try
        {
            selectors = await attestor.AttestAsync(process, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            throw new WorkloadAttestationException(
                $"workload attestor \"{attestor.Name}\" failed for process {process.ProcessId}: {e.Message}",
                callerChanged: e is WorkloadAttestationException { CallerChanged: true },
                e);
        }

        foreach (var selector in selectors)
        {
            if (selector.Type != attestor.Name)
            {
                throw new WorkloadAttestationException(
                    $"workload attestor \"{attestor.Name}\" produced selector {selector} of another type for process {process.ProcessId}");
            }
        }

        return selectors;
    }
}
