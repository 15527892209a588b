namespace Lockbox.Host.Http;

/// <summary>
/// Where socket completions run. By default .NET's socket engine hands every completion from its
/// epoll thread to the thread pool before Kestrel moves the request on to the pool once more. On
/// Linux the engine can instead complete socket operations on its own epoll threads (one engine
/// per core) when <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>; Kestrel still runs the
/// request itself on the thread pool, so a long Scan holds up no other connection. That saves
/// one thread hop per receive: GetItem served 8-19% more requests per second on the 2-core bench
/// machine (docs/ARCHITECTURE.md, "Socket completions").
/// <para>Kestrel's <c>UnsafePreferInlineScheduling</c>, which would also run the request on the
/// epoll thread, was measured too and is not used: GetItem and PutItem gained a further 6-11%, but
/// Query, Scan and BatchWriteItem lost 16-18% even when those were moved back to the pool.</para>
/// </summary>
public static class IoThreadScheduling
{
    /// <summary>The runtime's switch; it is read once, at the process's first socket operation.</summary>
    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// Turns inline socket completions on for this process unless its environment already
    /// decides (set the variable to 0 to keep the default). Call before any socket is used, and
    /// only in a process that starts no .NET children: they would inherit the setting.
    /// </summary>
    public static void PreferInlineCompletions()
    {
        if (OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
        }
    }
}
