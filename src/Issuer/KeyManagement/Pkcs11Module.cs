using System.Reflection;
using System.Runtime.InteropServices;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>
/// A PKCS#11 module loaded once per process and path, initialised for multi-threaded use
/// (C_Initialize with CKF_OS_LOCKING_OK) and finalised when the last user releases it: a module
/// may be initialised only once per process, and C_Finalize would pull it from under every other
/// user (two key managers over one HSM, e.g. the CA and an upstream authority).
/// </summary>
internal sealed class Pkcs11Module : IDisposable
{
    private static readonly Dictionary<string, Pkcs11Module> Loaded = new(StringComparer.Ordinal);
    private static readonly Lock LoadedGate = new();

    private static bool _resolverSet;

    private int _references = 1;

    private Pkcs11Module(string path, Pkcs11InteropFactories factories, IPkcs11Library library)
    {
        Path = path;
        Factories = factories;
        Library = library;
    }

    /// <summary>The module's full path.</summary>
    public string Path { get; }

    /// <summary>Pkcs11Interop's factories for attributes and mechanisms.</summary>
    public Pkcs11InteropFactories Factories { get; }

    /// <summary>The loaded, initialised module.</summary>
    public IPkcs11Library Library { get; }

    /// <summary>
    /// The module at <paramref name="path"/>, loaded and initialised on first use; release it with
    /// <see cref="Dispose"/>. Throws what Pkcs11Interop throws when the file cannot be loaded or
    /// C_Initialize fails.
    /// </summary>
    public static Pkcs11Module Acquire(string path)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        lock (LoadedGate)
        {
            if (Loaded.TryGetValue(fullPath, out var module))
            {
                module._references++;
                return module;
            }

            SetDlopenResolver();
            var factories = new Pkcs11InteropFactories();
            var library = factories.Pkcs11LibraryFactory.LoadPkcs11Library(factories, fullPath, AppType.MultiThreaded);
            module = new Pkcs11Module(fullPath, factories, library);
            Loaded[fullPath] = module;
            return module;
        }
    }

    /// <summary>
    /// Pkcs11Interop calls dlopen through <c>[DllImport("libdl")]</c>, and glibc 2.34+ ships no
    /// <c>libdl.so</c> (only <c>libdl.so.2</c>, or dlopen in libc itself) without the -dev package.
    /// Map the name to the runtime library, as Pkcs11Interop's maintainer recommends.
    /// </summary>
    private static void SetDlopenResolver()
    {
        if (_resolverSet || OperatingSystem.IsWindows())
        {
            return;
        }

        _resolverSet = true;
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(Pkcs11InteropFactories).Assembly, ResolveLibdl);
        }
        catch (InvalidOperationException)
        {
            // Another part of the process set a resolver for Pkcs11Interop already; keep it.
        }
    }

    private static IntPtr ResolveLibdl(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != "libdl")
        {
            return IntPtr.Zero;
        }

        foreach (var candidate in (string[])(OperatingSystem.IsMacOS() ? ["libdl.dylib", "libSystem.dylib"] : ["libdl.so.2", "libc.so.6", "libdl.so"]))
        {
            if (NativeLibrary.TryLoad(candidate, assembly, searchPath, out var handle))
            {
                return handle;
            }
        }

        return IntPtr.Zero;
    }

    /// <summary>Releases this user's reference; the last one finalises and unloads the module.</summary>
    public void Dispose()
    {
        lock (LoadedGate)
        {
            if (_references == 0 || --_references > 0)
            {
                return;
            }

            Loaded.Remove(Path);
        }

        Library.Dispose();
    }
}
