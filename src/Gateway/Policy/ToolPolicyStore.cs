using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Gateway.Policy;

/// <summary>
/// Holds the policy read from a file (YAML for <c>.yaml</c>/<c>.yml</c>, JSON for <c>.json</c>; any other
/// extension is refused). <see cref="Load"/> at start throws with every problem;
/// <see cref="Reload"/> (called by <see cref="ToolPolicyReloader"/>) swaps in a changed file only when
/// it is valid, and otherwise keeps the policy in force and logs every problem.
/// </summary>
public sealed partial class ToolPolicyStore
{
    private readonly ILogger<ToolPolicyStore> _logger;
    private volatile ToolPolicy? _current;
    private byte[] _lastHash = [];

    public ToolPolicyStore(string path, ILogger<ToolPolicyStore> logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
        Format = PolicyFormats.FromPath(Path);
        _logger = logger;
    }

    /// <summary>The policy file.</summary>
    public string Path { get; }

    /// <summary>The file's format, from its extension (<see cref="PolicyFormat.Unspecified"/>: refused by <see cref="Load"/>).</summary>
    public PolicyFormat Format { get; }

    /// <summary>The policy in force.</summary>
    /// <exception cref="InvalidOperationException">No policy was loaded yet.</exception>
    public ToolPolicy Current => _current ?? throw new InvalidOperationException("no policy loaded");

    /// <summary>Reads the file the first time.</summary>
    /// <exception cref="ToolPolicyException">The file is missing or has problems; the message lists all of them.</exception>
    public void Load()
    {
        var (policy, hash, errors) = Read();
        if (policy is null)
        {
            throw new ToolPolicyException(Path, errors);
        }

        _current = policy;
        _lastHash = hash;
        LogLoaded(_logger, Path, policy.Tools.Count, policy.Rules.Count);
    }

    /// <summary>Re-reads the file if its content changed; returns true when a new policy took effect.</summary>
    public bool Reload()
    {
        byte[] hash;
        try
        {
            hash = SHA256.HashData(File.ReadAllBytes(Path));
        }
        catch (IOException ex)
        {
            LogUnreadable(_logger, Path, ex.Message);
            return false;
        }

        if (hash.AsSpan().SequenceEqual(_lastHash))
        {
            return false;
        }

        var (policy, newHash, errors) = Read();
        _lastHash = newHash;
        if (policy is null)
        {
            LogRejected(_logger, Path, errors.Count, string.Join("; ", errors));
            return false;
        }

        _current = policy;
        LogReloaded(_logger, Path, policy.Tools.Count, policy.Rules.Count);
        return true;
    }

    private (ToolPolicy? Policy, byte[] Hash, IReadOnlyList<string> Errors) Read()
    {
        if (Format == PolicyFormat.Unspecified)
        {
            return (null, [], [$"the extension '{System.IO.Path.GetExtension(Path)}' names no policy format; use {PolicyFormats.AcceptedExtensions}"]);
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(Path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, [], [$"cannot read the policy file: {ex.Message}"]);
        }

        var hash = SHA256.HashData(bytes);
        return PolicyParser.TryParse(System.Text.Encoding.UTF8.GetString(bytes), Format, out var policy, out var errors)
            ? (policy, hash, [])
            : (null, hash, errors);
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Loaded policy {Path}: {Tools} tools, {Rules} rules")]
    private static partial void LogLoaded(ILogger logger, string path, int tools, int rules);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Reloaded policy {Path}: {Tools} tools, {Rules} rules")]
    private static partial void LogReloaded(ILogger logger, string path, int tools, int rules);

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "Policy {Path} changed but has {Count} problem(s); keeping the policy in force: {Problems}")]
    private static partial void LogRejected(ILogger logger, string path, int count, string problems);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Cannot read policy {Path}; keeping the policy in force: {Error}")]
    private static partial void LogUnreadable(ILogger logger, string path, string error);
}

/// <summary>The policy file cannot be used; <see cref="Problems"/> lists every problem.</summary>
public sealed class ToolPolicyException : Exception
{
    public ToolPolicyException(string path, IReadOnlyList<string> problems)
        : base($"policy file '{path}' has {problems.Count} problem(s):\n  " + string.Join("\n  ", problems))
    {
        Problems = problems;
    }

    public IReadOnlyList<string> Problems { get; }
}
