using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using ISession = Net.Pkcs11Interop.HighLevelAPI.ISession;

namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>
/// One token of a PKCS#11 module and a pool of logged-in read/write sessions on it. A PKCS#11
/// session runs one operation at a time, so each operation rents its own session: signatures run
/// in parallel up to the pool size instead of queueing on one session. Login is per token and
/// application, so the user logs in once and every session of the process shares it; a session
/// opened later logs in again only if the token forgot (after removal and reinsertion). A session
/// that fails with a device or session error is closed and replaced by a new one on next use.
/// </summary>
internal sealed partial class Pkcs11Token : IDisposable
{
    private readonly Pkcs11Module _module;
    private readonly string? _tokenLabel;
    private readonly ulong? _configuredSlotId;
    private readonly byte[] _pin;
    private readonly string _settings;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentBag<ISession> _idle = [];
    private ulong? _slotId;
    private volatile bool _disposed;

    /// <summary>
    /// A token chosen by <paramref name="tokenLabel"/> or <paramref name="slotId"/>.
    /// <paramref name="settings"/> is the configuration path of the settings, e.g. <c>KeyManager:Pkcs11</c>,
    /// named in start-up errors. Takes ownership of <paramref name="pin"/> (zeroed on dispose).
    /// </summary>
    public Pkcs11Token(Pkcs11Module module, string? tokenLabel, ulong? slotId, byte[] pin, int sessions, string settings, ILogger logger)
    {
        _module = module;
        _tokenLabel = tokenLabel;
        _configuredSlotId = slotId;
        _pin = pin;
        _settings = settings;
        _logger = logger;
        _slots = new SemaphoreSlim(sessions, sessions);
    }

    /// <summary>Pkcs11Interop's factories, for attributes and mechanisms.</summary>
    public Pkcs11InteropFactories Factories => _module.Factories;

    /// <summary>How the token is named in messages: its label or slot, and the module.</summary>
    public string Description => (_tokenLabel is not null ? $"PKCS#11 token '{_tokenLabel}'" : $"PKCS#11 token in slot {_configuredSlotId}")
        + (_tokenLabel is not null && _slotId is { } slot ? $" (slot {slot})" : string.Empty);

    /// <summary>
    /// Finds the token, opens the first session and logs in. Throws a non-transient
    /// <see cref="KeyManagerException"/> naming the setting that is wrong (token label, slot id,
    /// PIN); the PIN itself is never part of a message.
    /// </summary>
    public void Open()
    {
        var session = OpenSession(atStart: true);
        _idle.Add(session);
        LogOpened(Description, _module.Path);
    }

    /// <summary>Runs <paramref name="action"/> on a pooled session.</summary>
    public async ValueTask<T> RunAsync<T>(string operation, Func<ISession, T> action, bool offload, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _slots.WaitAsync(cancellationToken);
        ISession? session = null;
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            session = _idle.TryTake(out var idle) ? idle : OpenSession(atStart: false);
            var current = session;
            var result = offload ? await Task.Run(() => action(current), cancellationToken) : action(current);
            Return(session);
            session = null;
            return result;
        }
        catch (Pkcs11Exception e) when (IsSessionFault(e.RV))
        {
            LogSessionDropped(Description, operation, e.RV.ToString());
            Close(session);
            session = null;
            throw new KeyManagerException(
                $"{Description}: {operation} failed with {e.RV}; the token may have been removed or the module failed. The session was dropped and a new one is opened on next use",
                isTransient: true,
                e);
        }
        finally
        {
            if (session is not null)
            {
                // Any other failure (a key gone, an argument refused) leaves the session usable.
                Return(session);
            }

            _slots.Release();
        }
    }

    /// <summary>
    /// Throws a transient <see cref="KeyManagerException"/> when the token is no longer in its slot.
    /// Called when a key is not found: a removed token's objects vanish from open sessions, and
    /// "no such key" must not be reported for "no token".
    /// </summary>
    public void ThrowIfAbsent() => FindSlot(atStart: false);

    /// <summary>A non-transient exception for a PKCS#11 error that is not a session or device fault.</summary>
    public KeyManagerException Failure(string what, Pkcs11Exception e) =>
        new($"{Description}: {what} failed with {e.RV}", isTransient: IsSessionFault(e.RV), e);

    /// <summary>Closes the idle sessions (sessions in use close when returned) and forgets the PIN; the module is released by its owner.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        while (_idle.TryTake(out var session))
        {
            Close(session);
        }

        System.Security.Cryptography.CryptographicOperations.ZeroMemory(_pin);
    }

    /// <summary>Errors after which the session (or the whole token) is unusable: drop the session, report a transient fault.</summary>
    internal static bool IsSessionFault(CKR rv) => rv is CKR.CKR_SESSION_HANDLE_INVALID or CKR.CKR_SESSION_CLOSED
        or CKR.CKR_DEVICE_ERROR or CKR.CKR_DEVICE_REMOVED or CKR.CKR_DEVICE_MEMORY
        or CKR.CKR_TOKEN_NOT_PRESENT or CKR.CKR_TOKEN_NOT_RECOGNIZED or CKR.CKR_SLOT_ID_INVALID
        or CKR.CKR_GENERAL_ERROR or CKR.CKR_FUNCTION_FAILED or CKR.CKR_USER_NOT_LOGGED_IN
        or CKR.CKR_CRYPTOKI_NOT_INITIALIZED;

    private void Return(ISession session)
    {
        if (_disposed)
        {
            Close(session);
            return;
        }

        _idle.Add(session);
    }

    private ISession OpenSession(bool atStart)
    {
        var slot = FindSlot(atStart);
        ISession session;
        try
        {
            session = slot.OpenSession(SessionType.ReadWrite);
        }
        catch (Pkcs11Exception e)
        {
            throw new KeyManagerException($"{Description}: cannot open a session: {e.RV}", isTransient: !atStart || IsSessionFault(e.RV), e);
        }

        try
        {
            session.Login(CKU.CKU_USER, _pin);
        }
        catch (Pkcs11Exception e) when (e.RV == CKR.CKR_USER_ALREADY_LOGGED_IN)
        {
            // Login is per token and application: another session of this process logged in already.
        }
        catch (Pkcs11Exception e)
        {
            Close(session);
            var pinRefused = e.RV is CKR.CKR_PIN_INCORRECT or CKR.CKR_PIN_INVALID or CKR.CKR_PIN_LEN_RANGE or CKR.CKR_PIN_EXPIRED or CKR.CKR_PIN_LOCKED;
            throw pinRefused
                ? new KeyManagerException($"{_settings}:Pin was refused by {Description}: {e.RV}", isTransient: false, e)
                : new KeyManagerException($"{Description}: login failed with {e.RV}", isTransient: !atStart || IsSessionFault(e.RV), e);
        }

        return session;
    }

    private ISlot FindSlot(bool atStart)
    {
        List<ISlot> slots;
        try
        {
            slots = _module.Library.GetSlotList(SlotsType.WithTokenPresent);
        }
        catch (Pkcs11Exception e)
        {
            throw new KeyManagerException($"PKCS#11 module '{_module.Path}': cannot list its slots: {e.RV}", isTransient: !atStart, e);
        }

        var labels = new List<string>();
        foreach (var slot in slots)
        {
            if (_configuredSlotId is { } wanted && slot.SlotId != wanted)
            {
                continue;
            }

            string label;
            try
            {
                var info = slot.GetTokenInfo();
                if (!info.TokenFlags.TokenInitialized)
                {
                    continue;
                }

                label = info.Label.TrimEnd(' ', '\0');
            }
            catch (Pkcs11Exception)
            {
                // A slot whose token went away while listing is not the one we want.
                continue;
            }

            if (_configuredSlotId is not null || string.Equals(label, _tokenLabel, StringComparison.Ordinal))
            {
                _slotId = slot.SlotId;
                return slot;
            }

            if (label.Length > 0)
            {
                labels.Add($"'{label}'");
            }
        }

        if (!atStart)
        {
            throw new KeyManagerException($"{Description} is not present in PKCS#11 module '{_module.Path}'", isTransient: true);
        }

        throw _configuredSlotId is not null
            ? new KeyManagerException($"{_settings}:SlotId: no token in slot {_configuredSlotId} of PKCS#11 module '{_module.Path}'", isTransient: false)
            : new KeyManagerException(
                $"{_settings}:TokenLabel: no token labelled '{_tokenLabel}' in PKCS#11 module '{_module.Path}' (tokens: {(labels.Count == 0 ? "none" : string.Join(", ", labels))})",
                isTransient: false);
    }

    private void Close(ISession? session)
    {
        if (session is null)
        {
            return;
        }

        try
        {
            session.Dispose();
        }
        catch (Pkcs11Exception e)
        {
            LogCloseFailed(Description, e.RV.ToString());
        }
    }

    [LoggerMessage(EventId = 2140, Level = LogLevel.Information, Message = "Opened {Token} of PKCS#11 module {ModulePath} and logged in")]
    private partial void LogOpened(string token, string modulePath);

    [LoggerMessage(EventId = 2141, Level = LogLevel.Warning, Message = "{Token}: {Operation} failed with {ReturnValue}; dropped the session, a new one is opened on next use")]
    private partial void LogSessionDropped(string token, string operation, string returnValue);

    [LoggerMessage(EventId = 2142, Level = LogLevel.Debug, Message = "{Token}: closing a session failed with {ReturnValue}")]
    private partial void LogCloseFailed(string token, string returnValue);
}
